import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startNpmRegistry } from "./fakes/npm-registry";
// @ts-expect-error plain ESM helper shared with the dev and bench scripts
import { applyMigrations, startServer } from "../../scripts/lib/server.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    endpoint: string;
    adminKey: string;
    /** The server's root secret (JWT_SECRET), so tests can prove nothing is signed with it directly. */
    jwtSecret: string;
    /** Loopback port test/e2e/messaging.test.ts serves its provider fakes on (every MESSAGING_<PROVIDER>_URL points there). */
    messagingFakePort: number;
    /** The fake npm registry (test/e2e/fakes/npm-registry.ts) function builds install from (NPM_REGISTRY). */
    npmRegistry: string;
  }
}

/** One real server for the whole e2e run; every test file creates its own project, so data never mixes. */
export default async function setup(project: TestProject) {
  const persistDir = mkdtempSync(path.join(tmpdir(), "edgewrite-e2e-"));
  const adminKey = `e2e-admin-${Math.random().toString(16).slice(2)}`;
  await applyMigrations({ persistDir });
  const jwtSecret = "e2e-jwt-secret";
  const messagingFakePort = await freePort();
  const registry = await startNpmRegistry();
  const fakeUrl = (name: string) => `http://127.0.0.1:${messagingFakePort}/${name.toLowerCase()}`;
  const messaging = Object.fromEntries(["MAILGUN", "SENDGRID", "RESEND", "SES", "TWILIO", "VONAGE", "TEXTMAGIC", "TELESIGN", "MSG91", "FCM", "APNS"].map((n) => [`MESSAGING_${n}_URL`, fakeUrl(n)]));
  // Avatars may fetch loopback here only: the fakes in avatars.test.ts listen there (off by default).
  // Abuse limits stay on for the 429 tests even when a developer's .dev.vars turns them off.
  const server = await startServer({ persistDir, vars: { ADMIN_KEY: adminKey, JWT_SECRET: jwtSecret, EDGEWRITE_TEST_HOOKS: "1", _APP_OPTIONS_ABUSE: "enabled", USAGE_FLUSH_MS: "200", ...messaging, MESSAGING_RETRY_DELAY_MS: "50", AVATARS_ALLOW_LOOPBACK: "enabled", SHARDS_MOVE_SETTLE_MS: "1500", REALTIME_CONSOLE_RECHECK_MS: "500", NPM_REGISTRY: registry.url } });
  project.provide("endpoint", `${server.url}/v1`);
  project.provide("adminKey", adminKey);
  project.provide("jwtSecret", jwtSecret);
  project.provide("messagingFakePort", messagingFakePort);
  project.provide("npmRegistry", registry.url);
  return async () => {
    server.stop();
    registry.server.close();
    await new Promise((r) => setTimeout(r, 300));
    rmSync(persistDir, { recursive: true, force: true });
  };
}

/** A loopback port nobody listens on now (the messaging fakes take it when their test file starts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
