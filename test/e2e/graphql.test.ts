/**
 * GraphQL (`/v1/graphql`, `/v1/graphql/mutation`) through the official SDKs' Graphql services
 * (node-appwrite@27.1.0, appwrite@27.0.0 web): every root field runs its REST route as the caller, so
 * answers, errors and who sees what are REST's.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Client as WebClient, Graphql as WebGraphql } from "appwrite";
import { AppwriteException, Client, Graphql, ID, Permission, Project, ProjectProtocolId, Role, Storage, TablesDB, Users } from "node-appwrite";
import { consoleCall, createProject, endpoint, raw, type TestProject } from "./harness";

let project: TestProject;
let rest: TablesDB;
let alice: { id: string; secret: string };
const D = "gdb";

/** A node client with only these scopes. */
async function keyWith(scopes: string[]): Promise<Client> {
  const key = await consoleCall("POST", `/projects/${project.projectId}/keys`, { name: "some", scopes });
  return new Client().setEndpoint(endpoint).setProject(project.projectId).setKey(key.json.secret);
}
const web = (session?: string) => {
  const c = new WebClient().setEndpoint(endpoint).setProject(project.projectId);
  if (session) c.setSession(session);
  return new WebGraphql(c);
};
type Result = { data?: any; errors?: { message: string; extensions?: { code: number; type: string }; path?: string[] }[] };
const restError = (p: Promise<unknown>) => p.then(() => null, (e: AppwriteException) => ({ message: e.message, code: e.code, type: e.type }));

const LIST_ROWS = `query listRows($databaseId: String!, $tableId: String!, $queries: [String!] = []) {
  tablesDBListRows(databaseId: $databaseId, tableId: $tableId, queries: $queries) { total rows { _id _tableId _permissions data } }
}`;
const CREATE_ROW = `mutation createRow($databaseId: String!, $tableId: String!, $rowId: String!, $data: Json!, $permissions: [String!]) {
  tablesDBCreateRow(databaseId: $databaseId, tableId: $tableId, rowId: $rowId, data: $data, permissions: $permissions) { _id _tableId _permissions data }
}`;

beforeAll(async () => {
  project = await createProject("graphql");
  rest = new TablesDB(project.server());
  const users = new Users(project.server());
  const u = await users.create({ userId: ID.unique(), email: `alice-${Date.now()}@example.com`, password: "password-123456", name: "Alice" });
  alice = { id: u.$id, secret: (await users.createSession({ userId: u.$id })).secret };
  await rest.create({ databaseId: D, name: "GraphQL" });
  await rest.createTable({
    databaseId: D, tableId: "notes", name: "Notes", rowSecurity: true, permissions: [Permission.create(Role.users())],
    columns: [{ key: "title", type: "varchar", size: 100, required: true }, { key: "n", type: "integer", required: false }],
  });
  await rest.createRow({ databaseId: D, tableId: "notes", rowId: "public", data: { title: "for everyone", n: 1 }, permissions: [Permission.read(Role.any())] });
  await rest.createRow({ databaseId: D, tableId: "notes", rowId: "alices", data: { title: "alice only", n: 2 }, permissions: [Permission.read(Role.user(alice.id))] });
  await rest.createRow({ databaseId: D, tableId: "notes", rowId: "nobodys", data: { title: "server only", n: 3 }, permissions: [] });
});

