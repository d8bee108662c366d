/** `rest-api`: a small JSON API over one table — list, get, create, update, delete rows. */
export const restApi = {
  "src/main.js": `import { route } from "./router.js";

// A REST API over one table (APPWRITE_DATABASE_ID / APPWRITE_TABLE_ID), through the execution's own key:
//   GET /items · GET /items/:id · POST /items · PATCH /items/:id · DELETE /items/:id
export default async (context) => {
  const { req, res, error } = context;
  const databaseId = process.env.APPWRITE_DATABASE_ID;
  const tableId = process.env.APPWRITE_TABLE_ID;
  if (!databaseId || !tableId) {
    error("Set the variables APPWRITE_DATABASE_ID and APPWRITE_TABLE_ID.");
    return res.json({ message: "The function is not configured." }, 500);
  }
  const base = process.env.APPWRITE_FUNCTION_API_ENDPOINT + "/tablesdb/" + databaseId + "/tables/" + tableId + "/rows";
  const api = async (method, path, body) => {
    const r = await fetch(base + path, {
      method,
      headers: {
        "content-type": "application/json",
        "x-appwrite-project": process.env.APPWRITE_FUNCTION_PROJECT_ID,
        "x-appwrite-key": req.headers["x-appwrite-key"] ?? "",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: r.status === 204 ? null : await r.json() };
  };
  return route(context, api);
};
`,
  "src/router.js": `const strip = ({ $databaseId, $tableId, ...row }) => row;

/** Maps a request to one TablesDB call and answers with its status. */
export async function route({ req, res }, api) {
  const m = /^\\/items(?:\\/([^/]+))?\\/?$/.exec(req.path);
  if (!m) return res.json({ message: "Not found. Try GET /items." }, 404);
  const id = m[1] ? "/" + encodeURIComponent(m[1]) : "";
  let out;
  if (req.method === "GET" && !id) out = await api("GET", "");
  else if (req.method === "GET") out = await api("GET", id);
  else if (req.method === "POST" && !id) out = await api("POST", "", { rowId: "unique()", data: req.bodyJson });
  else if (req.method === "PATCH" && id) out = await api("PATCH", id, { data: req.bodyJson });
  else if (req.method === "DELETE" && id) out = await api("DELETE", id);
  else return res.json({ message: "Method not allowed." }, 405);
  if (out.status === 204) return res.empty();
  if (out.status >= 400) return res.json({ message: out.body.message }, out.status);
  if (out.body.rows) return res.json({ total: out.body.total, items: out.body.rows.map(strip) }, out.status);
  return res.json(strip(out.body), out.status);
}
`,
};
