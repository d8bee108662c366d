import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { AppwriteError } from "../../core/errors";
import { hashSecret, randomHex } from "../../core/crypto";
import { resolveId } from "../../core/ids";
import { lookup } from "../../core/input";
import { p, params } from "../../core/params";
import type { Field } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { KEY_SCOPES, keyScopes } from "../../core/scopes";
import { purposeBytes } from "../../core/secrets";
import { formatDate, parseDate } from "../../core/time";
import { isUniqueViolation, open } from "../../db/client";
import { prepareQueries, runList } from "../../db/list";
import { keys, type Key } from "../../db/schema";
import { forgetKeys, onApiKey, scopeError } from "../../platform/caller";
import { touchAccess } from "../../platform/access";
import type { AppEnv, Caller, Ctx } from "../../platform/context";
import { keyModel } from "../../platform/models";
import type { ProjectOf } from "./access";

/**
 * API keys (Project service: /v1/project/keys, and the console's /v1/projects/{projectId}/keys) and
 * ephemeral keys: `ephemeral_<JWT>` naming a project and scopes, valid for at most an hour, never stored.
 */

const EPHEMERAL_PREFIX = "ephemeral_";
const ephemeralSecret = (env: Env) => purposeBytes(env, "ephemeral-key");

/** Queryable attributes (Queries/Keys.php). */
const LIST_FIELDS = lookup<Field>({
  $id: { sql: "k.id", type: "string" },
  $createdAt: { sql: "k.created_at", type: "datetime" },
  $updatedAt: { sql: "k.updated_at", type: "datetime" },
  name: { sql: "k.name", type: "string" },
  scopes: { sql: "k.scopes", type: "string", array: true },
  expire: { sql: "k.expire", type: "datetime" },
  accessedAt: { sql: "k.accessed_at", type: "datetime" },
});

const scopesParam = () => p.array(p.enum(KEY_SCOPES), { max: 100 });

function expireParam(value: string | undefined): number | null {
  if (value === undefined) return null;
  const at = parseDate(value);
  if (at === null) throw new AppwriteError("general_argument_invalid", "Invalid `expire` param: Value must be valid date.");
  return at;
}

/**
 * A key can hand on only scopes it holds itself: otherwise a key with `keys.write` could mint or widen a key
 * past its own rights. Appwrite leaves this to trust; the deployment admin may grant anything.
 */
function assertGrantable(c: Ctx, caller: Caller, scopes: readonly string[]): void {
  if (caller.mode !== "key") return;
  const missing = scopes.filter((s) => !caller.scopes.has(s));
  if (missing.length) throw scopeError(c, missing);
}

/**
 * A key never lengthens a key's life (its own included): otherwise a key given until tomorrow, with `keys.write`,
 * would update itself to never expire. People and the deployment admin may set any expiry.
 */
export function assertNotLonger(caller: Caller, current: number | null, next: number | null): void {
  if (caller.mode !== "key" || current === null || (next !== null && next <= current)) return;
  throw new AppwriteError("general_argument_invalid", "Invalid `expire` param: An API key cannot extend the expiration of a key.");
}

async function findKey(c: Ctx, projectId: string): Promise<Key> {
  const [row] = await open(c.env.DB).select().from(keys).where(and(eq(keys.projectId, projectId), eq(keys.id, c.req.param("keyId")!))).limit(1);
  if (!row) throw new AppwriteError("key_not_found");
  return row;
}

