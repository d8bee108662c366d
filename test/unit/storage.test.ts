import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { open } from "../../src/db/client";
import { fileParts, filePermissions, files } from "../../src/db/schema";
import { sweepAbandonedUploads } from "../../src/services/storage/cleanup";
import { protect, unprotect } from "../../src/services/storage/crypto";
import { detectMime } from "../../src/services/storage/mime";
import { eq } from "drizzle-orm";

describe("storage: abandoned chunked uploads", () => {
  it("the cron sweep aborts the R2 multipart upload and removes the file record, its parts and permissions", async () => {
    const db = open(env.DB);
    const key = "storage/unit/1/abandoned.bin.x";
    const mp = await env.BUCKET.createMultipartUpload(key);
    const part = await mp.uploadPart(1, new Uint8Array(5 * 1024 * 1024));
    const old = Date.now() - 2 * 24 * 3600 * 1000;
    const [row] = await db
      .insert(files)
      .values({ projectId: "unit", bucketSeq: 1, bucketId: "b", id: "abandoned", name: "a.bin", sizeOriginal: 11 * 1024 * 1024, chunksTotal: 3, chunksUploaded: 1, status: "pending", objectKey: key, uploadId: mp.uploadId, createdAt: old, updatedAt: old })
      .returning();
    await db.insert(fileParts).values({ file: row!.seq, part: 1, etag: part.etag, size: 5 * 1024 * 1024 });
    await db.insert(filePermissions).values({ item: row!.seq, action: "read", role: "any" });
    // A fresh upload is left alone.
    const [fresh] = await db
      .insert(files)
      .values({ projectId: "unit", bucketSeq: 1, bucketId: "b", id: "fresh", name: "f.bin", sizeOriginal: 11 * 1024 * 1024, chunksTotal: 3, status: "pending", objectKey: "storage/unit/1/fresh", uploadId: "u", createdAt: Date.now(), updatedAt: Date.now() })
      .returning();

    expect(await sweepAbandonedUploads(env)).toBe(1);
    expect(await db.select().from(files).where(eq(files.seq, row!.seq))).toEqual([]);
    expect(await db.select().from(fileParts).where(eq(fileParts.file, row!.seq))).toEqual([]);
    expect(await db.select().from(filePermissions).where(eq(filePermissions.item, row!.seq))).toEqual([]);
    expect((await db.select().from(files).where(eq(files.seq, fresh!.seq))).length).toBe(1);
    // The multipart upload is gone: it can no longer be completed.
    await expect(env.BUCKET.resumeMultipartUpload(key, mp.uploadId).complete([part])).rejects.toThrow();
  });
});

describe("storage: at-rest protection and mime detection", () => {
  it("gzip + AES-GCM round-trip; ciphertext is bound to its object key", async () => {
    const plain = new TextEncoder().encode("hello ".repeat(1000));
    const sealed = await protect(env, plain, "k1", { compression: "gzip", encryption: true });
    expect(sealed.algorithm).toBe("gzip");
    expect(sealed.cipher).toBe("aes-256-gcm");
    expect(sealed.data.byteLength).toBeLessThan(plain.byteLength);
    const file = { objectKey: "k1", cipher: sealed.cipher, iv: sealed.iv, algorithm: sealed.algorithm };
    expect(new TextDecoder().decode(await unprotect(env, sealed.data, file))).toBe("hello ".repeat(1000));
    await expect(unprotect(env, sealed.data, { ...file, objectKey: "k2" })).rejects.toThrow();
  });

  it("names types by content first, then extension", () => {
    expect(detectMime(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), "x.bin")).toBe("image/png");
    expect(detectMime(new TextEncoder().encode("<svg xmlns='…'></svg>"), "pic.png")).toBe("image/svg+xml");
    expect(detectMime(new TextEncoder().encode("a,b\n1,2"), "t.csv")).toBe("text/csv");
    expect(detectMime(new TextEncoder().encode("plain words"), "noext")).toBe("text/plain");
    expect(detectMime(Uint8Array.from([0, 1, 2, 255]), "noext")).toBe("application/octet-stream");
  });
});
