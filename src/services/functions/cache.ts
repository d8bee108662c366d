import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import type { Fn } from "../../db/schema";
import type { Build } from "./build";

/**
 * Per-isolate caches of the execution hot path, so a warm sync execution makes no D1 round trip before
 * it reaches the Dynamic Worker:
 * - runnable functions: the function row, its active ready deployment and its decrypted variables
 *   (with the worker-id digest), for RUNNABLE_TTL_MS. Every write in this isolate that changes them
 *   (function update/delete, deployment activate/delete, variable writes) drops the entry at once; other
 *   isolates see a change within RUNNABLE_TTL_MS, the same window as the API-key cache. Only runnable
 *   entries are cached: a missing, disabled-for-everyone or not-yet-built function is read again each time.
 * - builds: the parsed build.json of recent deployments (bounded), so a new worker for a known deployment
 *   (a variable changed, or the loader evicted it) does not read R2 again.
 */
export const RUNNABLE_TTL_MS = 5_000;
const MAX_FUNCTIONS = 500;
const MAX_BUILDS = 16;
const MAX_BUILD_CHARS = 4 * 1024 * 1024;

export interface Runnable {
  fn: Fn;
  deploymentId: string;
  /** User variables (project-wide, then the function's own), decrypted. */
  variables: Record<string, string>;
  at: number;
  /** Bumped by every invalidation of this function, so a load that raced a write is not cached. */
  epoch: number;
  /** The worker environment (variables + APPWRITE_FUNCTION_*) and worker id digest, filled on first run. */
  prepared?: Prepared;
}

export interface Prepared {
  env: Record<string, string>;
  outbound: boolean;
  digest: string;
}

const runnables = new Map<string, Runnable>();
const epochs = new Map<string, number>();
const projectEpochs = new Map<string, number>();
const keyOf = (projectId: string, functionId: string) => `${projectId}/${functionId}`;

/** The current invalidation epoch of a function (function-level + project-level counters). */
export function epochOf(projectId: string, functionId: string): number {
  return (epochs.get(keyOf(projectId, functionId)) ?? 0) + (projectEpochs.get(projectId) ?? 0);
}

export function cachedRunnable(projectId: string, functionId: string): Runnable | null {
  const k = keyOf(projectId, functionId);
  const hit = runnables.get(k);
  if (!hit) return null;
  if (Date.now() - hit.at >= RUNNABLE_TTL_MS || hit.epoch !== epochOf(projectId, functionId)) {
    runnables.delete(k);
    return null;
  }
  return hit;
}

/** Cache a runnable function loaded at `epoch` (from epochOf before the read); skipped if a write happened since. */
export function rememberRunnable(r: Runnable): void {
  if (r.epoch !== epochOf(r.fn.projectId, r.fn.id)) return;
  const k = keyOf(r.fn.projectId, r.fn.id);
  runnables.delete(k);
  runnables.set(k, r);
  if (runnables.size > MAX_FUNCTIONS) runnables.delete(runnables.keys().next().value!);
}

/** A function's configuration, deployment or variables changed (functionId omitted: every function of the project). */
export function invalidateFunction(projectId: string, functionId?: string): void {
  if (functionId === undefined) {
    projectEpochs.set(projectId, (projectEpochs.get(projectId) ?? 0) + 1);
    for (const k of [...runnables.keys()]) if (k.startsWith(`${projectId}/`)) runnables.delete(k);
    return;
  }
  const k = keyOf(projectId, functionId);
  epochs.set(k, (epochs.get(k) ?? 0) + 1);
  if (epochs.size > MAX_FUNCTIONS * 4) epochs.delete(epochs.keys().next().value!);
  runnables.delete(k);
}

/** Worker id suffix: one Dynamic Worker per (deployment, variables, outbound, runtime). */
export function workerDigest(vars: Record<string, string>, outbound: boolean, runtime: string): string {
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify([vars, outbound, runtime])))).slice(0, 16);
}

// ---- builds -------------------------------------------------------------------------------------

const builds = new Map<string, Build>();

export async function cachedBuild(deploymentId: string, read: () => Promise<{ build: Build; chars: number }>): Promise<Build> {
  const hit = builds.get(deploymentId);
  if (hit) return hit;
  const { build, chars } = await read();
  if (chars <= MAX_BUILD_CHARS) {
    builds.set(deploymentId, build);
    if (builds.size > MAX_BUILDS) builds.delete(builds.keys().next().value!);
  }
  return build;
}

export function forgetBuild(deploymentId: string): void {
  builds.delete(deploymentId);
}
