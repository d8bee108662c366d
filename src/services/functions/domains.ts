import { and, eq } from "drizzle-orm";
import { AppwriteError, errorBody } from "../../core/errors";
import { uniqueId } from "../../core/ids";
import { allDataDatabases, projectPlacement } from "../../db/shards";
import { MOVING_MESSAGE } from "../../platform/moving";
import { open, type DB } from "../../db/client";
import { rules, type Rule } from "../../db/schema";
import { recordEvent } from "../../events/outbox";
import { loadForExecution } from "./execute";
import { serveHttp } from "./http";
import { ruleModel } from "./models";
import type { Exports } from "./runtime";
import { requestIp } from "../../platform/client";

/**
 * Function domains, as Appwrite's: a function created while FUNCTIONS_DOMAIN is set gets the rule
 * `<unique id>.<FUNCTIONS_DOMAIN>` (lowercase), and a request whose Host is that name runs the function's
 * active deployment on the function's own origin. The Worker routes by Host before the /v1 app
 * (src/index.ts), so nothing of the API is served on a functions host.
 */
export function functionsDomain(env: Env): string {
  return String(env.FUNCTIONS_DOMAIN ?? "")
    .trim()
    .toLowerCase()
    .replace(/^\.+|\.+$/g, "");
}

/** The rule row (and its create event) for a new function, or nothing when function domains are off. */
export function newFunctionRule(env: Env, db: DB, projectId: string, functionId: string, now: number) {
  const base = functionsDomain(env);
  if (!base) return [];
  const rule: Rule = {
    seq: 0,
    projectId,
    id: uniqueId(),
    domain: `${uniqueId()}.${base}`,
    type: "deployment",
    trigger: "manual",
    deploymentResourceType: "function",
    deploymentResourceId: functionId,
    status: "verified",
    branch: "",
    logs: "",
    createdAt: now,
    updatedAt: now,
  };
  const { seq: _seq, ...values } = rule;
  void _seq;
  return [
    db.insert(rules).values(values),
    recordEvent(db, { projectId, pattern: "rules.[ruleId].create", params: { ruleId: rule.id }, payload: ruleModel(rule, ""), roles: [] }),
  ];
}

/** Delete a function's rules (functionId omitted: every rule of the project). */
export function deleteRules(db: DB, projectId: string, functionId?: string) {
  forgetRules(projectId);
  return db
    .delete(rules)
    .where(functionId === undefined ? eq(rules.projectId, projectId) : and(eq(rules.projectId, projectId), eq(rules.deploymentResourceType, "function"), eq(rules.deploymentResourceId, functionId)));
}

// Rules by hostname, per isolate for RULE_TTL_MS (like projects): a domain request costs no extra D1 read.
const RULE_TTL_MS = 5_000;
const cache = new Map<string, { rule: Rule; at: number }>();

/**
 * Rules are their project's data (written with the function and its event), so a host is looked up on every data
 * database at once; a domain is held by one project only (proxy-routes.ts checks the others before taking one).
 */
export async function ruleByDomain(env: Env, domain: string): Promise<Rule | null> {
  const found = await Promise.all(allDataDatabases(env).map(async ({ d1 }) => (await open(d1).select().from(rules).where(eq(rules.domain, domain)).limit(1))[0]));
  return found.find(Boolean) ?? null;
}

export async function findRule(env: Env, domain: string): Promise<Rule | null> {
  const hit = cache.get(domain);
  if (hit && Date.now() - hit.at < RULE_TTL_MS) return hit.rule;
  cache.delete(domain);
  const rule = await ruleByDomain(env, domain);
  if (!rule) return null;
  cache.set(domain, { rule, at: Date.now() });
  if (cache.size > 1000) cache.delete(cache.keys().next().value!);
  return rule;
}

export function forgetRules(projectId: string): void {
  for (const [domain, { rule }] of cache) if (rule.projectId === projectId) cache.delete(domain);
}

function errorResponse(err: unknown): Response {
  if (!(err instanceof AppwriteError)) console.error("function domain request failed", err);
  const body = errorBody(err instanceof AppwriteError ? err : new AppwriteError("general_unknown"));
  return new Response(JSON.stringify(body), { status: body.code, headers: { "content-type": "application/json", "cache-control": "no-store" } });
}

/**
 * The Worker's first stop (src/index.ts): a request for a functions host is answered here, a request
 * for any other host gets null (and goes to the /v1 app).
 */
export async function serveFunctionDomain(request: Request, env: Env, ctx: ExecutionContext): Promise<Response | null> {
  const base = functionsDomain(env);
  if (!base) return null;
  const url = new URL(request.url);
  const host = url.hostname.toLowerCase().replace(/\.$/, ""); // `name.` is the same host
  if (host !== base && !host.endsWith(`.${base}`)) return null;
  try {
    if (host === base) throw new AppwriteError("general_access_forbidden", "This domain cannot be used for security reasons. Please use any subdomain instead.");
    const rule = await findRule(env, host);
    if (!rule) throw new AppwriteError("rule_not_found", "This domain is not connected to any Appwrite resources. Visit domains tab under function/site settings to configure it.");
    // The function, its deployment and the execution record are the project's data; an execution is a write.
    const placement = await projectPlacement(env, rule.projectId);
    if (placement.moving) throw new AppwriteError("general_service_disabled", MOVING_MESSAGE);
    const db = open(placement.d1);
    const loaded = await loadForExecution(env, db, rule.projectId, rule.deploymentResourceId);
    const exports = (ctx as unknown as { exports: Exports }).exports;
    return await serveHttp(env, exports, ctx, db, loaded, {
      surface: "domain",
      request,
      path: url.pathname + url.search,
      origin: url.origin,
      clientIp: requestIp(request),
    });
  } catch (e) {
    return errorResponse(e);
  }
}