/** `console`: the console's aliases (keyId optional, as the 1.x console sends none; no ephemeral keys). */
export function keyRoutes(projectOf: ProjectOf, opts: { console: boolean }): Hono<AppEnv> {
  const r = new Hono<AppEnv>();

  r.get("/", async (c) => {
    const { project } = await projectOf(c, "keys.read");
    const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
    const result = await runList<Record<string, unknown>>(
      c.env.DB,
      {
        from: "keys k",
        columns: "k.id, k.name, k.scopes, k.expire, k.accessed_at AS accessedAt, k.sdks, k.created_at AS createdAt, k.updated_at AS updatedAt",
        base: (b) => `k.project_id = ${b.bind(project.id)}`,
        resolve: (name) => LIST_FIELDS[name],
        sequence: "k.rowid",
        id: "k.id",
      },
      prepareQueries(a.queries),
      a.total,
    );
    const rows = result.rows.map((row) => ({ ...row, scopes: JSON.parse(String(row.scopes)), sdks: JSON.parse(String(row.sdks)) }) as unknown as Key);
    return json(c, list("keys", rows.map((k) => keyModel(k)), result.total));
  });

  r.post("/", async (c) => {
    const { caller, project } = await projectOf(c, "keys.write");
    // Appwrite: a standing key is made by a person (console session), never by another key.
    if (caller.mode === "key") throw new AppwriteError("key_creation_denied");
    const a = await params(c, {
      keyId: opts.console ? p.default(p.customId(), "unique()") : p.customId(),
      name: p.string({ min: 1, max: 128 }),
      scopes: scopesParam(),
      expire: p.optional(p.string({ max: 64 })),
    });
    const expire = expireParam(a.expire);
    const secret = `standard_${randomHex(128)}`;
    const now = Date.now();
    try {
      const [row] = await open(c.env.DB)
        .insert(keys)
        .values({ projectId: project.id, id: resolveId("keyId", a.keyId), name: a.name, scopes: a.scopes, secretHash: hashSecret(secret), expire, createdAt: now, updatedAt: now })
        .returning();
      await touchAccess(c.env, project.id); // a key made again with a deleted one's secret is a new resolution
      return json(c, keyModel(row!, secret), 201);
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppwriteError("key_already_exists");
      throw e;
    }
  });

  if (!opts.console) r.post("/ephemeral", async (c) => {
    const { caller, project } = await projectOf(c, "keys.write");
    // Only a standing key (or a person, or the ADMIN_KEY) mints one: an ephemeral or execution key renewing
    // itself would outlive whatever made it.
    if (caller.mode === "key" && !caller.key) throw new AppwriteError("key_creation_denied");
    const a = await params(c, { scopes: scopesParam(), duration: p.integer({ min: 1, max: 3600 }) });
    assertGrantable(c, caller, a.scopes);
    const now = Date.now();
    const parent = caller.mode === "key" ? caller.key : undefined;
    // Never past the parent key's own expiry; the parent is checked again on every use (the resolver below).
    const exp = Math.min(Math.floor(now / 1000) + a.duration, parent?.expire != null ? Math.floor(parent.expire / 1000) : Infinity);
    const jwt = await new SignJWT({ projectId: project.id, scopes: a.scopes, ...(parent ? { keyId: parent.id } : {}) }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt().setExpirationTime(exp).sign(ephemeralSecret(c.env));
    return json(c, { $id: resolveId("keyId", "unique()"), $createdAt: formatDate(now), $updatedAt: formatDate(now), name: "", expire: formatDate(exp * 1000), scopes: a.scopes, secret: `${EPHEMERAL_PREFIX}${jwt}` }, 201);
  });

  r.get("/:keyId", async (c) => {
    const { project } = await projectOf(c, "keys.read");
    return json(c, keyModel(await findKey(c, project.id)));
  });

  r.put("/:keyId", async (c) => {
    const { caller, project } = await projectOf(c, "keys.write");
    const a = await params(c, { name: p.string({ min: 1, max: 128 }), scopes: scopesParam(), expire: p.optional(p.string({ max: 64 })) });
    const expire = expireParam(a.expire);
    assertGrantable(c, caller, a.scopes);
    const current = await findKey(c, project.id);
    assertNotLonger(caller, current.expire, expire);
    const [row] = await open(c.env.DB)
      .update(keys)
      .set({ name: a.name, scopes: a.scopes, expire, updatedAt: Date.now() })
      .where(and(eq(keys.projectId, project.id), eq(keys.id, current.id)))
      .returning();
    forgetKeys();
    await touchAccess(c.env, project.id);
    return json(c, keyModel(row!));
  });

  r.delete("/:keyId", async (c) => {
    const { project } = await projectOf(c, "keys.write");
    const current = await findKey(c, project.id);
    await open(c.env.DB).delete(keys).where(and(eq(keys.projectId, project.id), eq(keys.id, current.id)));
    forgetKeys();
    await touchAccess(c.env, project.id);
    return noContent(c);
  });

  return r;
}

/** An ephemeral key is an API-key caller with exactly its scopes, in its own project, until it expires. */
onApiKey(async (env, project, apiKey) => {
  if (!apiKey.startsWith(EPHEMERAL_PREFIX)) return null;
  let claims: Record<string, unknown>;
  try {
    claims = (await jwtVerify(apiKey.slice(EPHEMERAL_PREFIX.length), ephemeralSecret(env), { algorithms: ["HS256"] })).payload;
  } catch (e) {
    throw new AppwriteError(e instanceof joseErrors.JWTExpired ? "api_key_expired" : "user_unauthorized");
  }
  let scopes = Array.isArray(claims.scopes) ? claims.scopes.filter((s): s is string => typeof s === "string") : [];
  if (claims.projectId !== project.id) throw new AppwriteError("user_unauthorized");
  // Minted by a standing key: valid only while that key is, and never beyond what it holds now.
  if (typeof claims.keyId === "string") {
    const [parent] = await open(env.DB).select().from(keys).where(and(eq(keys.projectId, project.id), eq(keys.id, claims.keyId))).limit(1);
    if (!parent) throw new AppwriteError("user_unauthorized");
    if (parent.expire !== null && parent.expire < Date.now()) throw new AppwriteError("api_key_expired");
    const held = new Set(parent.scopes);
    scopes = scopes.filter((s) => held.has(s));
  }
  return { mode: "key", memberships: [], roles: ["any"], scopes: keyScopes(scopes), privileged: true, jwt: false };
});
