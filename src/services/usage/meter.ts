import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../platform/context";
import { maybeFlush, recordRequest } from "./recorder";

/**
 * Counts every API request of a project once its project is known (after `context`; unknown projects are not
 * counted, so nobody can grow the counters with made-up ids), whatever it answers, as Appwrite's `network.*`
 * metrics. The console project's own traffic is not a project's usage (Appwrite skips it too).
 * Bytes: the request's Content-Length and the response's (bodies of `json()` count their length, since a string
 * response has no Content-Length header yet); headers are not counted.
 */
export const usageMeter: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const project = c.var.project;
  if (!project || project.id === "console") return;
  const outbound = Number(c.res.headers.get("content-length")) || (c.get("responseBytes" as never) as number | undefined) || 0;
  recordRequest(c.env, project.id, Number(c.req.header("content-length")) || 0, outbound);
  maybeFlush(c.env, c.executionCtx);
};
