import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Every database gets every migration: the control database and each data database (src/db/shards.ts).
for (const name of ["DB", "DB_1", "DB_2"] as const) await applyD1Migrations(env[name], env.TEST_MIGRATIONS);