describe("GraphQL through the SDKs", () => {
  it("Graphql.query lists rows as REST lists them (node, API key)", async () => {
    const gql = new Graphql(project.server());
    const out = (await gql.query({ query: { query: LIST_ROWS, variables: { databaseId: D, tableId: "notes", queries: ['{"method":"orderAsc","attribute":"n"}'] } } })) as Result;
    expect(out.errors).toBeUndefined();
    const list = out.data.tablesDBListRows;
    const viaRest = await rest.listRows({ databaseId: D, tableId: "notes", queries: ['{"method":"orderAsc","attribute":"n"}'] });
    expect(list.total).toBe(viaRest.total);
    expect(list.rows.map((r: any) => r._id)).toEqual(viaRest.rows.map((r) => r.$id));
    expect(list.rows[0]).toMatchObject({ _tableId: "notes", _permissions: ['read("any")'] });
    expect(JSON.parse(list.rows[0].data)).toEqual({ title: "for everyone", n: 1 });
  });

  it("Graphql.mutation creates a row that REST then reads (web SDK, signed-in user)", async () => {
    const out = (await web(alice.secret).mutation({
      query: { query: CREATE_ROW, variables: { databaseId: D, tableId: "notes", rowId: "made-by-gql", data: { title: "from GraphQL", n: 7 }, permissions: [Permission.read(Role.user(alice.id))] } },
    })) as Result;
    expect(out.errors).toBeUndefined();
    expect(out.data.tablesDBCreateRow).toMatchObject({ _id: "made-by-gql", _tableId: "notes" });
    const row = await rest.getRow({ databaseId: D, tableId: "notes", rowId: "made-by-gql" });
    expect(row).toMatchObject({ title: "from GraphQL", n: 7 });
    expect(row.$permissions).toEqual([`read("user:${alice.id}")`]);
    // A delete answers Appwrite's `None { status }`.
    const del = (await new Graphql(project.server()).mutation({ query: { query: `mutation { tablesDBDeleteRow(databaseId: "${D}", tableId: "notes", rowId: "made-by-gql") { status } }` } })) as Result;
    expect(del).toEqual({ data: { tablesDBDeleteRow: { status: "OK" } } });
    expect(await restError(rest.getRow({ databaseId: D, tableId: "notes", rowId: "made-by-gql" }))).toMatchObject({ code: 404, type: "row_not_found" });
  });

  it("guests and users see exactly the rows REST shows them", async () => {
    const ids = (r: Result) => r.data.tablesDBListRows.rows.map((x: any) => x._id).sort();
    const vars = { databaseId: D, tableId: "notes" };
    const guest = (await web().query({ query: { query: LIST_ROWS, variables: vars } })) as Result;
    const user = (await web(alice.secret).query({ query: { query: LIST_ROWS, variables: vars } })) as Result;
    const restGuest = await new TablesDB(project.guest()).listRows(vars);
    const restUser = await new TablesDB(new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(alice.secret)).listRows(vars);
    expect(ids(guest)).toEqual(restGuest.rows.map((r) => r.$id).sort());
    expect(ids(guest)).toEqual(["public"]);
    expect(ids(user)).toEqual(restUser.rows.map((r) => r.$id).sort());
    expect(ids(user)).toEqual(["alices", "public"]);
    expect(guest.data.tablesDBListRows.total).toBe(restGuest.total);
  });

  it("a refused call answers as REST does: same message, code and type, for the field that failed", async () => {
    // A guest may not create rows here (only users may).
    const vars = { databaseId: D, tableId: "notes", rowId: "x", data: { title: "no" } };
    const out = (await web().mutation({ query: { query: CREATE_ROW, variables: vars } })) as Result;
    const viaRest = await restError(new TablesDB(project.guest()).createRow(vars));
    expect(viaRest).toMatchObject({ code: 401, type: "user_unauthorized" });
    expect(out.data).toEqual({ tablesDBCreateRow: null });
    expect(out.errors).toHaveLength(1);
    expect(out.errors![0]).toMatchObject({ message: viaRest!.message, extensions: { code: viaRest!.code, type: viaRest!.type }, path: ["tablesDBCreateRow"] });
    // A key without the route's scope: Appwrite's scope error, through GraphQL as through REST.
    const readOnly = await keyWith(["databases.read"]);
    const create = `mutation { tablesDBCreate(databaseId: "other", name: "Other") { _id } }`;
    const denied = (await new Graphql(readOnly).mutation({ query: { query: create } })) as Result;
    const deniedRest = await restError(new TablesDB(readOnly).create({ databaseId: "other", name: "Other" }));
    expect(deniedRest).toMatchObject({ code: 401, type: "general_unauthorized_scope" });
    expect(denied.errors![0]).toMatchObject({ message: deniedRest!.message, extensions: { code: 401, type: "general_unauthorized_scope" } });
    // A row the user may not read is "not found", as in REST.
    const get = `query { tablesDBGetRow(databaseId: "${D}", tableId: "notes", rowId: "nobodys") { _id } }`;
    const hidden = (await web(alice.secret).query({ query: { query: get } })) as Result;
    expect(hidden.errors![0]).toMatchObject({ message: "Row with the requested ID 'nobodys' could not be found.", extensions: { code: 404, type: "row_not_found" } });
  });

  it("serves models as Appwrite's schema types them: unions of columns, `data` of free-form models, Assoc prefs", async () => {
    const gql = new Graphql(project.server());
    const table = (await gql.query({
      query: { query: `query { tablesDBGetTable(databaseId: "${D}", tableId: "notes") { name columns { __typename ... on ColumnVarchar { key size } ... on ColumnInteger { key } } } }` },
    })) as Result;
    expect(table.errors).toBeUndefined();
    expect(table.data.tablesDBGetTable).toEqual({ name: "Notes", columns: [{ __typename: "ColumnVarchar", key: "title", size: 100 }, { __typename: "ColumnInteger", key: "n" }] });
    const prefs = (await web(alice.secret).mutation({
      query: { query: `mutation($prefs: Assoc!) { accountUpdatePrefs(prefs: $prefs) { _id prefs { data } } }`, variables: { prefs: JSON.stringify({ theme: "dark" }) } },
    })) as Result;
    expect(prefs.errors).toBeUndefined();
    expect(prefs.data.accountUpdatePrefs._id).toBe(alice.id);
    expect(JSON.parse(prefs.data.accountUpdatePrefs.prefs.data)).toEqual({ theme: "dark" });
    expect((await new Users(project.server()).getPrefs({ userId: alice.id }))).toEqual({ theme: "dark" });
  });

  it("uploads a file through the multipart convention (operations + map + file)", async () => {
    const storage = new Storage(project.server());
    await storage.createBucket({ bucketId: "gqlb", name: "GraphQL", fileSecurity: true });
    const bytes = new TextEncoder().encode("hello from a GraphQL upload\n");
    const form = new FormData();
    form.append("operations", JSON.stringify({
      query: `mutation createFile($bucketId: String!, $fileId: String!, $file: InputFile!, $permissions: [String!]) {
        storageCreateFile(bucketId: $bucketId, fileId: $fileId, file: $file, permissions: $permissions) { _id bucketId name sizeOriginal mimeType }
      }`,
      variables: { bucketId: "gqlb", fileId: "up1", file: null, permissions: [Permission.read(Role.any())] },
    }));
    form.append("map", JSON.stringify({ file: ["variables.file"] }));
    form.append("file", new File([bytes], "hello.txt", { type: "text/plain" }));
    const res = await raw("POST", "/graphql", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key }, body: form });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.storageCreateFile).toMatchObject({ _id: "up1", bucketId: "gqlb", name: "hello.txt", sizeOriginal: bytes.length });
    const down = new Uint8Array(await storage.getFileDownload({ bucketId: "gqlb", fileId: "up1" }));
    expect(new TextDecoder().decode(down)).toBe("hello from a GraphQL upload\n");
    // A file is never a literal in the query text.
    const literal = (await new Graphql(project.server()).mutation({ query: { query: `mutation { storageCreateFile(bucketId: "gqlb", fileId: "up2", file: "x") { _id } }` } })) as Result;
    expect(literal.errors![0].message).toContain("InputFile");
    expect(await restError(storage.getFile({ bucketId: "gqlb", fileId: "up2" }))).toMatchObject({ code: 404 });
  });

  it("refuses an over-deep query before running anything, and serves depth 3", async () => {
    const gql = new Graphql(project.server());
    const deep = (await gql.query({ query: { query: "{ __schema { types { fields { type { ofType { name } } } } } }" } })) as Result;
    expect(deep.data).toBeUndefined();
    expect(deep.errors!.map((e) => e.message)).toEqual(["Max query depth should be 3 but got 4."]);
    const ok = (await gql.query({ query: { query: "{ __schema { types { fields { type { name } } } } }" } })) as Result;
    expect(ok.errors).toBeUndefined();
    expect(ok.data.__schema.types.some((t: any) => t.fields?.some((f: any) => f.type.name === "RowList"))).toBe(true);
  });

  it("refuses an over-complex list (children × limit) without calling the route", async () => {
    const q = `query { tablesDBListRows(databaseId: "${D}", tableId: "notes", queries: ["{\\"method\\":\\"limit\\",\\"values\\":[100]}"]) { total rows { _id data _tableId } } }`;
    const out = (await new Graphql(project.server()).query({ query: { query: q } })) as Result;
    expect(out.errors!.map((e) => e.message)).toEqual(["Max query complexity should be 250 but got 500."]);
    expect(out.data).toBeUndefined();
  });

  it("runs a batch (an array) in order and answers an array; more than 10 is refused", async () => {
    const gql = new Graphql(project.server());
    const batch = (await gql.mutation({
      query: [
        { query: CREATE_ROW, variables: { databaseId: D, tableId: "notes", rowId: "b1", data: { title: "batched", n: 10 }, permissions: [] } },
        { query: `query($id: String!) { tablesDBGetRow(databaseId: "${D}", tableId: "notes", rowId: $id) { _id data } }`, variables: { id: "b1" } },
        { query: "query { localeListCodes { total } }" },
      ],
    })) as Result[];
    expect(Array.isArray(batch)).toBe(true);
    expect(batch).toHaveLength(3);
    expect(batch[0].data.tablesDBCreateRow._id).toBe("b1");
    expect(JSON.parse(batch[1].data.tablesDBGetRow.data)).toEqual({ title: "batched", n: 10 });
    expect(batch[2].data.localeListCodes.total).toBeGreaterThan(100);
    // The query text alone, as `graphql.query({query: "…"})` sends it, is one operation.
    expect(((await gql.query({ query: "query { localeListCodes { total } }" as never })) as Result).data.localeListCodes.total).toBeGreaterThan(100);
    const eleven = Array.from({ length: 11 }, () => ({ query: "query { localeListCodes { total } }" }));
    const refused = await restError(gql.query({ query: eleven }));
    expect(refused).toEqual({ message: "Too many queries.", code: 400, type: "graphql_too_many_queries" });
  });

  it("speaks the plain wire too: JSON without x-sdk-graphql, application/graphql, GET for queries only", async () => {
    const h = { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key };
    const q = "query { localeListContinents { total } }";
    const plain = await raw("POST", "/graphql", { headers: { ...h, "content-type": "application/json" }, body: JSON.stringify({ query: q }) });
    expect(plain.body.data.localeListContinents.total).toBe(7);
    const text = await raw("POST", "/graphql", { headers: { ...h, "content-type": "application/graphql" }, body: q });
    expect(text.body.data.localeListContinents.total).toBe(7);
    const get = await raw("GET", `/graphql?query=${encodeURIComponent(q)}`, { headers: h });
    expect(get.body.data.localeListContinents.total).toBe(7);
    const mutationByGet = await raw("GET", `/graphql?query=${encodeURIComponent('mutation { tablesDBDelete(databaseId: "gdb") { status } }')}`, { headers: h });
    expect(mutationByGet.status).toBe(405);
    expect(mutationByGet.body.type).toBe("graphql_method_unsupported");
    expect((await rest.get({ databaseId: D })).$id).toBe(D);
    const empty = await raw("POST", "/graphql", { headers: { ...h, "content-type": "application/json" }, body: "{}" });
    expect(empty.status).toBe(400);
    expect(empty.body.type).toBe("graphql_no_query");
    // An id of `..` cannot steer the call to another route.
    const dots = await raw("POST", "/graphql", { headers: { ...h, "content-type": "application/json" }, body: JSON.stringify({ query: 'mutation { tablesDBDelete(databaseId: "..") { status } }' }) });
    expect(dots.body.errors[0].extensions).toEqual({ code: 400, type: "general_argument_invalid" });
    expect((await rest.get({ databaseId: D })).$id).toBe(D);
    // Syntax errors are GraphQL errors, not server errors.
    const bad = await raw("POST", "/graphql", { headers: { ...h, "content-type": "application/json" }, body: JSON.stringify({ query: "query {" }) });
    expect(bad.status).toBe(200);
    expect(bad.body.errors[0].message).toMatch(/Syntax Error/);
  });

  it("keeps client input inert: `__proto__` in variables is refused, objects stay data", async () => {
    const h = { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key, "content-type": "application/json" };
    const body = `{"query":${JSON.stringify(CREATE_ROW)},"variables":{"databaseId":"${D}","tableId":"notes","rowId":"p1","data":{"__proto__":{"title":"x"}}}}`;
    const res = await raw("POST", "/graphql", { headers: h, body });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe("general_argument_invalid");
    // The same inside the query text: the REST route refuses the key, nothing is written.
    const literal = (await new Graphql(project.server()).mutation({
      query: { query: `mutation { tablesDBCreateRow(databaseId: "${D}", tableId: "notes", rowId: "p1", data: { __proto__: { title: "x" }, title: "y" }) { _id } }` },
    })) as Result;
    expect(literal.errors![0].extensions).toEqual({ code: 400, type: "general_argument_invalid" });
    expect(await restError(rest.getRow({ databaseId: D, tableId: "notes", rowId: "p1" }))).toMatchObject({ code: 404 });
  });

  it("sessions made through GraphQL reach the client as cookies (as REST sets them)", async () => {
    const email = `bob-${Date.now()}@example.com`;
    await new Users(project.server()).create({ userId: ID.unique(), email, password: "password-123456" });
    const q = `mutation { accountCreateEmailPasswordSession(email: "${email}", password: "password-123456") { _id userId } }`;
    const res = await raw("POST", "/graphql", { headers: { "x-appwrite-project": project.projectId, "content-type": "application/json" }, body: JSON.stringify({ query: q }) });
    expect(res.body.data.accountCreateEmailPasswordSession.userId).toBeTruthy();
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`a_session_${project.projectId}=`));
    expect(cookie).toBeTruthy();
    const me = await raw("POST", "/graphql", {
      headers: { "x-appwrite-project": project.projectId, "content-type": "application/json", cookie: cookie!.split(";")[0]! },
      body: JSON.stringify({ query: "query { accountGet { email } }" }),
    });
    expect(me.body.data.accountGet.email).toBe(email);
  });

  it("the project's graphql protocol switch turns the endpoint off for guests and users, not for keys", async () => {
    const settings = new Project(await keyWith(["project.write"]));
    const q = { query: { query: "query { localeListContinents { total } }" } };
    await settings.updateProtocol({ protocolId: ProjectProtocolId.Graphql, enabled: false });
    try {
      expect(await restError(web().query(q))).toMatchObject({ code: 403, type: "general_api_disabled" });
      expect(((await new Graphql(project.server()).query(q)) as Result).data.localeListContinents.total).toBe(7);
    } finally {
      await settings.updateProtocol({ protocolId: ProjectProtocolId.Graphql, enabled: true });
    }
    expect(((await web().query(q)) as Result).data.localeListContinents.total).toBe(7);
  });
});
