import { Hono } from "hono";
import { and, desc, eq } from "drizzle-orm";
import { isPrivateUrl } from "../../core/addresses";
import { AppwriteError } from "../../core/errors";
import { randomHex } from "../../core/crypto";
import { resolveId } from "../../core/ids";
import { collectParams, p, validate, type RawParams } from "../../core/params";
import { groupQueries, parseQueries } from "../../core/query/parse";
import { json, list, noContent } from "../../core/response";
import { isUniqueViolation } from "../../db/client";
import { projects } from "../../db/schema";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { compileQueries, matchesQueries } from "../realtime/queries";
import { attemptModel, webhookModel } from "./models";
import { webhookAttempts, webhookDeliveries, webhooks, type Webhook } from "./schema";
import { seal, unseal } from "./secrets";
import "./delivery";
import { projectData, requireProjectAccess } from "../../platform/console-access";
import { onProjectDelete } from "../../platform/projects";

/**
 * Webhooks CRUD, served twice with the same handlers:
 *   /v1/webhooks                          project API key (webhooks.read / webhooks.write) — node-appwrite 27 `Webhooks`
 *   /v1/projects/{projectId}/webhooks     console alias, by role in the project's organization (console-access.ts)
 * Plus Edgewrite's attempt log: GET …/webhooks/{webhookId}/attempts.
 */
type ProjectOf = (c: Ctx, write: boolean) => Promise<string>;

/** Older console parameter names → node-appwrite 27 names. */
const ALIASES: [string, string][] = [["security", "tls"], ["httpUser", "authUsername"], ["httpPass", "authPassword"]];

async function input(c: Ctx): Promise<RawParams> {
  const raw = { ...(await collectParams(c)) };
  for (const [old, now] of ALIASES) if (raw[now] === undefined && raw[old] !== undefined) raw[now] = raw[old];
  return raw;
}

const EVENT = /^[A-Za-z0-9_*-]+(\.[A-Za-z0-9_*.-]+)*$/;
const events = () =>
  p.array(p.string({ min: 1, max: 256 }), { max: 100, itemDescription: "Value must be a valid event" });
function checkEvents(list: string[]): void {
  for (const e of list) if (!EVENT.test(e)) throw new AppwriteError("general_argument_invalid", `Invalid \`events\` param: Value must be a valid array no longer than 100 items and Event is not valid.`);
}
/** Values sent in delivery headers (name, HTTP user and password) take no control characters: CR/LF would split a header. */
const CONTROL = /[\x00-\x1f\x7f]/;
const headerText = (max: number) =>
  p.string({ max }).check((ctx) => {
    if (CONTROL.test(ctx.value)) ctx.issues.push({ code: "custom", message: `Value must be a valid string and at least 0 chars and no longer than ${max} chars`, input: ctx.value });
  });

const url = () => p.url();
/** Appwrite's url rule is Multiple([URL(http, https), PublicDomain]); its description is the message. */
const URL_RULE = "Invalid `url` param: 1. Value must be a valid URL with following schemes (http, https) \n2. Value must be a public domain \n";
/**
 * Edgewrite's public-domain rule: no literal private or link-local address in any notation (core/addresses);
 * loopback stays allowed for local receivers. DNS names cannot be resolved from a Worker before the fetch,
 * so a name that points at a private address is not caught (delivery re-checks literal addresses).
 */
