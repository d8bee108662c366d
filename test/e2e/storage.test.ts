import { createHash, randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { AppwriteException, Client, ID, Permission, Query, Role, Storage, Tokens, Users } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { consoleCall, createProject, endpoint, raw, type TestProject, openRealtime } from "./harness";

/** Storage over the wire with node-appwrite 27.1.0: buckets, uploads (whole and chunked), reads, tokens, permissions. */

const MiB = 1024 * 1024;
const sha = (b: Uint8Array | ArrayBuffer) => createHash("sha256").update(new Uint8Array(b)).digest("hex");
const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");
const fail = async (p: Promise<unknown>): Promise<AppwriteException> => {
  const e = await p.then(
    () => null,
    (err) => err,
  );
  if (!(e instanceof AppwriteException)) throw new Error(`expected an AppwriteException, got ${e}`);
  return e;
};

/** A w×h RGB PNG with a gradient, built by hand (no image library needed). */
function png(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      rows[o] = (x * 255) / w;
      rows[o + 1] = (y * 255) / h;
      rows[o + 2] = 128;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

/** Format and dimensions from an encoded image's header (PNG, WebP, JPEG). */
function imageInfo(buf: Uint8Array): { format: string; width: number; height: number } {
  const b = Buffer.from(buf);
  if (b.subarray(1, 4).toString() === "PNG") return { format: "png", width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  if (b.subarray(0, 4).toString() === "RIFF" && b.subarray(8, 12).toString() === "WEBP") {
    const kind = b.subarray(12, 16).toString();
    if (kind === "VP8 ") return { format: "webp", width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
    if (kind === "VP8L") {
      const bits = b.readUInt32LE(21);
      return { format: "webp", width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    if (kind === "VP8X") return { format: "webp", width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  }
  if (b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i < b.length) {
      if (b[i] !== 0xff) throw new Error("bad JPEG");
      const marker = b[i + 1]!;
      const len = b.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return { format: "jpeg", height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
      i += 2 + len;
    }
  }
  throw new Error(`unknown image: ${b.subarray(0, 16).toString("hex")}`);
}

let project: TestProject;
let storage: Storage;
const url = (bucketId: string, fileId: string, what: string, query = "") => `/storage/buckets/${bucketId}/files/${fileId}/${what}?project=${project.projectId}${query}`;

beforeAll(async () => {
  project = await createProject("storage");
  storage = new Storage(project.server());
});

describe("buckets", () => {
  it("create, get, list with queries and search, update, delete — Appwrite's Bucket model", async () => {
    const b = await storage.createBucket({ bucketId: "photos", name: "Holiday photos", permissions: [Permission.read(Role.any()), Permission.write(Role.users())], fileSecurity: true, maximumFileSize: 1_000_000, allowedFileExtensions: ["jpg", "png"], compression: "gzip" as never, transformations: true });
    expect(b).toMatchObject({ $id: "photos", name: "Holiday photos", fileSecurity: true, enabled: true, maximumFileSize: 1_000_000, allowedFileExtensions: ["jpg", "png"], compression: "gzip", encryption: true, antivirus: false, transformations: true, totalSize: 0 });
    expect(b.$permissions).toEqual(['read("any")', 'create("users")', 'update("users")', 'delete("users")']);
    expect(b.$createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);

    const unnamed = await raw("POST", "/storage/buckets", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key, "content-type": "application/json" }, body: JSON.stringify({ bucketId: "unnamed", name: "" }) });
    expect([unnamed.status, unnamed.body.type]).toEqual([400, "general_argument_invalid"]); // Text(128): at least one char
    const dup = await fail(storage.createBucket({ bucketId: "photos", name: "again" }));
    expect([dup.code, dup.type]).toEqual([409, "storage_bucket_already_exists"]);
    const other = await storage.createBucket({ bucketId: ID.unique(), name: "Documents", enabled: false });
    expect(other.$id).toMatch(/^[0-9a-f]{20}$/);

    expect((await storage.getBucket({ bucketId: "photos" })).name).toBe("Holiday photos");
    const listed = await storage.listBuckets({ queries: [Query.equal("enabled", false)] });
    expect(listed.total).toBe(1);
    expect(listed.buckets[0]!.$id).toBe(other.$id);
    expect((await storage.listBuckets({ search: "holiday" })).buckets.map((x) => x.$id)).toEqual(["photos"]);
    expect((await storage.listBuckets({ queries: [Query.limit(1), Query.orderDesc("$createdAt")] })).buckets).toHaveLength(1);
    const badQuery = await fail(storage.listBuckets({ queries: [Query.equal("totalSize", 1)] }));
    expect([badQuery.code, badQuery.type]).toEqual([400, "general_query_invalid"]);

    // PUT keeps permissions, size, compression and encryption when omitted; others return to defaults.
    const updated = await storage.updateBucket({ bucketId: "photos", name: "Renamed" });
    expect(updated).toMatchObject({ name: "Renamed", fileSecurity: false, maximumFileSize: 1_000_000, compression: "gzip", allowedFileExtensions: [] });
    expect(updated.$permissions).toEqual(b.$permissions);

    const tooBig = await fail(storage.createBucket({ bucketId: "huge", name: "x", maximumFileSize: 10_000_000_000 }));
    expect([tooBig.code, tooBig.type]).toEqual([400, "general_argument_invalid"]);
    const badPerm = await fail(storage.createBucket({ bucketId: "bad", name: "x", permissions: ['read("nobody")'] }));
    expect(badPerm.type).toBe("general_argument_invalid");

    expect(await storage.deleteBucket({ bucketId: other.$id })).toEqual({ message: "" });
    const gone = await fail(storage.getBucket({ bucketId: other.$id }));
    expect([gone.code, gone.type]).toEqual([404, "storage_bucket_not_found"]);
  });

  it("bucket routes are for API keys: a guest gets Appwrite's scope error", async () => {
    const e = await fail(new Storage(project.guest()).listBuckets());
    expect([e.code, e.type]).toEqual([401, "general_unauthorized_scope"]);
  });
});

describe("uploads and reads (single request)", () => {
  let bucketId: string;
  beforeAll(async () => {
    bucketId = (await storage.createBucket({ bucketId: ID.unique(), name: "plain", permissions: [Permission.read(Role.any())], maximumFileSize: 200 * MiB, encryption: true, compression: "gzip" as never })).$id;
  });

  it("a 1 KB file uploads in one request and downloads byte-identical; view and download headers are Appwrite's", async () => {
    const data = randomBytes(1000);
    const f = await storage.createFile({ bucketId, fileId: "small", file: InputFile.fromBuffer(data, "small.bin"), permissions: [Permission.read(Role.any())] });
    expect(f).toMatchObject({ $id: "small", bucketId, name: "small.bin", sizeOriginal: 1000, chunksTotal: 1, chunksUploaded: 1, encryption: true, compression: "gzip", signature: md5(data), mimeType: "application/octet-stream", folder: "", key: "small.bin" });
    expect(f.sizeActual).toBeGreaterThan(1000); // random bytes do not compress; GCM adds its tag
    const down = await storage.getFileDownload({ bucketId, fileId: "small" });
    expect(sha(down)).toBe(sha(data));

    const d = await raw("GET", url(bucketId, "small", "download"));
    expect(d.status).toBe(200);
    expect(d.headers.get("content-disposition")).toBe('attachment; filename="small.bin"'); // exactly Appwrite's header
    expect(d.headers.get("content-length")).toBe("1000");

    const again = await fail(storage.createFile({ bucketId, fileId: "small", file: InputFile.fromBuffer(data, "small.bin") }));
    expect([again.code, again.type]).toEqual([409, "storage_file_already_exists"]);
  });

  it("a text file compresses; view never renders active content from the API origin", async () => {
    const html = Buffer.from("<!DOCTYPE html><html><script>alert(document.cookie)</script>" + "x".repeat(5000) + "</html>");
    const f = await storage.createFile({ bucketId, fileId: "page", file: InputFile.fromBuffer(html, "page.html") });
    expect(f.mimeType).toBe("text/html");
    expect(f.sizeActual).toBeLessThan(html.length);
    const v = await raw("GET", url(bucketId, "page", "view"));
    expect(v.status).toBe(200);
    expect(v.text).toBe(html.toString());
    expect(v.headers.get("content-type")).toBe("text/plain");
    expect(v.headers.get("x-content-type-options")).toBe("nosniff");
    expect(v.headers.get("content-security-policy")).toContain("sandbox");

    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    await storage.createFile({ bucketId, fileId: "logo", file: InputFile.fromBuffer(svg, "logo.svg") });
    const sv = await raw("GET", url(bucketId, "logo", "view"));
    expect(sv.headers.get("content-type")).toBe("text/plain");

    const image = png(40, 30);
    await storage.createFile({ bucketId, fileId: "pic", file: InputFile.fromBuffer(image, "pic.png") });
    const iv = await raw("GET", url(bucketId, "pic", "view"));
    expect(iv.headers.get("content-type")).toBe("image/png");
    expect(iv.headers.get("content-disposition")).toBe('inline; filename="pic.png"');
    // A name that cannot sit in the quotes gets an ASCII fallback and the UTF-8 name (never a broken header).
    await storage.createFile({ bucketId, fileId: "quoted", file: InputFile.fromBuffer(Buffer.from("x"), "résumé.txt") });
    const q = await raw("GET", url(bucketId, "quoted", "download"));
    expect(q.headers.get("content-disposition")).toBe(`attachment; filename="r_sum_.txt"; filename*=UTF-8''${encodeURIComponent("résumé.txt")}`);
  });

  it("Range: 206 with Content-Range on plain and on encrypted files; an unsatisfiable range is 416 storage_invalid_range", async () => {
    const data = randomBytes(100_000);
    await storage.createFile({ bucketId, fileId: "ranged", file: InputFile.fromBuffer(data, "r.bin") });
    const r = await fetch(`${endpoint}${url(bucketId, "ranged", "download")}`, { headers: { range: "bytes=1000-1999" } });
    expect(r.status).toBe(206);
    expect(r.headers.get("content-range")).toBe("bytes 1000-1999/100000");
    expect(sha(await r.arrayBuffer())).toBe(sha(data.subarray(1000, 2000)));
    const open = await fetch(`${endpoint}${url(bucketId, "ranged", "download")}`, { headers: { range: "bytes=99000-" } });
    expect([open.status, open.headers.get("content-range")]).toEqual([206, "bytes 99000-99999/100000"]);
    expect((await open.arrayBuffer()).byteLength).toBe(1000);
    const bad = await raw("GET", url(bucketId, "ranged", "download"), { headers: { range: "bytes=200000-300000" } });
    expect([bad.status, bad.body.type]).toEqual([416, "storage_invalid_range"]);
    const unit = await raw("GET", url(bucketId, "ranged", "view"), { headers: { range: "items=0-1" } });
    expect([unit.status, unit.body.type]).toEqual([416, "storage_invalid_range"]);
    // StorageBase::testGetBucketFile: `bytes=988` and the suffix form `bytes=-988` are both 416.
    for (const range of ["bytes=988", "bytes=-988"]) expect((await raw("GET", url(bucketId, "ranged", "download"), { headers: { range } })).status).toBe(416);
  });

  it("files: list with queries and search, get, update name and permissions, delete", async () => {
    const listed = await storage.listFiles({ bucketId, queries: [Query.equal("name", "pic.png")] });
    expect(listed.total).toBe(1);
    expect(listed.files[0]!.$id).toBe("pic");
    expect((await storage.listFiles({ bucketId, search: "page" })).files.map((f) => f.$id)).toEqual(["page"]);
    expect((await storage.listFiles({ bucketId, queries: [Query.greaterThan("sizeOriginal", 50_000)] })).files.map((f) => f.$id)).toEqual(["ranged"]);
    expect((await storage.listFiles({ bucketId, queries: [Query.limit(2)], total: false })).total).toBe(0);
    const badAttr = await fail(storage.listFiles({ bucketId, queries: [Query.equal("sizeActual", 1)] }));
    expect(badAttr.type).toBe("general_query_invalid");

    const renamed = await storage.updateFile({ bucketId, fileId: "pic", name: "picture.png", permissions: [Permission.read(Role.users())] });
    expect(renamed).toMatchObject({ name: "picture.png", $permissions: ['read("users")'] });
    expect((await storage.getFile({ bucketId, fileId: "pic" })).name).toBe("picture.png");

    expect(await storage.deleteFile({ bucketId, fileId: "pic" })).toEqual({ message: "" });
    const gone = await fail(storage.getFile({ bucketId, fileId: "pic" }));
    expect([gone.code, gone.type]).toEqual([404, "storage_file_not_found"]);
    const goneBytes = await raw("GET", url(bucketId, "pic", "download"));
    expect(goneBytes.status).toBe(404);
  });

  it("bad input gets Appwrite's storage errors", async () => {
    const limited = await storage.createBucket({ bucketId: ID.unique(), name: "limited", maximumFileSize: 500, allowedFileExtensions: ["txt"] });
    const big = await fail(storage.createFile({ bucketId: limited.$id, fileId: ID.unique(), file: InputFile.fromBuffer(randomBytes(501), "a.txt") }));
    expect([big.code, big.type, big.message]).toEqual([400, "storage_invalid_file_size", "File size not allowed"]);
    const ext = await fail(storage.createFile({ bucketId: limited.$id, fileId: ID.unique(), file: InputFile.fromBuffer(randomBytes(10), "a.exe") }));
    expect([ext.code, ext.type]).toEqual([400, "storage_file_type_unsupported"]);
    const noBucket = await fail(storage.createFile({ bucketId: "nope", fileId: ID.unique(), file: InputFile.fromBuffer(randomBytes(10), "a.txt") }));
    expect([noBucket.code, noBucket.type]).toEqual([404, "storage_bucket_not_found"]);

    const form = () => {
      const fd = new FormData();
      fd.append("fileId", "x1");
      fd.append("file", new File([randomBytes(100)], "a.txt"));
      return fd;
    };
    const headers = { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key };
    const malformed = await raw("POST", `/storage/buckets/${bucketId}/files`, { headers: { ...headers, "content-range": "bytes nonsense" }, body: form() });
    expect([malformed.status, malformed.body.type]).toEqual([400, "storage_invalid_content_range"]);
    const offGrid = await raw("POST", `/storage/buckets/${bucketId}/files`, { headers: { ...headers, "content-range": `bytes 5-104/${12 * MiB}` }, body: form() });
    expect([offGrid.status, offGrid.body.type]).toEqual([400, "storage_invalid_content_range"]);
    const badId = await raw("POST", `/storage/buckets/${bucketId}/files`, { headers: { ...headers, "content-range": `bytes ${5 * MiB}-${10 * MiB - 1}/${12 * MiB}`, "x-appwrite-id": "unique()" }, body: form() });
    expect([badId.status, badId.body.type]).toEqual([400, "storage_invalid_appwrite_id"]);
    const noFile = new FormData();
    noFile.append("fileId", "x2");
    const empty = await raw("POST", `/storage/buckets/${bucketId}/files`, { headers, body: noFile });
    expect([empty.status, empty.body.type]).toEqual([400, "storage_file_empty"]);

    // One request over Appwrite's 12 MiB payload limit (StorageBase: a 12 MiB chunk is 413), even in a roomy bucket.
    const roomy = await storage.createBucket({ bucketId: ID.unique(), name: "roomy", maximumFileSize: 100 * MiB });
    const whole = new FormData();
    whole.append("fileId", "big1");
    whole.append("file", new File([randomBytes(12 * MiB)], "big.bin"));
    const tooLarge = await raw("POST", `/storage/buckets/${roomy.$id}/files`, { headers, body: whole });
    expect(tooLarge.status).toBe(413);
    expect((await fail(storage.getFile({ bucketId: roomy.$id, fileId: "big1" }))).code).toBe(404);
  });

  it("an id longer than 36 characters in the path is a 400, not a 404 (UID validator)", async () => {
    const long = "id-is-really-long-id-is-really-long-id-is-really-long";
    const bucket = await fail(storage.getBucket({ bucketId: long }));
    expect([bucket.code, bucket.type]).toEqual([400, "general_argument_invalid"]);
    expect(bucket.message).toMatch(/^Invalid `bucketId` param: /);
    const b = await storage.createBucket({ bucketId: ID.unique(), name: "ids", permissions: [Permission.read(Role.any())] });
    const file = await fail(storage.getFile({ bucketId: b.$id, fileId: long }));
    expect([file.code, file.type]).toEqual([400, "general_argument_invalid"]);
    expect(file.message).toMatch(/^Invalid `fileId` param: /);
    const del = await fail(storage.deleteFile({ bucketId: b.$id, fileId: long }));
    expect(del.code).toBe(400);
    const download = await raw("GET", url(b.$id, long, "download"));
    expect([download.status, download.body.type]).toEqual([400, "general_argument_invalid"]);
    const upload = await fail(storage.createFile({ bucketId: long, fileId: ID.unique(), file: InputFile.fromBuffer(randomBytes(10), "a.txt") }));
    expect(upload.code).toBe(400);
  });
});

describe("previews (Cloudflare Images binding)", () => {
  let bucketId: string;
  beforeAll(async () => {
    bucketId = (await storage.createBucket({ bucketId: ID.unique(), name: "images", permissions: [Permission.read(Role.any())] })).$id;
    await storage.createFile({ bucketId, fileId: "photo", file: InputFile.fromBuffer(png(300, 200), "photo.png") });
  });

  it("decodes as an image of the requested size and format (webp, png, jpg)", async () => {
    const webp = await storage.getFilePreview({ bucketId, fileId: "photo", width: 120, height: 90, output: "webp" as never });
    expect(imageInfo(new Uint8Array(webp))).toEqual({ format: "webp", width: 120, height: 90 });
    const byWidth = await storage.getFilePreview({ bucketId, fileId: "photo", width: 150 });
    expect(imageInfo(new Uint8Array(byWidth))).toEqual({ format: "png", width: 150, height: 100 }); // output follows the file's type
    const r = await raw("GET", url(bucketId, "photo", "preview", "&width=60&height=60&output=jpg&quality=70"));
    expect(r.headers.get("content-type")).toBe("image/jpeg");
    const jpg = await fetch(`${endpoint}${url(bucketId, "photo", "preview", "&width=60&height=60&output=jpg&quality=70")}`);
    expect(imageInfo(new Uint8Array(await jpg.arrayBuffer()))).toEqual({ format: "jpeg", width: 60, height: 60 });
  });

  it("one side given: the other follows the aspect ratio rounded down, as Appwrite's crop (300×200 at height 101 → 151×101)", async () => {
    const byHeight = await storage.getFilePreview({ bucketId, fileId: "photo", height: 101 });
    expect(imageInfo(new Uint8Array(byHeight))).toEqual({ format: "png", width: 151, height: 101 });
    const upscaled = await storage.getFilePreview({ bucketId, fileId: "photo", width: 450, height: 450, gravity: "top-left" as never });
    expect(imageInfo(new Uint8Array(upscaled))).toEqual({ format: "png", width: 450, height: 450 });
  });

  it("X-Appwrite-Cache: miss on the first render, then hit with the same bytes (StorageBase::testFilePreviewCacheControlOnCacheHit)", async () => {
    const path = url(bucketId, "photo", "preview", "&width=123&height=45&output=png&quality=80");
    const first = await fetch(`${endpoint}${path}`);
    expect([first.status, first.headers.get("content-type"), first.headers.get("cache-control"), first.headers.get("x-appwrite-cache")]).toEqual([200, "image/png", "private, max-age=2592000", "miss"]);
    expect([first.headers.get("pragma"), first.headers.get("expires")]).toEqual(["no-cache", "0"]);
    const rendered = Buffer.from(await first.arrayBuffer());
    let again: Response | null = null;
    for (let i = 0; i < 50 && again?.headers.get("x-appwrite-cache") !== "hit"; i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      again = await fetch(`${endpoint}${path}`);
      if (again.headers.get("x-appwrite-cache") !== "hit") await again.arrayBuffer();
    }
    expect([again!.status, again!.headers.get("content-type"), again!.headers.get("x-appwrite-cache")]).toEqual([200, "image/png", "hit"]);
    expect(again!.headers.get("cache-control")).toMatch(/^private, max-age=\d+$/);
    expect(Buffer.from(await again!.arrayBuffer()).equals(rendered)).toBe(true);
  });

  it("validates parameters; a non-image gets a placeholder image; transformations can be disabled", async () => {
    const e = await fail(storage.getFilePreview({ bucketId, fileId: "photo", width: 5000 }));
    expect([e.code, e.type]).toEqual([400, "general_argument_invalid"]);
    const color = await raw("GET", url(bucketId, "photo", "preview", "&background=zzzzzz"));
    expect([color.status, color.body.type]).toEqual([400, "general_argument_invalid"]);

    await storage.createFile({ bucketId, fileId: "notes", file: InputFile.fromBuffer(Buffer.from("hello"), "notes.txt") });
    const placeholder = await storage.getFilePreview({ bucketId, fileId: "notes", width: 64, height: 64, output: "png" as never });
    expect(imageInfo(new Uint8Array(placeholder))).toEqual({ format: "png", width: 64, height: 64 });

    await storage.updateBucket({ bucketId, name: "images", permissions: [Permission.read(Role.any())], transformations: false });
    const off = await raw("GET", url(bucketId, "photo", "preview", "&width=10"));
    expect([off.status, off.body.type]).toEqual([403, "storage_bucket_transformations_disabled"]);
    await storage.updateBucket({ bucketId, name: "images", permissions: [Permission.read(Role.any())], transformations: true });
  });
});

describe("resource tokens", () => {
  it("create (with expiry), list, get, update, delete; ?token= opens exactly that file to a guest", async () => {
    const bucketId = (await storage.createBucket({ bucketId: ID.unique(), name: "private" })).$id;
    const data = randomBytes(2048);
    await storage.createFile({ bucketId, fileId: "secret", file: InputFile.fromBuffer(data, "secret.bin") });
    await storage.createFile({ bucketId, fileId: "other", file: InputFile.fromBuffer(randomBytes(10), "other.bin") });
    const tokens = new Tokens(project.server());

    const denied = await raw("GET", url(bucketId, "secret", "download"));
    expect([denied.status, denied.body.type]).toEqual([401, "user_unauthorized"]);

    const t = await tokens.createFileToken({ bucketId, fileId: "secret" });
    expect(t).toMatchObject({ resourceId: `${bucketId}:secret`, resourceType: "files", expire: "" });
    expect(t.secret.split(".")).toHaveLength(3);
    const viaToken = await fetch(`${endpoint}${url(bucketId, "secret", "download", `&token=${t.secret}`)}`);
    expect(viaToken.status).toBe(200);
    expect(sha(await viaToken.arrayBuffer())).toBe(sha(data));
    const wrongFile = await raw("GET", url(bucketId, "other", "download", `&token=${t.secret}`));
    expect(wrongFile.status).toBe(401);
    const forged = await raw("GET", url(bucketId, "secret", "download", `&token=${t.secret.slice(0, -2)}xx`));
    expect(forged.status).toBe(401);

    const expire = new Date(Date.now() + 3_600_000).toISOString();
    const t2 = await tokens.createFileToken({ bucketId, fileId: "secret", expire });
    expect(Date.parse(t2.expire)).toBe(Date.parse(expire));
    const listed = await tokens.list({ bucketId, fileId: "secret" });
    expect(listed.total).toBe(2);
    expect((await tokens.get({ tokenId: t.$id })).$id).toBe(t.$id);
    expect((await tokens.get({ tokenId: t.$id })).accessedAt).not.toBe("");
    const past = await fail(tokens.update({ tokenId: t2.$id, expire: "2001-01-01T00:00:00.000+00:00" }));
    expect(past.type).toBe("general_argument_invalid");
    const later = new Date(Date.now() + 7_200_000).toISOString();
    expect(Date.parse((await tokens.update({ tokenId: t2.$id, expire: later })).expire)).toBe(Date.parse(later));

    await tokens.delete({ tokenId: t.$id });
    const revoked = await raw("GET", url(bucketId, "secret", "download", `&token=${t.secret}`));
    expect(revoked.status).toBe(401);
    const notFound = await fail(tokens.get({ tokenId: t.$id }));
    expect([notFound.code, notFound.type]).toEqual([404, "token_not_found"]);
  });
});

describe("chunked uploads", () => {
  let bucketId: string;
  beforeAll(async () => {
    bucketId = (await storage.createBucket({ bucketId: ID.unique(), name: "big", permissions: [Permission.read(Role.any())], maximumFileSize: 100 * MiB })).$id;
  });

  it("exactly 5 MiB goes in one request; 12 MiB in three chunks; both download byte-identical", async () => {
    const five = randomBytes(5 * MiB);
    const f5 = await storage.createFile({ bucketId, fileId: "five", file: InputFile.fromBuffer(five, "five.bin") });
    expect(f5).toMatchObject({ chunksTotal: 1, chunksUploaded: 1, sizeOriginal: 5 * MiB, encryption: true, signature: md5(five) });
    expect(sha(await storage.getFileDownload({ bucketId, fileId: "five" }))).toBe(sha(five));

    const twelve = randomBytes(12 * MiB);
    const progress: number[] = [];
    const f12 = await storage.createFile({ bucketId, fileId: ID.unique(), file: InputFile.fromBuffer(twelve, "twelve.bin"), onProgress: (p) => progress.push(p.chunksUploaded) });
    expect(f12).toMatchObject({ chunksTotal: 3, chunksUploaded: 3, sizeOriginal: 12 * MiB, encryption: true, signature: md5(twelve) });
    expect(progress.sort()).toEqual([1, 2, 3]);
    expect(sha(await storage.getFileDownload({ bucketId, fileId: f12.$id }))).toBe(sha(twelve));
    const r = await fetch(`${endpoint}${url(bucketId, f12.$id, "download")}`, { headers: { range: `bytes=${5 * MiB - 10}-${5 * MiB + 9}` } });
    expect(r.status).toBe(206);
    expect(sha(await r.arrayBuffer())).toBe(sha(twelve.subarray(5 * MiB - 10, 5 * MiB + 10)));

    // Re-sending a chunk of a complete file: 200 with the file (with content-range).
    const fd = new FormData();
    fd.append("fileId", f12.$id);
    fd.append("file", new File([twelve.subarray(0, 5 * MiB)], "twelve.bin"));
    const again = await raw("POST", `/storage/buckets/${bucketId}/files`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key, "content-range": `bytes 0-${5 * MiB - 1}/${12 * MiB}` }, body: fd });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ $id: f12.$id, chunksUploaded: 3 });
  });

  it("an interrupted upload (chunks out of order, one missing) shows its progress and resumes", async () => {
    const data = randomBytes(11 * MiB);
    const send = async (i: number, withId: boolean) => {
      const fd = new FormData();
      fd.append("fileId", "resumable");
      fd.append("file", new File([data.subarray(i * 5 * MiB, Math.min((i + 1) * 5 * MiB, data.length))], "resume.bin"));
      const end = Math.min((i + 1) * 5 * MiB, data.length) - 1;
      const headers: Record<string, string> = { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key, "content-range": `bytes ${i * 5 * MiB}-${end}/${data.length}` };
      if (withId) headers["x-appwrite-id"] = "resumable";
      return raw("POST", `/storage/buckets/${bucketId}/files`, { headers, body: fd });
    };
    // The last chunk arrives first, then the first; the middle one is "lost".
    const last = await send(2, true);
    expect(last.status).toBe(201);
    expect(last.body).toMatchObject({ $id: "resumable", chunksTotal: 3, chunksUploaded: 1 });
    const first = await send(0, false);
    expect(first.body).toMatchObject({ chunksTotal: 3, chunksUploaded: 2 });
    const pending = await storage.getFile({ bucketId, fileId: "resumable" });
    expect([pending.chunksUploaded, pending.chunksTotal]).toEqual([2, 3]);
    const notYet = await raw("GET", url(bucketId, "resumable", "download"));
    expect(notYet.status).toBe(404);

    // Resume: the SDK way — the whole file again under the same id; done chunks are simply re-recorded.
    const done = await storage.createFile({ bucketId, fileId: "resumable", file: InputFile.fromBuffer(data, "resume.bin") });
    expect(done).toMatchObject({ $id: "resumable", chunksTotal: 3, chunksUploaded: 3, signature: md5(data) });
    expect(sha(await storage.getFileDownload({ bucketId, fileId: "resumable" }))).toBe(sha(data));
  });

  it("deleting an unfinished upload removes it (and its R2 multipart upload)", async () => {
    const fd = new FormData();
    fd.append("fileId", "abandoned");
    fd.append("file", new File([randomBytes(5 * MiB)], "a.bin"));
    const r = await raw("POST", `/storage/buckets/${bucketId}/files`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key, "content-range": `bytes 0-${5 * MiB - 1}/${11 * MiB}` }, body: fd });
    expect(r.body.chunksUploaded).toBe(1);
    await storage.deleteFile({ bucketId, fileId: "abandoned" });
    expect((await fail(storage.getFile({ bucketId, fileId: "abandoned" }))).type).toBe("storage_file_not_found");
  });

  it("60 MiB in twelve concurrent chunks downloads byte-identical", { timeout: 180_000 }, async () => {
    const data = randomBytes(60 * MiB);
    const f = await storage.createFile({ bucketId, fileId: ID.unique(), file: InputFile.fromBuffer(data, "sixty.bin") });
    expect(f).toMatchObject({ chunksTotal: 12, chunksUploaded: 12, sizeOriginal: 60 * MiB, encryption: false });
    const res = await fetch(`${endpoint}${url(bucketId, f.$id, "download")}`, { headers: { "x-appwrite-key": project.key } });
    expect(res.headers.get("content-length")).toBe(String(60 * MiB));
    expect(sha(await res.arrayBuffer())).toBe(sha(data));
  });
});

