import { createHash, randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { AppwriteException, Client, ID, Permission, Role, Storage, Users, Webhooks } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { createProject, endpoint, raw, type TestProject } from "./harness";

/**
 * Attacks on storage uploads and webhook settings, made as an outsider would: a second user, a guest,
 * another client address. Each asserts the safe outcome by its effect (the victim's bytes, what the
 * attacker's response carries, what is stored).
 */

const MiB = 1024 * 1024;
const CHUNK = 5 * MiB;
const sha = (b: Uint8Array | ArrayBuffer) => createHash("sha256").update(new Uint8Array(b)).digest("hex");

let project: TestProject;
let storage: Storage;
const alice = { id: "", session: "" };
const bob = { id: "", session: "" };

beforeAll(async () => {
  project = await createProject("security-storage");
  storage = new Storage(project.server());
  const users = new Users(project.server());
  for (const [who, name] of [[alice, "alice"], [bob, "bob"]] as const) {
    const u = await users.create({ userId: ID.unique(), email: `${name}-${Date.now()}@example.com`, password: "password1234", name });
    who.id = u.$id;
    who.session = (await users.createSession({ userId: u.$id })).secret;
  }
});

const client = (session: string) => new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(session);

/** Credentials for a raw request: a user's session, a guest (optionally from a given client address), or the API key. */
type As = { session: string } | { guestFrom?: string } | { key: true };
function headersFor(as: As): Record<string, string> {
  const h: Record<string, string> = { "x-appwrite-project": project.projectId };
  if ("session" in as) h["x-appwrite-session"] = as.session;
  else if ("key" in as) h["x-appwrite-key"] = project.key;
  // Cloudflare's edge sets cf-connecting-ip to the client's address; `wrangler dev` passes ours through.
  else if (as.guestFrom) h["cf-connecting-ip"] = as.guestFrom;
  return h;
}

/** POST chunk `index` of `data` the way the SDK sends it (content-range; x-appwrite-id after the first). */
function sendChunk(as: As, bucketId: string, fileId: string, data: Uint8Array, index: number) {
  const start = index * CHUNK;
  const end = Math.min(start + CHUNK, data.length);
  const fd = new FormData();
  fd.append("fileId", fileId);
  fd.append("file", new File([data.subarray(start, end)], "upload.bin"));
  const headers = { ...headersFor(as), "content-range": `bytes ${start}-${end - 1}/${data.length}` };
  if (index > 0) headers["x-appwrite-id"] = fileId;
  return raw("POST", `/storage/buckets/${bucketId}/files`, { headers, body: fd });
}

async function download(as: As, bucketId: string, fileId: string) {
  const res = await fetch(`${endpoint}/storage/buckets/${bucketId}/files/${fileId}/download`, { headers: headersFor(as) });
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** The refusal a stranger gets for an id that is taken: Appwrite's 409, carrying nothing of the file. */
function expectTaken(r: Awaited<ReturnType<typeof raw>>, file: { name?: string; id: string }) {
  expect([r.status, r.body.type]).toEqual([409, "storage_file_already_exists"]);
  expect(r.body.$id).toBeUndefined();
  expect(r.text).not.toContain(file.id);
  if (file.name) expect(r.text).not.toContain(file.name);
}

describe("a pending chunked upload takes chunks only from whoever started it", () => {
  let bucketId: string;
  beforeAll(async () => {
    // Everyone may create files here, and users may read them: only upload ownership stands in the way.
    bucketId = (await storage.createBucket({ bucketId: ID.unique(), name: "shared uploads", permissions: [Permission.create(Role.any()), Permission.read(Role.users())], maximumFileSize: 50 * MiB })).$id;
  });

  it("user B's chunks (same fileId, Content-Range, x-appwrite-id) are refused; A's file is byte-identical to what A sent", async () => {
    const mine = randomBytes(CHUNK + 4000);
    const evil = randomBytes(CHUNK + 4000);
    const fileId = ID.unique();
    expect((await sendChunk(alice, bucketId, fileId, mine, 0)).status).toBe(201);

    // Bob sends the missing last chunk, then overwrites the first one.
    expectTaken(await sendChunk(bob, bucketId, fileId, evil, 1), { id: fileId });
    expectTaken(await sendChunk(bob, bucketId, fileId, evil, 0), { id: fileId });
    const pending = await new Storage(client(alice.session)).getFile({ bucketId, fileId });
    expect([pending.chunksUploaded, pending.chunksTotal]).toEqual([1, 2]);

    const done = await sendChunk(alice, bucketId, fileId, mine, 1);
    expect([done.status, done.body.chunksUploaded]).toEqual([201, 2]);
    const got = await download({ session: alice.session }, bucketId, fileId);
    expect(got.status).toBe(200);
    expect(sha(got.bytes)).toBe(sha(mine));
  });

  it("an API key cannot finish a user's upload either (creator only, not merely privileged)", async () => {
    const mine = randomBytes(CHUNK + 10);
    const fileId = ID.unique();
    expect((await sendChunk(alice, bucketId, fileId, mine, 0)).status).toBe(201);
    expectTaken(await sendChunk({ key: true }, bucketId, fileId, randomBytes(CHUNK + 10), 1), { id: fileId });
    expect((await sendChunk(alice, bucketId, fileId, mine, 1)).status).toBe(201);
    expect(sha((await download({ key: true }, bucketId, fileId)).bytes)).toBe(sha(mine));
  });

  it("a guest's upload is bound to the guest's client address: a guest elsewhere is refused", async () => {
    const mine = randomBytes(CHUNK + 2000);
    const fileId = ID.unique();
    expect((await sendChunk({ guestFrom: "203.0.113.10" }, bucketId, fileId, mine, 0)).status).toBe(201);
    expectTaken(await sendChunk({ guestFrom: "198.51.100.7" }, bucketId, fileId, randomBytes(CHUNK + 2000), 1), { id: fileId });
    expectTaken(await sendChunk(bob, bucketId, fileId, randomBytes(CHUNK + 2000), 1), { id: fileId });
    expect((await sendChunk({ guestFrom: "203.0.113.10" }, bucketId, fileId, mine, 1)).status).toBe(201);
    expect(sha((await download({ key: true }, bucketId, fileId)).bytes)).toBe(sha(mine));
  });

  it("the uploader resumes without read permission on the file (as Appwrite 1.9.6 allows)", async () => {
    const secure = (await storage.createBucket({ bucketId: ID.unique(), name: "no read", fileSecurity: true, permissions: [Permission.create(Role.users())], maximumFileSize: 50 * MiB })).$id;
    const data = randomBytes(CHUNK + 3000);
    const f = await new Storage(client(alice.session)).createFile({ bucketId: secure, fileId: ID.unique(), file: InputFile.fromBuffer(data, "write-only.bin"), permissions: [Permission.delete(Role.user(alice.id))] });
    expect([f.chunksUploaded, f.chunksTotal]).toEqual([2, 2]);
    expect(sha((await download({ key: true }, secure, f.$id)).bytes)).toBe(sha(data));
  });
});

describe("a re-sent chunk of a complete file shows it only to someone who may read it", () => {
  let bucketId: string;
  let big: { id: string; name: string; data: Uint8Array };
  let small: { id: string; name: string; data: Uint8Array };
  beforeAll(async () => {
    bucketId = (await storage.createBucket({ bucketId: ID.unique(), name: "private files", fileSecurity: true, permissions: [Permission.create(Role.any())], maximumFileSize: 50 * MiB })).$id;
    const as = new Storage(client(alice.session));
    const bigData = randomBytes(CHUNK + 5000);
    const smallData = randomBytes(300);
    // Alice's default permissions: only she may read.
    const b = await as.createFile({ bucketId, fileId: ID.unique(), file: InputFile.fromBuffer(bigData, "alice-secret-big.bin") });
    const s = await as.createFile({ bucketId, fileId: ID.unique(), file: InputFile.fromBuffer(smallData, "alice-secret-small.bin") });
    big = { id: b.$id, name: b.name, data: bigData };
    small = { id: s.$id, name: s.name, data: smallData };
  });

  it("user B and a guest get 409 storage_file_already_exists with no File model; the file is unchanged", async () => {
    for (const as of [bob, {}, { guestFrom: "198.51.100.7" }] as As[]) {
      expectTaken(await sendChunk(as, bucketId, big.id, randomBytes(CHUNK + 5000), 0), big);
      expectTaken(await sendChunk(as, bucketId, big.id, randomBytes(CHUNK + 5000), 1), big);
      expectTaken(await sendChunk(as, bucketId, small.id, randomBytes(300), 0), small); // a one-chunk upload with Content-Range
      expect((await download(as, bucketId, big.id)).status).toBe(404);
    }
    expect(sha((await download({ key: true }, bucketId, big.id)).bytes)).toBe(sha(big.data));
    expect(sha((await download({ key: true }, bucketId, small.id)).bytes)).toBe(sha(small.data));
  });

  it("the owner who may read it gets Appwrite's 200 with the File", async () => {
    const again = await sendChunk(alice, bucketId, big.id, big.data, 0);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ $id: big.id, chunksTotal: 2, chunksUploaded: 2 });
  });
});

