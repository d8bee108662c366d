// Auth rows: account creation and email/password login beside floor routes doing the same raw work
// (the PBKDF2-SHA256 600k password hash + the D1 writes), plus the cost of one password hash.
const PASSWORD = "bench-password-123";

export default async function (ctx) {
  const { projectId, key } = ctx.project;
  const json = { "content-type": "application/json" };
  const api = { ...json, "x-appwrite-project": projectId, "x-appwrite-key": key }; // API key: abuse limits off (as in Appwrite)
  let n = 0;
  const unique = () => `bench${Date.now().toString(36)}${(n++).toString(36)}@example.com`;
  const withEmail = (extra = {}) => [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ email: unique(), password: PASSWORD, ...extra }) }) }];

  // One password hash (the floor of both routes' CPU cost), measured with the same WebCrypto segments.
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const t0 = performance.now();
  const runs = 5;
  for (let r = 0; r < runs; r++) {
    let m = new TextEncoder().encode(PASSWORD);
    for (let i = 0; i < 6; i++) {
      const k = await crypto.subtle.importKey("raw", m, "PBKDF2", false, ["deriveBits"]);
      m = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 100_000 }, k, 256));
    }
  }
  const ms = (performance.now() - t0) / runs;
  ctx.row("password hash PBKDF2-SHA256 600k (Node WebCrypto)", { ms: Number(ms.toFixed(1)) });

  await ctx.load(
    "POST /v1/account (sign-up)",
    { path: "/account", method: "POST", headers: api, requests: withEmail({ userId: "unique()" }) },
    { path: "/auth/signup", method: "POST", headers: json, requests: withEmail() },
  );

  // A user to sign in as, on both sides.
  const email = unique();
  await fetch(`${ctx.api}/users`, { method: "POST", headers: api, body: JSON.stringify({ userId: "unique()", email, password: PASSWORD }) });
  await fetch(`${ctx.floor}/auth/signup`, { method: "POST", headers: json, body: JSON.stringify({ email, password: PASSWORD }) });
  const body = JSON.stringify({ email, password: PASSWORD });
  await ctx.load(
    "POST /v1/account/sessions/email (login)",
    { path: "/account/sessions/email", method: "POST", headers: api, body },
    { path: "/auth/login", method: "POST", headers: json, body },
  );
}