describe("permissions (as for rows): bucket permissions, fileSecurity, users, guests, keys", () => {
  let alice: Client;
  let bob: Client;
  let aliceId: string;
  const guest = () => new Storage(project.guest());
  beforeAll(async () => {
    const users = new Users(project.server());
    const session = async (name: string) => {
      const u = await users.create({ userId: ID.unique(), email: `${name}-${Date.now()}@example.com`, password: "password1234", name });
      const s = await users.createSession({ userId: u.$id });
      return { id: u.$id, client: new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(s.secret) };
    };
    const a = await session("alice");
    const b = await session("bob");
    alice = a.client;
    aliceId = a.id;
    bob = b.client;
  });

  it("without fileSecurity only bucket permissions count", async () => {
    const bucketId = (await storage.createBucket({ bucketId: ID.unique(), name: "shared", permissions: [Permission.read(Role.users()), Permission.create(Role.users())] })).$id;
    const f = await new Storage(alice).createFile({ bucketId, fileId: ID.unique(), file: InputFile.fromBuffer(Buffer.from("hi"), "hi.txt") });
    expect(f.$permissions).toEqual([`read("user:${aliceId}")`, `update("user:${aliceId}")`, `delete("user:${aliceId}")`]);
    // Bob reads through the bucket; nobody but the key may update or delete (bucket grants neither; fileSecurity off).
    expect((await new Storage(bob).getFile({ bucketId, fileId: f.$id })).$id).toBe(f.$id);
    expect((await new Storage(bob).listFiles({ bucketId })).total).toBe(1);
    expect((await fail(new Storage(alice).updateFile({ bucketId, fileId: f.$id, name: "x" }))).type).toBe("user_unauthorized");
    expect((await fail(new Storage(alice).deleteFile({ bucketId, fileId: f.$id }))).type).toBe("user_unauthorized");
    const g = await fail(guest().getFile({ bucketId, fileId: f.$id }));
    expect([g.code, g.type]).toEqual([401, "user_unauthorized"]);
    expect((await fail(guest().createFile({ bucketId, fileId: ID.unique(), file: InputFile.fromBuffer(Buffer.from("x"), "x.txt") }))).code).toBe(401);
    // A user may not grant roles it does not hold.
    const grant = await fail(new Storage(alice).createFile({ bucketId, fileId: ID.unique(), file: InputFile.fromBuffer(Buffer.from("x"), "x.txt"), permissions: [Permission.read(Role.user("someone-else"))] }));
    expect([grant.code, grant.type]).toEqual([401, "user_unauthorized"]);
  });

  it("with fileSecurity a file's own permissions grant read/update/delete; lists are filtered in SQL", async () => {
    const bucketId = (await storage.createBucket({ bucketId: ID.unique(), name: "private", fileSecurity: true, permissions: [Permission.create(Role.users())] })).$id;
    const mine = await new Storage(alice).createFile({ bucketId, fileId: ID.unique(), file: InputFile.fromBuffer(Buffer.from("alice's"), "a.txt") });
    const open = await new Storage(alice).createFile({ bucketId, fileId: ID.unique(), file: InputFile.fromBuffer(Buffer.from("public"), "p.txt"), permissions: [Permission.read(Role.any()), Permission.update(Role.user(aliceId)), Permission.delete(Role.user(aliceId))] });

    expect((await new Storage(alice).listFiles({ bucketId })).total).toBe(2);
    const bobList = await new Storage(bob).listFiles({ bucketId });
    expect([bobList.total, bobList.files.map((f) => f.$id)]).toEqual([1, [open.$id]]);
    expect((await guest().listFiles({ bucketId })).files.map((f) => f.$id)).toEqual([open.$id]);
    expect((await storage.listFiles({ bucketId })).total).toBe(2); // the key sees everything

    const hidden = await fail(new Storage(bob).getFile({ bucketId, fileId: mine.$id }));
    expect([hidden.code, hidden.type]).toEqual([404, "storage_file_not_found"]);
    expect((await raw("GET", url(bucketId, mine.$id, "download"))).status).toBe(404);
    expect((await raw("GET", url(bucketId, open.$id, "download"))).text).toBe("public");

    const bobUpdate = await fail(new Storage(bob).updateFile({ bucketId, fileId: open.$id, name: "mine now" }));
    expect([bobUpdate.code, bobUpdate.type]).toEqual([401, "user_unauthorized"]);
    const bobDelete = await fail(new Storage(bob).deleteFile({ bucketId, fileId: mine.$id }));
    expect(bobDelete.type).toBe("user_unauthorized");
    expect((await new Storage(alice).updateFile({ bucketId, fileId: mine.$id, name: "renamed.txt" })).name).toBe("renamed.txt");
    await new Storage(alice).deleteFile({ bucketId, fileId: mine.$id });
    expect((await storage.listFiles({ bucketId })).total).toBe(1);
  });

  it("a disabled bucket looks not-found to users and guests, not to keys", async () => {
    const bucketId = (await storage.createBucket({ bucketId: ID.unique(), name: "off", enabled: false, permissions: [Permission.read(Role.any())] })).$id;
    await storage.createFile({ bucketId, fileId: "f", file: InputFile.fromBuffer(Buffer.from("x"), "x.txt") });
    const e = await fail(new Storage(alice).getFile({ bucketId, fileId: "f" }));
    expect([e.code, e.type]).toEqual([404, "storage_bucket_not_found"]);
    expect((await storage.getFile({ bucketId, fileId: "f" })).$id).toBe("f");
  });
});

