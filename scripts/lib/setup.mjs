// First-run setup shared by `npm run dev` and `npm test`: install what is missing, offline-safe.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./server.mjs";

export function ensureInstalled() {
  const marker = path.join(ROOT, "node_modules/.bin/wrangler");
  if (existsSync(marker)) return;
  console.log("Installing dependencies (first run)…");
  const lock = existsSync(path.join(ROOT, "package-lock.json"));
  execSync(lock ? "npm ci --no-audit --no-fund" : "npm install --no-audit --no-fund", { cwd: ROOT, stdio: "inherit" });
}
