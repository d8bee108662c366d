import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
// @ts-expect-error plain ESM helper shared with the dev and bench scripts
import { buildConsole } from "./scripts/lib/console-build.mjs";

/**
 * Two tiers: `unit` runs inside workerd against the Worker (local D1/R2/DO/Queues); `e2e` runs in Node
 * and drives a real `wrangler dev` server with the official Appwrite SDKs (test/e2e/setup.ts starts it).
 */
export default defineConfig(async () => {
  // wrangler.toml's [assets] directory is the console's build (both tiers load it): build it when stale (~1 s).
  await buildConsole();
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              main: "./src/index.ts",
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: { TEST_MIGRATIONS: migrations, ADMIN_KEY: "test-admin-key", JWT_SECRET: "test-jwt-secret" },
                // The RENDER service binding's Worker (render/): unit tests never rasterise, e2e runs the real one.
                workers: [
                  { name: "edgewrite-render", modules: true, script: "export default { fetch: () => new Response('no renderer in unit tests', { status: 503 }) };" },
                  { name: "edgewrite-bundler", modules: true, script: "export default { fetch: () => new Response('no bundler in unit tests', { status: 503 }) };" },
                ],
              },
            }),
          ],
          test: { name: "unit", include: ["test/unit/**/*.test.ts"], setupFiles: ["./test/unit/apply-migrations.ts"] },
        },
        {
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.test.ts", "test/browser/**/*.test.ts"],
            environment: "node",
            globalSetup: ["./test/e2e/global-setup.ts"],
            testTimeout: 60_000,
            hookTimeout: 120_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
