import type { Site } from "../../db/schema";
import type { Manifest } from "./build";

/**
 * Per-isolate cache of what serving a site needs: the site row, its live deployment's manifest and its decrypted
 * variables, for SITE_TTL_MS (a page view then costs one R2 read, or none on a 304). Writes in this isolate
 * (site update/delete, activation, variables) drop the entry at once; other isolates follow within the TTL.
 */
export const SITE_TTL_MS = 5_000;
const MAX = 500;

export interface Serving {
  site: Site;
  manifest: Manifest | null;
  variables: Record<string, string>;
  at: number;
  epoch: number;
}

const entries = new Map<string, Serving>();
const epochs = new Map<string, number>();
const key = (projectId: string, siteId: string) => `${projectId}/${siteId}`;

export const siteEpoch = (projectId: string, siteId: string) => (epochs.get(key(projectId, siteId)) ?? 0) + (epochs.get(projectId) ?? 0);

export function cachedSite(projectId: string, siteId: string): Serving | null {
  const hit = entries.get(key(projectId, siteId));
  if (!hit) return null;
  if (Date.now() - hit.at >= SITE_TTL_MS || hit.epoch !== siteEpoch(projectId, siteId)) {
    entries.delete(key(projectId, siteId));
    return null;
  }
  return hit;
}

export function rememberSite(s: Serving): void {
  if (s.epoch !== siteEpoch(s.site.projectId, s.site.id)) return;
  entries.set(key(s.site.projectId, s.site.id), s);
  if (entries.size > MAX) entries.delete(entries.keys().next().value!);
}

/** A site (siteId omitted: every site of the project, e.g. a project variable changed) changed. */
export function forgetSite(projectId: string, siteId?: string): void {
  const k = siteId === undefined ? projectId : key(projectId, siteId);
  epochs.set(k, (epochs.get(k) ?? 0) + 1);
  if (epochs.size > MAX * 4) epochs.delete(epochs.keys().next().value!);
  for (const e of [...entries.keys()]) if (siteId === undefined ? e.startsWith(`${projectId}/`) : e === k) entries.delete(e);
}
