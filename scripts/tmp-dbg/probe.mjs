import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { applyMigrations, startServer } from "../lib/server.mjs";
const persistDir = mkdtempSync(path.join(tmpdir(), "ev-probe-"));
await applyMigrations({ persistDir });
const s = await startServer({ persistDir, vars: { ADMIN_KEY: "k", JWT_SECRET: "j" } });
const api = `${s.url}/v1`;
const adm = { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": "k" };
try {
  await fetch(`${api}/projects`, { method: "POST", headers: adm, body: JSON.stringify({ projectId: "pp", name: "pp" }) });
  const key = (await (await fetch(`${api}/projects/pp/keys`, { method: "POST", headers: adm, body: JSON.stringify({ name: "k", scopes: ["users.read", "users.write"] }) })).json()).secret;
  const h = { "content-type": "application/json", "x-appwrite-project": "pp", "x-appwrite-key": key };
  const u = await fetch(`${api}/users`, { method: "POST", headers: h, body: JSON.stringify({ userId: "u", email: "u@example.com", password: "bench-password-123" }) });
  console.log("user", u.status);
  for (const conc of [1, 4, 16]) {
    const t0 = performance.now(); let n = 0; const lat = []; const codes = {};
    await Promise.all(Array.from({ length: conc }, async () => { while (performance.now() - t0 < 3000) { const a = performance.now(); const r = await fetch(`${api}/users/u/name`, { method: "PATCH", headers: h, body: JSON.stringify({ name: `x${n}` }) }); const t = await r.text(); codes[r.status] = (codes[r.status] ?? 0) + 1; if (r.status >= 400 && codes[r.status] < 2) console.log(t.slice(0, 200)); lat.push(performance.now() - a); n++; } }));
    lat.sort((a, b) => a - b);
    console.log(`conc ${conc}: ${(n / 3).toFixed(1)} writes/s p50 ${lat[lat.length >> 1].toFixed(0)} ms`, codes);
  }
  for (const conc of [1, 16]) {
    const t0 = performance.now(); let n = 0;
    await Promise.all(Array.from({ length: conc }, async () => { while (performance.now() - t0 < 3000) { await (await fetch(`${api}/users/u`, { headers: h })).text(); n++; } }));
    console.log(`GET conc ${conc}: ${(n / 3).toFixed(1)}/s`);
  }
} finally { await s.stop(); }
