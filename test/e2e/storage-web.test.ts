import { createHash, randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { Client as WebClient, Query as WebQuery, Storage as WebStorage } from "appwrite";
import { ID, Permission, Role, Storage, Users } from "node-appwrite";
import { createProject, endpoint, type TestProject } from "./harness";

/** The web SDK (appwrite@27.0.0) run in Node 20, which has the fetch/FormData/File it needs. */

const MiB = 1024 * 1024;
const sha = (b: Uint8Array | ArrayBuffer) => createHash("sha256").update(new Uint8Array(b)).digest("hex");

let project: TestProject;
let bucketId: string;
let userId: string;
let secret: string;

beforeAll(async () => {
  project = await createProject("storage-web");
  bucketId = (await new Storage(project.server()).createBucket({ bucketId: ID.unique(), name: "web", fileSecurity: true, permissions: [Permission.create(Role.users())] })).$id;
  const users = new Users(project.server());
  userId = (await users.create({ userId: ID.unique(), email: `web-${Date.now()}@example.com`, password: "password1234" })).$id;
  secret = (await users.createSession({ userId })).secret;
});

describe("web SDK storage", () => {
  it("createFile with onProgress uploads an 11 MiB file in chunks; the file URLs work with the session cookie", async () => {
    const client = new WebClient().setEndpoint(endpoint).setProject(project.projectId).setSession(secret);
    const storage = new WebStorage(client);
    const data = randomBytes(11 * MiB);
    const progress: { chunksUploaded: number; chunksTotal: number; progress: number }[] = [];
    const file = await storage.createFile({
      bucketId,
      fileId: ID.unique(),
      file: new File([data], "movie.bin"),
      onProgress: (p) => progress.push({ chunksUploaded: p.chunksUploaded, chunksTotal: p.chunksTotal, progress: p.progress }),
    });
    expect(file).toMatchObject({ chunksTotal: 3, chunksUploaded: 3, sizeOriginal: 11 * MiB, name: "movie.bin" });
    expect(file.$permissions).toEqual([`read("user:${userId}")`, `update("user:${userId}")`, `delete("user:${userId}")`]);
    expect(progress).toHaveLength(3);
    expect(progress.every((p) => p.chunksTotal === 3)).toBe(true);
    expect(Math.max(...progress.map((p) => p.progress))).toBe(100);

    // URL helpers make no request: they return ?project= URLs that a browser loads with its cookie.
    const download = storage.getFileDownload({ bucketId, fileId: file.$id });
    expect(download).toContain(`project=${project.projectId}`);
    const cookie = `a_session_${project.projectId}=${secret}`;
    const res = await fetch(download, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(sha(await res.arrayBuffer())).toBe(sha(data));
    const anonymous = await fetch(download);
    expect(anonymous.status).toBe(404); // fileSecurity: the guest cannot see the file at all

    const small = await storage.createFile({ bucketId, fileId: ID.unique(), file: new File([Buffer.from("hello web")], "hello.txt"), permissions: [Permission.read(Role.any())], folder: "notes/2026" });
    expect(small).toMatchObject({ chunksTotal: 1, folder: "notes/2026/", key: "notes/2026/hello.txt", mimeType: "text/plain" });
    expect((await storage.listFiles({ bucketId, queries: [WebQuery.equal("folder", "notes/2026/")] })).files.map((f) => f.$id)).toEqual([small.$id]);
    const badFolder = await storage.createFile({ bucketId, fileId: ID.unique(), file: new File([Buffer.from("x")], "x.txt"), folder: "../etc" }).catch((e) => e);
    expect([badFolder.code, badFolder.type]).toEqual([400, "general_argument_invalid"]);
    const view = await fetch(storage.getFileView({ bucketId, fileId: small.$id }));
    expect([view.status, await view.text()]).toEqual([200, "hello web"]);
    expect((await storage.listFiles({ bucketId })).total).toBe(2);
  });
});
