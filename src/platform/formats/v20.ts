import { AppwriteError } from "../../core/errors";
import type { RawParams } from "../../core/params";
import { parseQueries } from "../../core/query/parse";
import { COLLECTIONS } from "../../services/tablesdb/flavor";
import { loadTable } from "../../services/tablesdb/meta";
import { relationshipSelects } from "../../services/tablesdb/relationships";
import type { Ctx } from "../context";
import type { Format } from "./format";

/**
 * Since 1.8 related documents are loaded only when selected; 1.7 clients got them all. Without a select
 * (or with `*`), select `*` plus every reachable relationship, as Appwrite does.
 */
async function selectRelationships(p: RawParams, c: Ctx): Promise<void> {
  const given = p.queries === undefined || p.queries === null ? [] : Array.isArray(p.queries) ? p.queries : [p.queries];
  const queries = given.filter((q) => !(typeof q === "string" && q.trim() === "") && !!q);
  const parsed = parseQueries(queries);
  const selects = parsed.filter((q) => q.method === "select");
  if (selects.length && !selects.some((q) => q.values.includes("*"))) {
    p.queries = queries;
    return;
  }
  let related: string[] = [];
  try {
    const table = await loadTable(c, COLLECTIONS, c.req.param("databaseId")!, c.req.param("collectionId")!);
    related = await relationshipSelects(c, COLLECTIONS, table);
  } catch (e) {
    if (!(e instanceof AppwriteError)) throw e; // the route itself reports a missing database or collection
  }
  const values = [...new Set(["*", ...related])];
  p.queries = [...queries.filter((_, i) => parsed[i]!.method !== "select"), JSON.stringify({ method: "select", values })];
}

/** 1.7 clients (format < 1.8.0). (Appwrite's 1.7 response filter changes nothing.) */
export const V20: Format = {
  before: "1.8.0",
  request: {
    "databases.getDocument": selectRelationships,
    "databases.listDocuments": selectRelationships,
  },
};
