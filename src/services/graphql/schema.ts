import { GraphQLError, buildSchema, type GraphQLFieldResolver, type GraphQLScalarType, type GraphQLSchema, type GraphQLTypeResolver } from "graphql";
import { hasOwn } from "../../core/input";
import { ANY_MODELS, ROUTES, SDL } from "./catalogue";

/** Runs a root field's REST route as the caller (resolve.ts); the request's GraphQL context. */
export interface GraphqlContext {
  run(field: string, route: readonly [string, string], args: Record<string, unknown>): Promise<unknown>;
}

let schema: GraphQLSchema | undefined;

/** Appwrite's schema, built once per isolate from the generated catalogue. */
export function appwriteSchema(): GraphQLSchema {
  if (schema) return schema;
  const built = buildSchema(SDL, { assumeValidSDL: true });
  // InputFile comes only from a multipart request's `map` (graphql-multipart-request-spec), never a literal.
  const file = built.getType("InputFile") as GraphQLScalarType;
  const refuse = () => {
    throw new GraphQLError("`InputFile` cannot be hardcoded in query, be sure to conform to GraphQL multipart request specification.");
  };
  Object.assign(file, { parseLiteral: refuse, coerceInputLiteral: refuse, serialize: () => "", coerceOutputValue: () => "" });
  // Assoc: an object, or a JSON string of one (Appwrite's Assoc scalar).
  const assoc = built.getType("Assoc") as GraphQLScalarType;
  const assocValue = (v: unknown) => (typeof v === "string" ? parseAssoc(v) : v);
  Object.assign(assoc, { parseValue: assocValue, coerceInputValue: assocValue });
  return (schema = built);
}

function parseAssoc(v: string): unknown {
  try {
    return JSON.parse(v, (key, value) => (key === "__proto__" || key === "constructor" || key === "prototype" ? undefined : value));
  } catch {
    throw new GraphQLError("Assoc must be an object or a JSON string of one.");
  }
}

const ANY = new Set(ANY_MODELS);

/** Root fields run their route; `data` of a free-form model is its keys as JSON; the rest are own properties. */
export const fieldResolver: GraphQLFieldResolver<unknown, GraphqlContext> = (source, args, context, info) => {
  const parent = info.parentType.name;
  if (parent === "Query" || parent === "Mutation") {
    const route = ROUTES[info.fieldName];
    if (!route) throw new GraphQLError(`Unknown field ${info.fieldName}.`);
    return context.run(info.fieldName, route, args);
  }
  if (source === null || typeof source !== "object") return null;
  const obj = source as Record<string, unknown>;
  if (info.fieldName === "data" && ANY.has(parent)) {
    const data = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(obj)) if (!k.startsWith("_")) data[k] = obj[k];
    return JSON.stringify(data);
  }
  return hasOwn(obj, info.fieldName) ? obj[info.fieldName] : null;
};

/** Column/attribute spellings whose union member is named differently (Appwrite's getColumnImplementation). */
const MEMBER_ALIASES = new Map([["double", "float"], ["linestring", "line"]]);
const MEMBER_PREFIX = /^(Column|Attribute|Platform|Policy|OAuth2)/;
const squash = (v: string) => v.toLowerCase().replace(/[^a-z0-9]/g, "");

/** A union member from the object's `format`, then `type`, then `key`/`_id` (Columns, Attributes, Platforms …). */
export const typeResolver: GraphQLTypeResolver<unknown, GraphqlContext> = (value, _context, info, abstractType) => {
  const members = info.schema.getPossibleTypes(abstractType).map((t) => t.name);
  const obj = (value ?? {}) as Record<string, unknown>;
  for (const k of ["format", "type", "key", "_id"]) {
    const v = hasOwn(obj, k) && typeof obj[k] === "string" ? squash(obj[k] as string) : "";
    if (!v) continue;
    const want = MEMBER_ALIASES.get(v) ?? v;
    const hit = members.find((m) => squash(m.replace(MEMBER_PREFIX, "")) === want);
    if (hit) return hit;
  }
  return members[members.length - 1];
};
