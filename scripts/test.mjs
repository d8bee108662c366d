// `npm test`: the whole suite (unit tests inside workerd, e2e tests against a real server), then the
// plain `N passed, N failed` line CI reads.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ensureChromium, ensureInstalled } from "./lib/setup.mjs";
import { OFFLINE_ENV, ROOT } from "./lib/server.mjs";

ensureInstalled();
ensureChromium();
const out = path.join(ROOT, ".vitest-result.json");
rmSync(out, { force: true });
const args = ["run", "--reporter=default", "--reporter=json", `--outputFile=${out}`, ...process.argv.slice(2)];
const r = spawnSync(path.join(ROOT, "node_modules/.bin/vitest"), args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...OFFLINE_ENV } });
let passed = 0;
let failed = 0;
try {
  const result = JSON.parse(readFileSync(out, "utf8"));
  passed = result.numPassedTests;
  failed = result.numFailedTests + (result.numRuntimeErrorTestSuites ?? 0);
  // A suite that failed to load has no tests counted: report it as a failure, never as a pass.
  failed += result.testResults.filter((t) => t.status === "failed" && t.assertionResults.length === 0).length;
} catch {
  failed = Math.max(failed, 1);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(r.status === 0 && failed === 0 ? 0 : 1);
