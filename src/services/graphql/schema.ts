import { GraphQLError, buildASTSchema, parse, visit, type DocumentNode, type GraphQLFieldResolver, type GraphQLScalarType, type GraphQLSchema, type GraphQLTypeResolver } from "graphql";
import { hasOwn, parseJson } from "../../core/input";
import { catalogue } from "./catalogue";

/** Runs a root field's REST route as the caller (resolve.ts); the request's GraphQL context. */
export interface GraphqlContext {
  run(field: string, route: readonly [string, string], args: Record<string, unknown>): Promise<unknown>;
}

/** Named types a definition mentions (after its own name), by the catalogue's names. */
function mentions(sdl: string): string[] {
  const { types: TYPES } = catalogue();
  const body = sdl.replace(/^(type|union|scalar) \w+|^\w+/, "");
  return [...body.matchAll(/[A-Z]\w*/g)].map((m) => m[0]).filter((n) => hasOwn(TYPES, n));
}

const cache = new Map<string, GraphQLSchema>();
const FULL = "*";

/**
 * Appwrite's schema, cut down to what a document can reach: the root fields it names and the types they lead
 * to. Building all ~600 fields and ~270 types costs ~150 ms of CPU; a cut takes ~1 ms. Introspection
 * (`__schema`, `__type`) gets the whole schema. Cuts are cached per isolate by their root fields.
 */
export function schemaFor(doc: DocumentNode): GraphQLSchema {
  const { fields: FIELDS } = catalogue();
  const names = new Set<string>();
  let full = false;
  visit(doc, {
    Field(node) {
      const n = node.name.value;
      if (n === "__schema" || n === "__type") full = true;
      else if (hasOwn(FIELDS, n)) names.add(n);
    },
  });
  const roots = full ? Object.keys(FIELDS) : [...names].sort();
  const key = full ? FULL : roots.join(",");
  const hit = cache.get(key);
  if (hit) return hit;
  if (cache.size >= 200) cache.clear();
  const built = build(roots);
  cache.set(key, built);
  return built;
}

function build(roots: string[]): GraphQLSchema {
  const { fields: FIELDS, types: TYPES } = catalogue();
  const query: string[] = [];
  const mutation: string[] = [];
  const types = new Set<string>();
  const want = (sdl: string) => {
    for (const t of mentions(sdl)) {
      if (types.has(t)) continue;
      types.add(t);
      want(TYPES[t]!);
    }
  };
  for (const f of roots) {
    const [root, sdl] = FIELDS[f]!;
    (root === "Query" ? query : mutation).push(sdl);
    want(sdl);
  }
  if (query.length === 0) {
    // GraphQL needs a Query type; a document of mutations gets Appwrite's first query field.
    const first = Object.keys(FIELDS).find((f) => FIELDS[f]![0] === "Query")!;
    query.push(FIELDS[first]![1]);
    want(FIELDS[first]![1]);
  }
  const sdl = [`type Query { ${query.join(" ")} }`, mutation.length ? `type Mutation { ${mutation.join(" ")} }` : "", ...[...types].map((t) => TYPES[t])].join("\n");
  const schema = buildASTSchema(parse(sdl, { noLocation: true }), { assumeValidSDL: true });
  // InputFile comes only from a multipart request's `map` (graphql-multipart-request-spec), never a literal.
  const file = schema.getType("InputFile") as GraphQLScalarType | undefined;
  const refuse = () => {
    throw new GraphQLError("`InputFile` cannot be hardcoded in query, be sure to conform to GraphQL multipart request specification.");
  };
  if (file) Object.assign(file, { parseLiteral: refuse, serialize: () => "" });
  // Assoc: an object, or a JSON string of one (Appwrite's Assoc scalar).
  const assoc = schema.getType("Assoc") as GraphQLScalarType | undefined;
  if (assoc) Object.assign(assoc, { parseValue: (v: unknown) => (typeof v === "string" ? parseAssoc(v) : v) });
  return schema;
}

function parseAssoc(v: string): unknown {
  try {
    return parseJson(v);
  } catch (e) {
    throw new GraphQLError(e instanceof SyntaxError ? "Assoc must be an object or a JSON string of one." : (e as Error).message);
  }
}

/** Root fields run their route; `data` of a free-form model is its keys as JSON; the rest are own properties. */
export const fieldResolver: GraphQLFieldResolver<unknown, GraphqlContext> = (source, args, context, info) => {
  const parent = info.parentType.name;
  if (parent === "Query" || parent === "Mutation") {
    const field = catalogue().fields[info.fieldName];
    if (!field) throw new GraphQLError(`Unknown field ${info.fieldName}.`);
    return context.run(info.fieldName, [field[2], field[3]], args);
  }
  if (source === null || typeof source !== "object") return null;
  const obj = source as Record<string, unknown>;
  if (info.fieldName === "data" && catalogue().anyModels.has(parent)) {
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
