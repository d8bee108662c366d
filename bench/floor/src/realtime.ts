import { DurableObject } from "cloudflare:workers";
import type { FloorEnv, FloorRoutes } from "./routes";

/**
 * The realtime floor: what one hop costs on this runtime with nothing of Edgewrite's. A write is one D1
 * insert; after it, the worker hands the frame to every shard object (as many as Edgewrite's default),
 * each of which sends it to all of its hibernating sockets — no channels, roles, queries or dedupe.
 */
export const FLOOR_SHARDS = 4;

export class FloorRealtime extends DurableObject {
  override async fetch(): Promise<Response> {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].send('{"type":"connected"}');
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  async broadcast(frame: string): Promise<number> {
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) ws.send(frame);
    return sockets.length;
  }

  override async webSocketMessage(): Promise<void> {}
  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 || code === 1006 ? 1000 : code);
  }
}

const shard = (env: FloorEnv, i: number) => env.RT.get(env.RT.idFromName(`floor/${i}`));
let ready: Promise<unknown> | null = null;

export const routes: FloorRoutes = {
  "GET /realtime": (req, env) => shard(env, Math.floor(Math.random() * FLOOR_SHARDS)).fetch(req),
  "POST /realtime/write": async (req, env, ctx) => {
    const name = ((await req.json()) as { name: string }).name;
    await (ready ??= env.DB.prepare("CREATE TABLE IF NOT EXISTS bench_rt (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)").run());
    await env.DB.prepare("INSERT INTO bench_rt (name) VALUES (?1)").bind(name).run();
    const frame = JSON.stringify({ type: "event", data: { events: ["floor.write"], channels: ["floor"], payload: { name }, subscriptions: ["s"] } });
    ctx.waitUntil(Promise.all(Array.from({ length: FLOOR_SHARDS }, (_, i) => shard(env, i).broadcast(frame))));
    return Response.json({ name });
  },
};
