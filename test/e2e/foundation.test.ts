import { describe, expect, it, beforeAll } from "vitest";
import { Account, AppwriteException, Client } from "node-appwrite";
import { consoleCall, createProject, endpoint, raw, type TestProject } from "./harness";

let project: TestProject;
beforeAll(async () => {
  project = await createProject("foundation");
});

describe("foundation over the wire (node-appwrite 27.1.0)", () => {
  it("ping answers Pong! through the SDK", async () => {
    expect(await project.server().ping()).toEqual({ message: "Pong!" });
  });

  it("a guest's account.get() is 401 general_unauthorized_scope with Appwrite's message", async () => {
    const err = await new Account(project.guest()).get().catch((e) => e);
    expect(err).toBeInstanceOf(AppwriteException);
    expect(err.code).toBe(401);
    expect(err.type).toBe("general_unauthorized_scope");
    expect(err.message).toBe('User (role: guests) missing scopes (["account"])');
  });

  it("an unknown project is 404 project_not_found; an unknown route 404 general_route_not_found", async () => {
    const err = await new Client().setEndpoint(endpoint).setProject("nope-" + Date.now()).ping().catch((e) => e);
    expect([err.code, err.type]).toEqual([404, "project_not_found"]);
    const r = await raw("GET", "/nowhere", { headers: { "x-appwrite-project": project.projectId } });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: 404, type: "general_route_not_found", version: "1.9.6" });
    expect(r.headers.get("content-type")).toContain("application/json");
  });

  it("a wrong API key is refused; an expired key is 401 project_key_expired", async () => {
    const wrong = await new Account(new Client().setEndpoint(endpoint).setProject(project.projectId).setKey("standard_nope")).get().catch((e) => e);
    expect([wrong.code, wrong.type]).toEqual([401, "user_unauthorized"]);
    const key = await consoleCall("POST", `/projects/${project.projectId}/keys`, { name: "old", scopes: ["users.read"], expire: "2020-01-01T00:00:00.000+00:00" });
    expect(key.status).toBe(201);
    const r = await raw("GET", "/health", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": key.json.secret } });
    expect([r.status, r.body.type]).toEqual([401, "project_key_expired"]);
  });

  it("a key without a scope gets Appwrite's scope error naming the key's role", async () => {
    const key = await consoleCall("POST", `/projects/${project.projectId}/keys`, { name: "narrow", scopes: ["users.read"] });
    const r = await raw("GET", "/teams", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": key.json.secret } });
    expect(r.status).toBe(401);
    expect(r.body.type).toBe("general_unauthorized_scope");
    expect(r.body.message).toContain('(role: applications) missing scopes (["teams.read"])');
    // Every key also holds Appwrite's key-role scopes (global, health.read, graphql).
    expect((await raw("GET", "/health", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": key.json.secret } })).status).toBe(200);
  });

  it("health and version", async () => {
    const h = await raw("GET", "/health", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key } });
    expect(h.body).toMatchObject({ status: "pass" });
    expect((await raw("GET", "/health/version")).body).toEqual({ version: "1.9.6" });
  });
});

describe("console API", () => {
  it("creates, lists, reads and deletes projects, keys and platforms; key secrets are shown once", async () => {
    const id = `c${Date.now().toString(36)}`;
    const created = await consoleCall("POST", "/projects", { projectId: id, name: "Console test" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ $id: id, name: "Console test", authDuration: 31536000 });
    expect((await consoleCall("POST", "/projects", { projectId: id, name: "dup" })).json.type).toBe("project_already_exists");

    const key = await consoleCall("POST", `/projects/${id}/keys`, { name: "k", scopes: ["users.read"] });
    expect(key.json.secret).toMatch(/^standard_[0-9a-f]{256}$/);
    const listed = await consoleCall("GET", `/projects/${id}/keys`);
    expect(listed.json.total).toBe(1);
    expect(listed.json.keys[0].secret).toBe("");
    const badScope = await consoleCall("POST", `/projects/${id}/keys`, { name: "k", scopes: ["root.everything"] });
    expect([badScope.status, badScope.json.type]).toEqual([400, "general_argument_invalid"]);

    const platform = await consoleCall("POST", `/projects/${id}/platforms`, { type: "web", name: "app", hostname: "app.example.com" });
    expect(platform.json).toMatchObject({ type: "web", hostname: "app.example.com" });
    expect((await consoleCall("GET", `/projects/${id}`)).json.platforms).toHaveLength(1);
    expect((await consoleCall("DELETE", `/projects/${id}/platforms/${platform.json.$id}`)).status).toBe(204);

    expect((await consoleCall("DELETE", `/projects/${id}`)).status).toBe(204);
    expect((await consoleCall("GET", `/projects/${id}`)).json.type).toBe("project_not_found");
    // The deleted project's key no longer opens anything.
    const r = await raw("GET", "/health", { headers: { "x-appwrite-project": id, "x-appwrite-key": key.json.secret } });
    expect(r.status).toBe(404);
  });

  it("is closed to guests and to project keys", async () => {
    const guest = await raw("GET", "/projects", { headers: { "x-appwrite-project": "console" } });
    expect([guest.status, guest.body.type]).toEqual([401, "general_unauthorized_scope"]);
    const asKey = await raw("GET", "/projects", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key } });
    expect(asKey.status).toBe(401);
  });
});

describe("CORS", () => {
  it("answers preflight on any path and echoes only trusted origins", async () => {
    const pre = await raw("OPTIONS", "/anything/at/all", { headers: { origin: "http://localhost:3000", "access-control-request-method": "POST" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect(pre.headers.get("access-control-allow-credentials")).toBe("true");
    expect(pre.headers.get("access-control-expose-headers")).toContain("X-Fallback-Cookies");

    const stranger = await raw("GET", "/ping", { headers: { origin: "https://evil.example", "x-appwrite-project": project.projectId } });
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
    expect([stranger.status, stranger.body.type]).toEqual([403, "general_unknown_origin"]);

    await consoleCall("POST", `/projects/${project.projectId}/platforms`, { type: "web", name: "app", hostname: "app.example.com" });
    const known = await raw("GET", "/ping", { headers: { origin: "https://app.example.com", "x-appwrite-project": project.projectId } });
    expect(known.status).toBe(200);
    expect(known.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
  });
});
