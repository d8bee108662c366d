import { AppwriteError } from "../../core/errors";
import { isValidId, uniqueId } from "../../core/ids";

/**
 * The chunked tar.gz upload that function and site deployments share (the SDKs' 5 MiB chunks, up to 8 in
 * flight, `content-range` + `x-appwrite-id`): the range check, where a chunk belongs, and the assembly of the
 * whole archive in R2 once every chunk is there. The deployment rows stay with their service.
 */
export const CHUNK_SIZE = 5 * 1024 * 1024;
export const SIZE_LIMIT = 30_000_000;

export interface ChunkInfo {
  /** The upload's deployment id (`x-appwrite-id`, or a new one for the first chunk). */
  id: string;
  size: number;
  chunk: number;
  chunksTotal: number;
}

/** The archive field: a File named *.gz / *.tgz. */
export function archiveFile(code: unknown): File {
  if (!(code instanceof File)) throw new AppwriteError("storage_file_empty", "No file sent");
  if (!/\.(gz|tgz)$/i.test(code.name)) throw new AppwriteError("storage_file_type_unsupported");
  return code;
}

/** A `content-range` chunk's place in its upload (Appwrite's rules and errors). */
export function chunkOf(range: string, appwriteId: string | undefined): ChunkInfo {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range.trim());
  if (!m) throw new AppwriteError("storage_invalid_content_range");
  const [start, end, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (end > size || start > end) throw new AppwriteError("storage_invalid_content_range");
  if (size > SIZE_LIMIT) throw new AppwriteError("deployment_invalid_file_size");
  const id = appwriteId || uniqueId();
  if (!isValidId(id)) throw new AppwriteError("storage_invalid_appwrite_id");
  return { id, size, chunk: Math.floor(start / CHUNK_SIZE) + 1, chunksTotal: Math.ceil(size / CHUNK_SIZE) || 1 };
}

/** Join chunks 1..total into `dest` and drop them. */
export async function assembleChunks(bucket: R2Bucket, chunkKey: (n: number) => string, total: number, dest: string): Promise<void> {
  const parts: ArrayBuffer[] = [];
  for (let n = 1; n <= total; n++) {
    const obj = await bucket.get(chunkKey(n));
    if (!obj) throw new AppwriteError("storage_invalid_content_range");
    parts.push(await obj.arrayBuffer());
  }
  await bucket.put(dest, new Uint8Array(await new Blob(parts).arrayBuffer()));
  await bucket.delete(Array.from({ length: total }, (_, i) => chunkKey(i + 1)));
}

/** A SQL expression adding chunk number `n` to a JSON array column, atomically (chunks arrive concurrently). */
export const withChunk = (column: string, n: number) => `(SELECT json_group_array(value) FROM (SELECT value FROM json_each(${column}) UNION SELECT ${Math.trunc(n)} ORDER BY 1))`;
