export interface FloorEnv {
  DB: D1Database;
  BUCKET: R2Bucket;
}

/** A floor route: `"METHOD /path": handler`. Each service's bench module adds its own in a sibling file. */
export type FloorRoutes = Record<string, (req: Request, env: FloorEnv) => Promise<Response> | Response>;
