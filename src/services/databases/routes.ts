import { COLLECTIONS } from "../tablesdb/flavor";
import { buildRouter } from "../tablesdb/routes";

/**
 * The legacy `/v1/databases` API (collections/documents/attributes/documentSecurity), served by the
 * TablesDB implementation over the same storage with the legacy vocabulary (see tablesdb/flavor.ts).
 */
export const databasesRoutes = buildRouter(COLLECTIONS);