describe("events", () => {
  it("file create/update/delete reach a realtime subscriber who may read the file, with the File model as payload", async () => {
    const users = new Users(project.server());
    const u = await users.create({ userId: ID.unique(), email: `ev-${Date.now()}@example.com`, password: "password1234" });
    const { secret } = await users.createSession({ userId: u.$id });
    const bucketId = (await storage.createBucket({ bucketId: ID.unique(), name: "events", fileSecurity: true })).$id;

    const { ws, frames, next } = await openRealtime(project.projectId, secret);
    try {
      await next("connected");
      ws.send(JSON.stringify({ type: "subscribe", data: [{ subscriptionId: "f", channels: [`buckets.${bucketId}.files`] }] }));
      expect((await next("response")).data.success).toBe(true);

      // Not readable by the subscriber (no file permission): created before the readable one, so never delivered first.
      await storage.createFile({ bucketId, fileId: "hidden", file: InputFile.fromBuffer(Buffer.from("x"), "hidden.txt") });
      await storage.createFile({ bucketId, fileId: "seen", file: InputFile.fromBuffer(Buffer.from("y"), "seen.txt"), permissions: [Permission.read(Role.user(u.$id))] });
      const created = await next("event");
      expect(created.data.events).toContain(`buckets.${bucketId}.files.seen.create`);
      expect(created.data.events).toContain(`buckets.*.files.*.create`);
      expect(created.data.channels).toEqual(expect.arrayContaining(["files", `buckets.${bucketId}.files`, `buckets.${bucketId}.files.seen`]));
      expect(created.data.payload).toMatchObject({ $id: "seen", bucketId, name: "seen.txt", chunksUploaded: 1 });

      await storage.updateFile({ bucketId, fileId: "seen", name: "renamed.txt" });
      const updated = await next("event");
      expect(updated.data.events).toContain(`buckets.${bucketId}.files.seen.update`);
      expect(updated.data.payload.name).toBe("renamed.txt");

      await storage.deleteFile({ bucketId, fileId: "seen" });
      const deleted = await next("event");
      expect(deleted.data.events).toContain(`buckets.${bucketId}.files.seen.delete`);
      expect(frames.filter((f) => f.type === "event")).toEqual([]);
    } finally {
      ws.close();
    }
  });
});

