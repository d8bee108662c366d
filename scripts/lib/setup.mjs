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

/**
 * The browser tests drive Debian's Chromium (never a downloaded browser). Install it when missing and we can
 * (root with apt-get); otherwise say how, and let the browser test report the missing binary.
 */
export function ensureChromium() {
  const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (existsSync(path)) return;
  const canApt = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (!canApt) {
    console.warn(`Chromium not found at ${path}: install Debian's \`chromium\` (or set CHROMIUM_PATH) for the browser tests.`);
    return;
  }
  console.log("Installing Debian's chromium for the browser tests (first run)…");
  try {
    execSync("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null", { stdio: "inherit" });
  } catch {
    console.warn("Could not install chromium; the browser tests will fail.");
  }
}
