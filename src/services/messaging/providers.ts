/**
 * Messaging providers: POST /v1/messaging/providers/{provider}, PATCH /v1/messaging/providers/{provider}/{providerId},
 * GET/DELETE /v1/messaging/providers/{providerId}, GET /v1/messaging/providers (+ /logs). One engine over the
 * specs in provider-specs.ts. Secret credentials are sealed (purpose PROVIDER_SECRETS) and never leave the server
 * except to the provider's own API, from the queue consumer.
 */
import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import * as z from "zod/mini";
import { AppwriteError } from "../../core/errors";
import { resolveId } from "../../core/ids";
import { inputObject, lookup } from "../../core/input";
import { p, params } from "../../core/params";
import type { Field } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { seal, unseal } from "../../core/secrets";
import { isUniqueViolation } from "../../db/client";
import { prepareQueries, runList, systemFields } from "../../db/list";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { searchClause } from "../functions/store";
import { PHONE } from "../users/users";
import { providerModel } from "./models";
import { PROVIDER_NAMES, PROVIDERS, type FieldKind, type ProviderSpec } from "./provider-specs";
import { providers, type Provider } from "./tables";

export const PROVIDER_SECRETS = "messaging-provider";

export async function providerSecrets(env: Env, p: Provider): Promise<Record<string, unknown>> {
  if (!p.secrets) return {};
  return JSON.parse(await unseal(env, PROVIDER_SECRETS, p.secrets)) as Record<string, unknown>;
}

const emailOrEmpty = () => z.string({ error: "Value must be a valid email address" }).check(z.refine((v) => v === "" || p.email().safeParse(v).success, { error: "Value must be a valid email address" }));
const phoneOrEmpty = () => z.string({ error: "Phone number must start with a '+' can have a maximum of fifteen digits." }).check(z.refine((v) => v === "" || PHONE.test(v), { error: "Phone number must start with a '+' can have a maximum of fifteen digits." }));

function validator(kind: FieldKind): z.ZodMiniType<unknown> {
  switch (kind) {
    case "text": return p.string({ max: 65_535 });
    case "name": return p.string({ max: 128 });
    case "email": return emailOrEmpty();
    case "phone": return phoneOrEmpty();
    case "bool": return p.boolean();
    case "port": return p.integer({ min: 1, max: 65535 });
    case "json": return p.object();
    case "encryption": return p.enum(["none", "ssl", "tls"]);
  }
}

/** A value that counts as given: booleans and numbers always, strings when non-empty, objects always (PHP's `!empty` / `!is_null`). */
const given = (kind: FieldKind, v: unknown) => v !== undefined && v !== null && (kind === "bool" || kind === "port" || kind === "json" || v !== "");
const present = (v: unknown) => v !== undefined && v !== null && v !== "";

function shapeFor(spec: ProviderSpec, create: boolean) {
  const shape = inputObject() as Record<string, z.ZodMiniType<unknown>>;
  if (create) shape.providerId = p.customId();
  shape.name = create ? p.string({ max: 128 }) : p.optional(p.string({ max: 128 }));
  for (const f of spec.fields) shape[f.name] = p.optional(validator(f.kind) as z.ZodMiniType<unknown>);
  shape.enabled = p.optional(p.boolean());
  return shape;
}

function canEnable(spec: ProviderSpec, all: Record<string, unknown>): boolean {
  return spec.required.every((k) => present(all[k]));
}

function providerEvent(c: Ctx, row: Provider, action: string) {
  return recordEvent(c.var.db, { projectId: row.projectId, pattern: `providers.[providerId].${action}`, params: { providerId: row.id }, payload: providerModel(row), roles: [] });
}

export async function findProvider(c: Ctx, id: string): Promise<Provider> {
  const [row] = await c.var.db.select().from(providers).where(and(eq(providers.projectId, c.var.project.id), eq(providers.id, id))).limit(1);
  if (!row) throw new AppwriteError("provider_not_found");
  return row;
}

export const providerRoutes = new Hono<AppEnv>();

