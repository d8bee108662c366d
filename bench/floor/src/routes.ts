export interface FloorEnv {
  DB: D1Database;
  BUCKET: R2Bucket;
  RT: DurableObjectNamespace<import("./realtime").FloorRealtime>;
}

/** A floor route: `"METHOD /path": handler`. Each service's bench module adds its own in a sibling file. */
export type FloorRoutes = Record<string, (req: Request, env: FloorEnv, ctx: ExecutionContext) => Promise<Response> | Response>;
