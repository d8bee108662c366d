import { parseTar } from "nanotar";

/**
 * Reading a deployment's `code.tar.gz`. Gunzip with DecompressionStream (capped, so a small archive
 * cannot expand without bound), then nanotar (unjs, dependency-free, runs on workerd) for the tar
 * records: ustar, pax (`x`/`g`) and GNU long names; paths are normalised and `..` cannot climb out.
 */
export const MAX_UNPACKED = 64 * 1024 * 1024;

export class ArchiveError extends Error {}

export async function gunzip(data: ArrayBuffer | Uint8Array, max = MAX_UNPACKED): Promise<ArrayBuffer> {
  const reader = new Blob([data]).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) throw new ArchiveError(`The unpacked archive is larger than ${max / 1024 / 1024} MiB.`);
      parts.push(value);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError("The archive is not a valid gzip file.");
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out.buffer;
}

/** Regular files of a tar.gz, by normalised path (no leading `./` or `/`). */
export async function readTarGz(data: ArrayBuffer | Uint8Array): Promise<Map<string, Uint8Array>> {
  const tar = await gunzip(data);
  let items;
  try {
    items = parseTar(tar, { filter: (f) => f.type === "file" || f.type === "contiguousFile" || f.type === undefined });
  } catch {
    throw new ArchiveError("The archive is not a valid tar file.");
  }
  const files = new Map<string, Uint8Array>();
  for (const item of items) {
    const name = item.name.replace(/^(\.\/)+/, "");
    if (!name || name.endsWith("/")) continue;
    files.set(name, item.data ?? new Uint8Array());
  }
  return files;
}
