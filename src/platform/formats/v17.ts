import type { RawParams } from "../../core/params";
import { drop, rename, type Format } from "./format";
import { convertOldQuery } from "./old-queries";

/** 1.4's string queries → JSON queries. */
function convertQueries(p: RawParams): void {
  if (p.queries === undefined || p.queries === null) return;
  p.queries = (Array.isArray(p.queries) ? p.queries : [p.queries]).map((q) => convertOldQuery(q as string));
}

const LISTS = [
  "account.listIdentities", "account.listLogs", "databases.list", "databases.listCollections", "databases.listAttributes",
  "databases.listIndexes", "databases.listDocuments", "databases.getDocument", "functions.list", "functions.listDeployments",
  "functions.listExecutions", "projects.list", "proxy.listRules", "storage.listBuckets", "storage.listFiles", "teams.list",
  "teams.listMemberships", "users.list", "users.listLogs", "users.listIdentities",
];

/** 1.4 clients (format < 1.5.0). */
export const V17: Format = {
  before: "1.5.0",
  request: {
    ...Object.fromEntries(LISTS.map((m) => [m, convertQueries])),
    "account.updateRecovery": (p) => drop(p, "passwordAgain"),
  },
  response: {
    project: (m) => {
      m.providers = m.oAuthProviders;
      delete m.oAuthProviders;
    },
    user: (m) => drop(m, "targets", "mfa"),
    membership: (m) => drop(m, "mfa"),
    session: (m) => drop(m, "factors", "secret"),
    webhook: (m) => drop(m, "enabled", "logs", "attempts"),
    token: (m) => drop(m, "phrase"),
  },
};
