import type { FloorEnv, FloorRoutes } from "./routes";

/**
 * Raw work behind sign-up and email/password login, without Edgewrite's params, policy, events or
 * cookies: the same password hash (PBKDF2-SHA256, 600k iterations in 100k WebCrypto segments) and the
 * same D1 writes (one user insert; one user read + one session insert).
 */
let ready: Promise<unknown> | null = null;
const init = (env: FloorEnv) =>
  (ready ??= env.DB.batch([
    env.DB.prepare("CREATE TABLE IF NOT EXISTS bench_users (id TEXT PRIMARY KEY, email TEXT UNIQUE, password TEXT, created_at INTEGER)"),
    env.DB.prepare("CREATE TABLE IF NOT EXISTS bench_sessions (id TEXT PRIMARY KEY, user_id TEXT, secret_hash TEXT, expire INTEGER)"),
  ]));

async function pbkdf2(password: string, salt: Uint8Array): Promise<string> {
  let material: Uint8Array = new TextEncoder().encode(password);
  for (let i = 0; i < 6; i++) {
    const key = await crypto.subtle.importKey("raw", material, "PBKDF2", false, ["deriveBits"]);
    material = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 100_000 }, key, 256));
  }
  return btoa(String.fromCharCode(...material));
}
const hex = (n: number) => [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join("");

export const routes: FloorRoutes = {
  "POST /auth/signup": async (req: Request, env: FloorEnv) => {
    await init(env);
    const { email, password } = (await req.json()) as { email: string; password: string };
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const hash = `${btoa(String.fromCharCode(...salt))}$${await pbkdf2(password, salt)}`;
    const id = hex(10);
    await env.DB.prepare("INSERT INTO bench_users (id, email, password, created_at) VALUES (?1, ?2, ?3, ?4)").bind(id, email.toLowerCase(), hash, Date.now()).run();
    return Response.json({ $id: id, email }, { status: 201 });
  },
  "POST /auth/login": async (req: Request, env: FloorEnv) => {
    await init(env);
    const { email, password } = (await req.json()) as { email: string; password: string };
    const user = await env.DB.prepare("SELECT id, password FROM bench_users WHERE email = ?1").bind(email.toLowerCase()).first<{ id: string; password: string }>();
    if (!user) return Response.json({ type: "user_invalid_credentials" }, { status: 401 });
    const [salt, stored] = user.password.split("$") as [string, string];
    const ok = (await pbkdf2(password, Uint8Array.from(atob(salt), (c) => c.charCodeAt(0)))) === stored;
    if (!ok) return Response.json({ type: "user_invalid_credentials" }, { status: 401 });
    const id = hex(10);
    await env.DB.prepare("INSERT INTO bench_sessions (id, user_id, secret_hash, expire) VALUES (?1, ?2, ?3, ?4)").bind(id, user.id, hex(32), Date.now() + 31536000_000).run();
    return Response.json({ $id: id, userId: user.id }, { status: 201 });
  },
};
