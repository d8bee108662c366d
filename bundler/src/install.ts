import { parseTarGzip } from "nanotar";
import semver from "semver";

/**
 * `npm install` without npm: resolve every dependency range against the registry's packuments, fetch each
 * tarball once, and lay the packages out as npm would (hoisted to the top `node_modules/` where the name is
 * free, nested under the dependent where another version holds it). Packages the upload already carries in
 * `node_modules/` are used as they are. No install scripts run (none could: there is no shell).
 */
export type Files = Map<string, Uint8Array>;

export class InstallError extends Error {}

const MAX_PACKAGES = 300;
const MAX_BYTES = 64 * 1024 * 1024;
const dec = new TextDecoder();

interface Packument {
  "dist-tags"?: Record<string, string>;
  versions?: Record<string, { version: string; dependencies?: Record<string, string>; dist?: { tarball?: string } }>;
}

export function readJson(files: Files, path: string): Record<string, unknown> | null {
  const bytes = files.get(path);
  if (!bytes) return null;
  try {
    const v = JSON.parse(dec.decode(bytes));
    return v && typeof v === "object" && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

const deps = (pkg: Record<string, unknown> | null): [string, string][] => {
  const d = pkg?.dependencies;
  return d && typeof d === "object" ? Object.entries(d as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string") : [];
};

export async function install(files: Files, registry: string, log: (line: string) => void): Promise<number> {
  const root = readJson(files, "package.json");
  const wanted = deps(root);
  if (!wanted.length) return 0;
  const base = registry.replace(/\/+$/, "");
  const packuments = new Map<string, Promise<Packument>>();
  const packument = (name: string) => {
    let p = packuments.get(name);
    if (!p) {
      p = (async () => {
        const url = `${base}/${name.startsWith("@") ? "@" + encodeURIComponent(name.slice(1)) : encodeURIComponent(name)}`;
        const r = await fetch(url, { headers: { accept: "application/vnd.npm.install-v1+json, application/json" }, signal: AbortSignal.timeout(30_000) }).catch((e: Error) => {
          throw new InstallError(`Cannot reach the npm registry ${base} for ${name}: ${e.message}`);
        });
        if (r.status === 404) throw new InstallError(`Package ${name} is not in the registry ${base} (404).`);
        if (!r.ok) throw new InstallError(`The registry answered ${r.status} for ${name}.`);
        return (await r.json()) as Packument;
      })();
      packuments.set(name, p);
    }
    return p;
  };

  let installed = 0;
  let bytes = 0;
  // Breadth first, so top-level dependencies claim the hoisted places, as npm's tree does.
  const queue: { name: string; range: string; parentDir: string }[] = wanted.map(([name, range]) => ({ name, range, parentDir: "" }));
  const hoisted = new Map<string, string>(); // name → version at node_modules/<name>
  while (queue.length) {
    const { name, range, parentDir } = queue.shift()!;
    if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name)) throw new InstallError(`"${name}" is not a valid package name.`);
    // The upload's own node_modules wins (a vendored or pre-installed package).
    const own = `node_modules/${name}/package.json`;
    if (!parentDir && files.has(own)) {
      if (!hoisted.has(name)) {
        hoisted.set(name, String(readJson(files, own)?.version ?? "?"));
        log(`Using ${name}@${hoisted.get(name)} from the upload's node_modules.`);
      }
      continue;
    }
    const doc = await packument(name);
    const versions = Object.keys(doc.versions ?? {});
    // Own properties only: the range and the tag's value come from package.json and the registry.
    const tags = doc["dist-tags"] ?? {};
    const version = (Object.hasOwn(tags, range) ? tags[range] : undefined) ?? semver.maxSatisfying(versions, range || "*");
    const meta = version && doc.versions && Object.hasOwn(doc.versions, version) ? doc.versions[version] : undefined;
    if (!version || !meta) throw new InstallError(`No version of ${name} satisfies "${range}" (registry has ${versions.slice(-5).join(", ") || "none"}).`);
    // Where it goes: hoisted when free or already that version, else nested under its dependent.
    let dir: string;
    const top = hoisted.get(name);
    if (top !== undefined && (top === version || semver.satisfies(top, range || "*"))) continue; // deduped
    if (top === undefined) {
      dir = `node_modules/${name}`;
      hoisted.set(name, version);
    } else {
      dir = `${parentDir}/node_modules/${name}`;
      if (files.has(`${dir}/package.json`)) continue;
    }
    if (++installed > MAX_PACKAGES) throw new InstallError(`More than ${MAX_PACKAGES} packages to install.`);
    const tarball = meta.dist?.tarball;
    if (!tarball) throw new InstallError(`${name}@${version} has no tarball.`);
    const r = await fetch(tarball, { signal: AbortSignal.timeout(60_000) }).catch((e: Error) => {
      throw new InstallError(`Cannot fetch ${name}@${version}: ${e.message}`);
    });
    if (!r.ok) throw new InstallError(`Fetching ${name}@${version} answered ${r.status}.`);
    const gz = new Uint8Array(await r.arrayBuffer());
    let entries;
    try {
      entries = await parseTarGzip(gz);
    } catch {
      throw new InstallError(`The tarball of ${name}@${version} could not be read.`);
    }
    for (const e of entries) {
      if (!e.data || (e.type && e.type !== "file")) continue;
      // npm tarballs hold one top directory (usually package/); drop it and refuse escapes.
      const rel = e.name.split("/").slice(1).join("/");
      if (!rel || rel.split("/").some((s) => s === ".." || s === "")) continue;
      bytes += e.data.byteLength;
      if (bytes > MAX_BYTES) throw new InstallError(`The dependencies are larger than ${MAX_BYTES / 1024 / 1024} MiB unpacked.`);
      files.set(`${dir}/${rel}`, e.data);
    }
    log(`Installed ${name}@${version}${dir.split("node_modules").length > 2 ? ` (nested in ${parentDir})` : ""}.`);
    for (const [n, rg] of deps(readJson(files, `${dir}/package.json`))) queue.push({ name: n, range: rg, parentDir: dir });
  }
  return installed;
}