describe("project deletion", () => {
  it("removes the project's buckets and files (R2 objects included) without error", async () => {
    const p = await createProject("storage-delete");
    const s = new Storage(p.server());
    const bucketId = (await s.createBucket({ bucketId: ID.unique(), name: "doomed" })).$id;
    await s.createFile({ bucketId, fileId: "f", file: InputFile.fromBuffer(randomBytes(1000), "f.bin") });
    const fd = new FormData();
    fd.append("fileId", "partial");
    fd.append("file", new File([randomBytes(5 * MiB)], "p.bin"));
    await raw("POST", `/storage/buckets/${bucketId}/files`, { headers: { "x-appwrite-project": p.projectId, "x-appwrite-key": p.key, "content-range": `bytes 0-${5 * MiB - 1}/${11 * MiB}` }, body: fd });
    expect((await consoleCall("DELETE", `/projects/${p.projectId}`)).status).toBe(204);
    // The same project id, created again, starts with no buckets or files.
    expect((await consoleCall("POST", "/projects", { projectId: p.projectId, name: "again" })).status).toBe(201);
    const key = await consoleCall("POST", `/projects/${p.projectId}/keys`, { name: "k", scopes: ["buckets.read", "files.read"] });
    const fresh = new Client().setEndpoint(endpoint).setProject(p.projectId).setKey(key.json.secret);
    expect((await new Storage(fresh).listBuckets()).total).toBe(0);
  });
});