for (const name of PROVIDER_NAMES) {
  const spec = PROVIDERS[name]!;

  providerRoutes.post(`/${name}`, async (c) => {
    requireScope(c, "providers.write");
    const a = (await params(c, shapeFor(spec, true))) as Record<string, unknown>;
    const id = resolveId("providerId", a.providerId as string);
    const credentials: Record<string, unknown> = inputObject();
    const secrets: Record<string, unknown> = inputObject();
    const options: Record<string, unknown> = inputObject();
    Object.assign(credentials, spec.alwaysCredentials ?? {});
    Object.assign(options, spec.alwaysOptions ?? {});
    for (const f of spec.fields) {
      let v = a[f.name];
      if (f.kind === "encryption" && v === "none") v = "";
      if (!given(f.kind, v) && !(f.to === "option" && v === "")) continue;
      (f.to === "public" ? credentials : f.to === "secret" ? secrets : options)[f.name] = v;
    }
    // Appwrite saves a provider asked to be enabled without what it needs as disabled (create only; update refuses).
    const enabled = a.enabled === true && canEnable(spec, { ...credentials, ...secrets, ...options });
    const now = Date.now();
    const row: Provider = {
      seq: 0, projectId: c.var.project.id, id, name: a.name as string, provider: spec.provider, type: spec.type, enabled,
      credentials: structuredClone(credentials), secrets: Object.keys(secrets).length ? await seal(c.env, PROVIDER_SECRETS, JSON.stringify(secrets)) : "",
      options: structuredClone(options), createdAt: now, updatedAt: now,
    };
    const { seq: _s, ...values } = row;
    const db = c.var.db;
    try {
      await db.batch([db.insert(providers).values(values), providerEvent(c, row, "create")]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppwriteError("provider_already_exists");
      throw e;
    }
    scheduleDispatch(c.env, c.executionCtx, row.projectId);
    return json(c, providerModel(row), 201);
  });

  providerRoutes.patch(`/${name}/:providerId`, async (c) => {
    requireScope(c, "providers.write");
    const a = (await params(c, shapeFor(spec, false))) as Record<string, unknown>;
    const old = await findProvider(c, c.req.param("providerId")!);
    if (old.provider !== spec.provider) throw new AppwriteError("provider_incorrect_type");
    const credentials: Record<string, unknown> = Object.assign(inputObject(), old.credentials);
    const secrets: Record<string, unknown> = Object.assign(inputObject(), await providerSecrets(c.env, old));
    const options: Record<string, unknown> = Object.assign(inputObject(), old.options);
    let secretsChanged = false;
    for (const f of spec.fields) {
      let v = a[f.name];
      if (f.kind === "encryption" && v === "none") v = "";
      if (!given(f.kind, v) && !(f.kind === "encryption" && v === "")) continue;
      if (f.to === "secret") secretsChanged = true;
      (f.to === "public" ? credentials : f.to === "secret" ? secrets : options)[f.name] = v;
    }
    let enabled = old.enabled;
    if (a.enabled === true) {
      if (!canEnable(spec, { ...credentials, ...secrets, ...options })) throw new AppwriteError("provider_missing_credentials");
      enabled = true;
    } else if (a.enabled === false) enabled = false;
    const row: Provider = {
      ...old,
      name: (a.name as string | undefined) || old.name,
      enabled,
      credentials: structuredClone(credentials),
      secrets: secretsChanged ? await seal(c.env, PROVIDER_SECRETS, JSON.stringify(secrets)) : old.secrets,
      options: structuredClone(options),
      updatedAt: Date.now(),
    };
    const db = c.var.db;
    await db.batch([
      db.update(providers).set({ name: row.name, enabled: row.enabled, credentials: row.credentials, secrets: row.secrets, options: row.options, updatedAt: row.updatedAt }).where(and(eq(providers.projectId, old.projectId), eq(providers.id, old.id))),
      providerEvent(c, row, "update"),
    ]);
    scheduleDispatch(c.env, c.executionCtx, row.projectId);
    return json(c, providerModel(row));
  });
}

const FIELDS = lookup<Field>({
  ...systemFields(),
  name: { sql: "name", type: "string" },
  provider: { sql: "provider", type: "string" },
  type: { sql: "type", type: "string" },
  enabled: { sql: "enabled", type: "boolean" },
});

export function providerFromRaw(r: Record<string, unknown>): Provider {
  return {
    seq: Number(r.seq), projectId: String(r.project_id), id: String(r.id), name: String(r.name), provider: String(r.provider), type: String(r.type),
    enabled: Number(r.enabled) === 1, credentials: JSON.parse(String(r.credentials)), secrets: String(r.secrets), options: JSON.parse(String(r.options)),
    createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  };
}

providerRoutes.get("/", async (c) => {
  requireScope(c, "providers.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const projectId = c.var.project.id;
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    { from: "messaging_providers", columns: "*", base: (b) => `project_id = ${b.bind(projectId)} AND ${searchClause(b, ["id", "name", "provider", "type"], a.search)}`, resolve: (x) => FIELDS[x], sequence: "seq", id: "id" },
    prepareQueries(a.queries),
    a.total,
  );
  return json(c, list("providers", result.rows.map((r) => providerModel(providerFromRaw(r))), result.total));
});

providerRoutes.get("/:providerId/logs", async (c) => {
  requireScope(c, "providers.read");
  await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  await findProvider(c, c.req.param("providerId")!);
  // Audit logs are not recorded for Messaging (docs/STATUS.md): the provider exists, its log is empty.
  return json(c, list("logs", [], 0));
});

providerRoutes.get("/:providerId", async (c) => {
  requireScope(c, "providers.read");
  return json(c, providerModel(await findProvider(c, c.req.param("providerId")!)));
});

providerRoutes.delete("/:providerId", async (c) => {
  requireScope(c, "providers.write");
  const row = await findProvider(c, c.req.param("providerId")!);
  const db = c.var.db;
  await db.batch([db.delete(providers).where(and(eq(providers.projectId, row.projectId), eq(providers.id, row.id))), providerEvent(c, row, "delete")]);
  scheduleDispatch(c.env, c.executionCtx, row.projectId);
  return noContent(c);
});
