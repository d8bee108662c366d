// Storage throughput: upload and download MB/s for 1 MiB and 20 MiB files through the Appwrite API
// (node-appwrite's own upload path: one request ≤ 5 MiB, else concurrent 5 MiB chunks), beside raw
// R2 put/get of the same bytes in the floor worker. Bounded loops; sequential requests.
// BENCH_STORAGE_SMALL (default 20) and BENCH_STORAGE_LARGE (default 3) set the iteration counts.
import { randomBytes } from "node:crypto";
import { Client, ID, Storage } from "node-appwrite";
import { InputFile } from "node-appwrite/file";

const MiB = 1024 * 1024;
const SMALL = Number(process.env.BENCH_STORAGE_SMALL ?? 20);
const LARGE = Number(process.env.BENCH_STORAGE_LARGE ?? 3);

async function timed(n, fn) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return (performance.now() - t0) / 1000;
}

const CHUNK = 5 * 1024 * 1024;

export default async function (ctx) {
  const { projectId, key } = ctx.project;
  const storage = new Storage(new Client().setEndpoint(ctx.api).setProject(projectId).setKey(key));
  const headers = { "x-appwrite-project": projectId, "x-appwrite-key": key };
  const plain = await storage.createBucket({ bucketId: ID.unique(), name: "bench", encryption: false, compression: "none" });
  const sealed = await storage.createBucket({ bucketId: ID.unique(), name: "bench-encrypted", encryption: true, compression: "gzip" });

  const mbps = (bytes, n, seconds) => (bytes * n) / MiB / seconds;
  const row = (label, api, floor) => ctx.row(label, floor ? { "API MB/s": api, "floor MB/s": floor, "ratio %": (api / floor) * 100 } : { "API MB/s": api });

  for (const [size, n, label] of [
    [1 * MiB, SMALL, "1 MiB"],
    [20 * MiB, LARGE, "20 MiB"],
  ]) {
    const data = randomBytes(size);
    const ids = [];
    if (size <= MiB) {
      // Warm both upload paths once (untimed).
      await storage.createFile({ bucketId: plain.$id, fileId: ID.unique(), file: InputFile.fromBuffer(data, "warm.bin") });
      await (await fetch(`${ctx.floor}/storage/object?key=warm`, { method: "PUT", body: data })).arrayBuffer();
    }
    const up = await timed(n, async () => {
      const f = await storage.createFile({ bucketId: plain.$id, fileId: ID.unique(), file: InputFile.fromBuffer(data, "bench.bin") });
      ids.push(f.$id);
    });
    const floorUp = await timed(n, async (i) => {
      const r = await fetch(`${ctx.floor}/storage/object?key=bench-${size}-${i}`, { method: "PUT", body: data });
      if (!r.ok) throw new Error(`floor put ${r.status}`);
      await r.arrayBuffer();
    });
    row(`upload ${label} (×${n})`, mbps(size, n, up), mbps(size, n, floorUp));

    // One untimed read each side first: the first read of a run pays cold-start costs on both.
    await (await fetch(`${ctx.api}/storage/buckets/${plain.$id}/files/${ids[0]}/download`, { headers })).arrayBuffer();
    await (await fetch(`${ctx.floor}/storage/object?key=bench-${size}-0`)).arrayBuffer();
    const down = await timed(n, async (i) => {
      const r = await fetch(`${ctx.api}/storage/buckets/${plain.$id}/files/${ids[i]}/download`, { headers });
      if ((await r.arrayBuffer()).byteLength !== size) throw new Error("short download");
    });
    const floorDown = await timed(n, async (i) => {
      const r = await fetch(`${ctx.floor}/storage/object?key=bench-${size}-${i}`);
      if ((await r.arrayBuffer()).byteLength !== size) throw new Error("short floor download");
    });
    row(`download ${label} (×${n})`, mbps(size, n, down), mbps(size, n, floorDown));

    if (size > CHUNK) {
      // The chunked protocol stores a large file as an R2 multipart object (one part per 5 MiB chunk), and local
      // R2 reads such objects several times slower than single-PUT ones. This floor stores the same layout.
      const mpUp = await timed(n, async (i) => {
        const r = await fetch(`${ctx.floor}/storage/multipart?key=mp-${size}-${i}`, { method: "PUT", body: data });
        if (!r.ok) throw new Error(`floor multipart put ${r.status}`);
        await r.arrayBuffer();
      });
      row(`upload ${label} (×${n}) vs floor with the same multipart layout`, mbps(size, n, up), mbps(size, n, mpUp));
      await (await fetch(`${ctx.floor}/storage/object?key=mp-${size}-0`)).arrayBuffer();
      const mpDown = await timed(n, async (i) => {
        const r = await fetch(`${ctx.floor}/storage/object?key=mp-${size}-${i}`);
        if ((await r.arrayBuffer()).byteLength !== size) throw new Error("short floor download");
      });
      row(`download ${label} (×${n}) vs floor with the same multipart layout`, mbps(size, n, down), mbps(size, n, mpDown));
    }
  }

  // The cost of at-rest protection (gzip + AES-GCM) on 1 MiB of random bytes, API only.
  const data = randomBytes(MiB);
  const ids = [];
  const up = await timed(SMALL, async () => ids.push((await storage.createFile({ bucketId: sealed.$id, fileId: ID.unique(), file: InputFile.fromBuffer(data, "bench.bin") })).$id));
  const down = await timed(SMALL, async (i) => {
    const r = await fetch(`${ctx.api}/storage/buckets/${sealed.$id}/files/${ids[i]}/download`, { headers });
    await r.arrayBuffer();
  });
  row(`upload 1 MiB gzip+encrypted (×${SMALL})`, mbps(MiB, SMALL, up));
  row(`download 1 MiB gzip+encrypted (×${SMALL})`, mbps(MiB, SMALL, down));

  await storage.deleteBucket({ bucketId: plain.$id });
  await storage.deleteBucket({ bucketId: sealed.$id });
}
