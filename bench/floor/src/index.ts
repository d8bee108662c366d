import type { FloorEnv, FloorRoutes } from "./routes";
import { routes as storage } from "./storage";
import { routes as auth } from "./auth";
import { routes as tablesdb } from "./tablesdb";
import { routes as realtime } from "./realtime";
import { routes as sites } from "./sites";

export { FloorRealtime } from "./realtime";

/** The floor's own ping: the cheapest response the runtime can give (compare with GET /v1/ping). */
const base: FloorRoutes = {
  "GET /ping": () => new Response("Pong!", { headers: { "content-type": "text/plain" } }),
};

// Each service's raw-work routes (bench/floor/src/<service>.ts, `export const routes`) are merged here.
const modules: FloorRoutes[] = [base, storage, auth, tablesdb, realtime, sites];

const table: FloorRoutes = Object.assign({}, ...modules);

export default {
  async fetch(req: Request, env: FloorEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(req.url);
    const handler = table[`${req.method} ${url.pathname}`];
    return handler ? handler(req, env, ctx) : new Response("not found", { status: 404 });
  },
};
