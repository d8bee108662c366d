import { GraphQLError, OperationTypeNode, execute, getOperationAST, parse, specifiedRules, validate, type DocumentNode, type ExecutionResult } from "graphql";
import { Hono, type Context } from "hono";
import { AppwriteError } from "../../core/errors";
import { hasOwn, inputObject, isForbiddenKey, parseJson, type Input } from "../../core/input";
import { app } from "../../app";
import { requireScope } from "../../platform/caller";
import type { AppEnv } from "../../platform/context";
import { checkLimits, limitsOf, type Limits } from "./limits";
import { isInnerCall, restRunner } from "./resolve";
import { fieldResolver, schemaFor, typeResolver } from "./schema";

/**
 * Appwrite's GraphQL endpoint (app/controllers/api/graphql.php): `POST /v1/graphql` and `/v1/graphql/mutation`
 * take one operation `{query, variables?, operationName?}` or a batch (an array); the SDKs wrap it in
 * `{query: …}` and say so with `x-sdk-graphql: true`; `application/graphql` bodies are the query text; uploads
 * follow graphql-multipart-request-spec (`operations` + `map` + files). `GET /v1/graphql` runs queries only.
 * Every answer is 200 with GraphQL's `{data, errors}` (an array for a batch); a malformed request is an
 * Appwrite error. The schema, limits and resolvers are schema.ts, limits.ts and resolve.ts.
 */
export const graphqlRoutes = new Hono<AppEnv>();

graphqlRoutes.use("*", async (c, next) => {
  if (isInnerCall(c.req.raw)) throw new AppwriteError("general_route_not_found");
  await next();
});

interface Operation { query: string; variables: Input; operationName?: string }

graphqlRoutes.get("/", async (c) => {
  requireScope(c, "graphql");
  const q = c.req.query();
  const variables = q.variables ? parseBody(q.variables) : inputObject();
  const op: Input = inputObject();
  op.query = q.query ?? "";
  op.variables = variables;
  if (q.operationName) op.operationName = q.operationName;
  return respond(c, operations([op], limitsOf(c.env as never)), true);
});

const post = async (c: Context<AppEnv>) => {
  requireScope(c, "graphql");
  const limits = limitsOf(c.env as never);
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  let body: unknown;
  if (type.startsWith("application/graphql")) {
    const op = inputObject();
    op.query = await c.req.text();
    body = op;
  } else if (type.startsWith("multipart/form-data")) {
    body = await multipart(c);
  } else {
    const text = await c.req.text();
    body = text.trim() === "" ? inputObject() : parseBody(text);
    if (c.req.header("x-sdk-graphql") === "true") body = body && typeof body === "object" && hasOwn(body, "query") ? (body as Input).query : null;
  }
  if (typeof body === "string") {
    // `graphql.query({query: "{ … }"})`: the SDK sends the text itself (Appwrite fails on it; it means one operation).
    const op = inputObject();
    op.query = body;
    body = op;
  }
  const list = Array.isArray(body) ? body : body && typeof body === "object" && Object.keys(body).length ? [body] : [];
  return respond(c, operations(list, limits), false);
};
graphqlRoutes.post("/", post);
graphqlRoutes.post("/mutation", post);

function parseBody(text: string): unknown {
  try {
    return parseJson(text);
  } catch (e) {
    if (e instanceof AppwriteError) throw e;
    throw new AppwriteError("general_argument_invalid", "Invalid JSON body: the request body could not be parsed.");
  }
}

/** Appwrite's checks before anything runs: at least one operation, at most the batch size, each with a query. */
function operations(list: unknown[], limits: Limits): { ops: Operation[]; limits: Limits } {
  if (list.length === 0) throw new AppwriteError("graphql_no_query");
  if (list.length > limits.batch) throw new AppwriteError("graphql_too_many_queries");
  const ops = list.map((item) => {
    const o = (item && typeof item === "object" && !Array.isArray(item) ? item : inputObject()) as Input;
    if (typeof o.query !== "string" || o.query === "") throw new AppwriteError("graphql_no_query");
    const variables = o.variables && typeof o.variables === "object" && !Array.isArray(o.variables) ? (o.variables as Input) : inputObject();
    return { query: o.query, variables, operationName: typeof o.operationName === "string" && o.operationName ? o.operationName : undefined };
  });
  return { ops, limits };
}

async function respond(c: Context<AppEnv>, { ops, limits }: { ops: Operation[]; limits: Limits }, queriesOnly: boolean): Promise<Response> {
  const runner = restRunner(c, async (req) => app.fetch(req, c.env, c.executionCtx));
  const results: ExecutionResult[] = [];
  for (const op of ops) {
    let doc: DocumentNode;
    try {
      doc = parse(op.query);
    } catch (e) {
      results.push({ errors: [e instanceof GraphQLError ? e : new GraphQLError(String(e))] });
      continue;
    }
    const schema = schemaFor(doc);
    if (queriesOnly) {
      const ast = getOperationAST(doc, op.operationName);
      if (ast && ast.operation !== OperationTypeNode.QUERY) throw new AppwriteError("graphql_method_unsupported");
    }
    const errors = [...validate(schema, doc, specifiedRules), ...checkLimits(doc, op.operationName, op.variables, limits)];
    if (errors.length) {
      results.push({ errors });
      continue;
    }
    results.push(await execute({ schema, document: doc, variableValues: op.variables, operationName: op.operationName, contextValue: runner, fieldResolver, typeResolver }) as ExecutionResult);
  }
  const res = new Response(JSON.stringify(results.length === 1 ? results[0] : results), {
    status: 200,
    headers: { "content-type": "application/json; charset=UTF-8" },
  });
  return runner.apply(res);
}

/** graphql-multipart-request-spec: `operations` (JSON), `map` ({field: ["0.variables.file", …]}), file fields. */
async function multipart(c: Context<AppEnv>): Promise<unknown> {
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    throw new AppwriteError("general_argument_invalid", "Invalid form body: the request body could not be parsed.");
  }
  const operations = form.get("operations");
  if (typeof operations !== "string") throw new AppwriteError("graphql_no_query");
  const ops = parseBody(operations);
  const mapText = form.get("map");
  const map = typeof mapText === "string" ? parseBody(mapText) : inputObject();
  if (!map || typeof map !== "object" || Array.isArray(map)) throw new AppwriteError("general_argument_invalid", "Invalid `map` param: Value must be a valid JSON object.");
  for (const [field, paths] of Object.entries(map as Input)) {
    const file = form.get(field);
    if (!(file instanceof File)) throw new AppwriteError("general_argument_invalid", `Invalid \`map\` param: no file was sent as "${field}".`);
    for (const path of Array.isArray(paths) ? paths : []) {
      if (typeof path !== "string") continue;
      place(ops, path.split("."), file);
    }
  }
  return ops;
}

/** Put `value` at a dotted path inside parsed (null-prototype) operations, creating objects on the way. */
function place(root: unknown, keys: string[], value: unknown): void {
  let at = root as Input;
  for (const [i, k] of keys.entries()) {
    if (isForbiddenKey(k) || at === null || typeof at !== "object") throw new AppwriteError("general_argument_invalid", "Invalid `map` param: a path does not lead into `operations`.");
    if (i === keys.length - 1) {
      at[k] = value;
      return;
    }
    if (!hasOwn(at, k) || at[k] === null || typeof at[k] !== "object") at[k] = inputObject();
    at = at[k] as Input;
  }
}
