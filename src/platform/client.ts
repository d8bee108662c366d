import type { Ctx } from "./context";

/**
 * Who the client is: the ONE place that answers it, for abuse limits, sessions, logs and executions.
 *
 * On Cloudflare the edge sets `CF-Connecting-IP` to the peer address and overwrites whatever the client
 * sent, so that header is the runtime's own view of the client. `X-Forwarded-For` is client-controlled
 * everywhere and is never read. (Under `wrangler dev` the simulator only fills `CF-Connecting-IP` when the
 * client did not send one, so locally it can be spoofed; per-account limits do not depend on it.)
 *
 * A function calling the API through its in-process gateway has no address of its own: FunctionGateway
 * marks the Request out of band (`markGatewayCall`), and that fixed identity wins over any header the
 * function's code set.
 */
const gatewayCalls = new WeakMap<Request, string>();

/** A request the API makes on a client's behalf (GraphQL's REST calls) is that client: the same gateway identity. */
export function carryClientIdentity(from: Request, to: Request): void {
  const fn = gatewayCalls.get(from);
  if (fn) gatewayCalls.set(to, fn);
}

/** Called by FunctionGateway for each request a function sends to the API. */
export function markGatewayCall(request: Request, projectId: string, functionId: string): Request {
  gatewayCalls.set(request, `${projectId}/${functionId}`);
  return request;
}

const IP_LITERAL = /^[0-9A-Fa-f:.]{2,45}$/;
/** In-process gateway calls and requests without an address are attributed to loopback. */
const LOOPBACK = "127.0.0.1";

export const clientIp = (c: Ctx): string => requestIp(c.req.raw);

/** clientIp for a bare Request (function domains are served before the /v1 app has a context). */
export function requestIp(request: Request): string {
  if (gatewayCalls.has(request)) return LOOPBACK;
  const ip = request.headers.get("cf-connecting-ip")?.trim() ?? "";
  return IP_LITERAL.test(ip) ? ip : LOOPBACK;
}

/** The abuse-limit subject (Appwrite's `{ip}` part of an abuse key): `ip:<address>` or `function:<project>/<function>`. */
export function clientKey(c: Ctx): string {
  const fn = gatewayCalls.get(c.req.raw);
  return fn ? `function:${fn}` : `ip:${clientIp(c)}`;
}
