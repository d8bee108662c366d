import { Hono } from "hono";
import type { AppEnv } from "../../platform/context";
import { registerColumns } from "./columns";
import { registerDatabases } from "./databases";
import { TABLES, type Flavor } from "./flavor";
import { registerIndexes } from "./indexes";
import { registerRows } from "./rows-routes";
import { registerTables } from "./tables";
import { registerTransactions } from "./transactions";

/** One router per vocabulary: `/v1/tablesdb` (TablesDB) and `/v1/databases` (legacy, src/services/databases). */
export function buildRouter(fl: Flavor): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  registerTransactions(r, fl);
  registerRows(r, fl);
  registerIndexes(r, fl);
  registerColumns(r, fl);
  registerTables(r, fl);
  registerDatabases(r, fl);
  return r;
}

export const tablesdbRoutes = buildRouter(TABLES);