function checkUrl(u: string): void {
  if (!/^https?:\/\//i.test(u) || CONTROL.test(u) || isPrivateUrl(u)) throw new AppwriteError("general_argument_invalid", URL_RULE);
}

async function load(c: Ctx, projectId: string): Promise<Webhook> {
  const [row] = await c.var.db.select().from(webhooks).where(and(eq(webhooks.projectId, projectId), eq(webhooks.id, c.req.param("webhookId")!))).limit(1);
  if (!row) throw new AppwriteError("webhook_not_found");
  return row;
}

function build(projectOf: ProjectOf): Hono<AppEnv> {
  const r = new Hono<AppEnv>();

  r.post("/", async (c) => {
    const projectId = await projectOf(c, true);
    const a = validate(await input(c), {
      webhookId: p.customId(),
      url: url(),
      name: headerText(128),
      events: events(),
      enabled: p.default(p.boolean(), true),
      tls: p.default(p.boolean(), false),
      authUsername: p.default(headerText(256), ""),
      authPassword: p.default(headerText(256), ""),
      secret: p.optional(p.string({ min: 8, max: 256 })),
    });
    checkUrl(a.url);
    checkEvents(a.events);
    const id = resolveId("webhookId", a.webhookId);
    const secret = a.secret ?? randomHex(64);
    const now = Date.now();
    try {
      const [row] = await c.var.db
        .insert(webhooks)
        .values({
          projectId, id, name: a.name, url: a.url, events: a.events, tls: a.tls, authUsername: a.authUsername,
          authPasswordEnc: await seal(c.env, a.authPassword), secretEnc: await seal(c.env, secret), enabled: a.enabled,
          attempts: 0, logs: "", createdAt: now, updatedAt: now,
        })
        .returning();
      return json(c, webhookModel(row!, a.authPassword, secret), 201);
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppwriteError("webhook_already_exists");
      throw e;
    }
  });

  r.get("/", async (c) => {
    const projectId = await projectOf(c, false);
    const a = validate(await collectParams(c), { queries: p.default(p.strings(), []), total: p.default(p.boolean(), true) });
    const g = groupQueries(parseQueries(a.queries), 5000);
    const filters = compileFilters(g.filters.map((q) => JSON.stringify(q)));
    const rows = await c.var.db.select().from(webhooks).where(eq(webhooks.projectId, projectId)).orderBy(desc(webhooks.seq));
    const models = await Promise.all(rows.map(async (w) => webhookModel(w, await unseal(c.env, w.authPasswordEnc).catch(() => ""))));
    const hits = models.filter((m) => matchesQueries(filters, m as unknown as Record<string, unknown>));
    return json(c, list("webhooks", hits.slice(g.offset, g.offset + g.limit), a.total ? hits.length : 0));
  });

  r.get("/:webhookId", async (c) => {
    const w = await load(c, await projectOf(c, false));
    return json(c, webhookModel(w, await unseal(c.env, w.authPasswordEnc).catch(() => "")));
  });

  r.put("/:webhookId", async (c) => {
    const projectId = await projectOf(c, true);
    const w = await load(c, projectId);
    const a = validate(await input(c), {
      name: headerText(128),
      url: url(),
      events: events(),
      enabled: p.default(p.boolean(), true),
      tls: p.default(p.boolean(), false),
      authUsername: p.default(headerText(256), ""),
      authPassword: p.default(headerText(256), ""),
    });
    checkUrl(a.url);
    checkEvents(a.events);
    const [row] = await c.var.db
      .update(webhooks)
      .set({
        name: a.name, url: a.url, events: a.events, enabled: a.enabled, tls: a.tls, authUsername: a.authUsername,
        authPasswordEnc: await seal(c.env, a.authPassword), updatedAt: Date.now(), ...(a.enabled ? { attempts: 0 } : {}),
      })
      .where(and(eq(webhooks.projectId, projectId), eq(webhooks.seq, w.seq)))
      .returning();
    return json(c, webhookModel(row!, a.authPassword));
  });

  const rotate = async (c: Ctx) => {
    const projectId = await projectOf(c, true);
    const w = await load(c, projectId);
    const a = validate(await collectParams(c), { secret: p.optional(p.string({ min: 8, max: 256 })) });
    const secret = a.secret ?? randomHex(64);
    const [row] = await c.var.db.update(webhooks).set({ secretEnc: await seal(c.env, secret), updatedAt: Date.now() }).where(eq(webhooks.seq, w.seq)).returning();
    return json(c, webhookModel(row!, await unseal(c.env, row!.authPasswordEnc).catch(() => ""), secret));
  };
  r.patch("/:webhookId/secret", rotate);
  r.patch("/:webhookId/signature", rotate); // the older console route name

  r.delete("/:webhookId", async (c) => {
    const projectId = await projectOf(c, true);
    const w = await load(c, projectId);
    await c.var.db.batch([
      c.var.db.delete(webhooks).where(eq(webhooks.seq, w.seq)),
      c.var.db.delete(webhookAttempts).where(and(eq(webhookAttempts.projectId, projectId), eq(webhookAttempts.webhookId, w.id))),
      c.var.db.delete(webhookDeliveries).where(and(eq(webhookDeliveries.projectId, projectId), eq(webhookDeliveries.webhookId, w.id))),
    ]);
    return noContent(c);
  });

  /** Edgewrite extension: the delivery attempt log, newest first. */
  r.get("/:webhookId/attempts", async (c) => {
    const projectId = await projectOf(c, false);
    const w = await load(c, projectId);
    const a = validate(await collectParams(c), { queries: p.default(p.strings(), []) });
    const g = groupQueries(parseQueries(a.queries), 25);
    const rows = await c.var.db
      .select()
      .from(webhookAttempts)
      .where(and(eq(webhookAttempts.projectId, projectId), eq(webhookAttempts.webhookId, w.id)))
      .orderBy(desc(webhookAttempts.seq))
      .limit(Math.min(g.limit, 5000))
      .offset(g.offset);
    return json(c, list("attempts", rows.map(attemptModel), rows.length));
  });

  return r;
}

function compileFilters(strings: string[]) {
  try {
    return compileQueries(strings).parsed;
  } catch (e) {
    throw new AppwriteError("general_query_invalid", `Invalid query: ${(e as Error).message}`);
  }
}

/** /v1/webhooks — a project's API key with webhooks.* scopes (or the admin acting on a project). */
export const webhookRoutes = build(async (c, write) => {
  requireScope(c, write ? "webhooks.write" : "webhooks.read");
  if (c.var.project.id === "console") throw new AppwriteError("project_not_found", "Project with the requested ID 'console' could not be found.");
  return c.var.project.id;
});

/** /v1/projects/{projectId}/webhooks — the console alias, by role in the project's organization (console-access.ts). */
export const consoleWebhookRoutes = build(async (c, write) => {
  const project = await requireProjectAccess(c, c.req.param("projectId")!, write ? "webhooks.write" : "webhooks.read");
  // The routes below use `c.var.db`: here the console's request, so point it at the addressed project's data.
  c.set("db", await projectData(c, project.id, write));
  return project.id;
});

/**
 * A deleted project's webhooks go with it: project ids are reusable, and a webhook left behind would deliver the
 * events of the next project with that id (whoever's it is) to the old owner's URL, with the old signature key.
 */
onProjectDelete(async (_env, db, projectId) => {
  await db.batch([
    db.delete(webhookAttempts).where(eq(webhookAttempts.projectId, projectId)),
    db.delete(webhookDeliveries).where(eq(webhookDeliveries.projectId, projectId)),
    db.delete(webhooks).where(eq(webhooks.projectId, projectId)),
  ]);
});