describe("webhook settings: destinations and header values", () => {
  let hooks: Webhooks;
  const fail = async (p: Promise<unknown>) => {
    const e = await p.then(() => null, (err) => err);
    if (!(e instanceof AppwriteException)) throw new Error(`expected an AppwriteException, got ${JSON.stringify(e)}`);
    return e;
  };
  beforeAll(() => {
    hooks = new Webhooks(project.server());
  });

  const PRIVATE = [
    "http://10.0.0.1/hook", "http://10.255.255.255/", "http://172.16.0.1/", "http://172.31.255.254/", "http://192.168.1.20:8080/",
    "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0:8080/", "http://0/", "http://100.100.100.200/",
    "http://[fc00::1]/", "http://[fd12:3456::1]/", "http://[fe80::1]/", "http://[::]/",
    "http://[::ffff:10.0.0.1]/", "http://[::ffff:a9fe:a9fe]/", "http://[0:0:0:0:0:ffff:192.168.0.1]/",
    // Other spellings of 10.0.0.1 and 169.254.169.254 that URL parsers accept
    "http://167772161/", "http://0x0a000001/", "http://0xa.0.0.1/", "http://012.0.0.1/", "http://10.1/", "http://2852039166/", "https://0251.0376.0251.0376/", "http://10.0.0.1./",
  ];

  it("create refuses every private and link-local address, in every notation, with Appwrite's url error", async () => {
    for (const url of PRIVATE) {
      const e = await fail(hooks.create({ webhookId: ID.unique(), url, name: "ssrf", events: ["users.*"] }));
      expect([url, e.code, e.type, e.message]).toEqual([url, 400, "general_argument_invalid", "Invalid `url` param: 1. Value must be a valid URL with following schemes (http, https) \n2. Value must be a public domain \n"]);
    }
    expect((await hooks.list()).total).toBe(0);
  });

  it("loopback stays allowed for local receivers; public hosts too", async () => {
    for (const url of ["http://127.0.0.1:3000/hook", "http://127.8.9.10/", "http://localhost:8080/hook", "http://[::1]:9000/", "http://2130706433/", "https://example.com/hook"]) {
      const h = await hooks.create({ webhookId: ID.unique(), url, name: "ok", events: ["users.*"] });
      expect(h.url).toBe(url);
      await hooks.delete({ webhookId: h.$id });
    }
  });

  it("update refuses the same destinations and leaves the webhook as it was", async () => {
    const h = await hooks.create({ webhookId: ID.unique(), url: "http://127.0.0.1:3000/hook", name: "local", events: ["users.*"] });
    for (const url of ["http://192.168.0.10/", "http://[::ffff:172.16.5.4]/", "http://0xa9.0xfe.0xa9.0xfe/"]) {
      const e = await fail(hooks.update({ webhookId: h.$id, url, name: "local", events: ["users.*"] }));
      expect([e.code, e.type]).toEqual([400, "general_argument_invalid"]);
    }
    expect((await hooks.get({ webhookId: h.$id })).url).toBe("http://127.0.0.1:3000/hook");
  });

  it("CR/LF and other control characters in the name, HTTP user or password are refused on create and update", async () => {
    const bad = ["evil\r\nX-Injected: 1", "line\nfeed", "nul\u0000", "tab\there", "del\u007f"];
    for (const value of bad) {
      for (const field of ["name", "authUsername", "authPassword"] as const) {
        const params = { webhookId: ID.unique(), url: "http://127.0.0.1:3000/hook", name: "fine", events: ["users.*"], [field]: value };
        const e = await fail(hooks.create(params));
        expect([field, e.code, e.type, e.message]).toEqual([field, 400, "general_argument_invalid", `Invalid \`${field}\` param: Value must be a valid string and at least 0 chars and no longer than ${field === "name" ? 128 : 256} chars`]);
      }
    }
    const h = await hooks.create({ webhookId: ID.unique(), url: "http://127.0.0.1:3000/hook", name: "Café ünïcode 名前", events: ["users.*"], authUsername: "u", authPassword: "p w" });
    const e = await fail(hooks.update({ webhookId: h.$id, url: h.url, name: "x\r\ny", events: ["users.*"] }));
    expect([e.code, e.type]).toEqual([400, "general_argument_invalid"]);
    expect((await hooks.get({ webhookId: h.$id })).name).toBe("Café ünïcode 名前");
  });
});
