import type { DB } from "../../db/client";
import type { FnExecution } from "../../db/schema";
import { scheduleDispatch } from "../../events/outbox";
import { executionEvent, insertExecution } from "./execute";

/**
 * Write-behind for finished synchronous executions (the API route and the HTTP route). The caller gets
 * its answer as soon as the function returns; the execution row and its `create` event are stored
 * shortly after, as Appwrite does (it persists executions asynchronously too). Rows finished within
 * FLUSH_MS of each other in this isolate share one D1 batch (row + event per execution, atomic) and one
 * dispatcher kick, so a burst of executions does not queue a D1 write and an outbox pass behind every
 * response.
 *
 * The flush runs in the waitUntil of the request that opened the window (the runtime keeps that request
 * alive until it is done); later requests of the window only add their rows. Reads of executions in
 * this isolate call `settleExecutions` first, so a client sees its own execution right after the call.
 */
export const FLUSH_MS = 50;
const MAX_BUFFER = 40;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let buffer: FnExecution[] = [];
let armed = false;
let inflight = 0;

type WaitUntil = { waitUntil(p: Promise<unknown>): void };

export function persistExecution(env: Env, ctx: WaitUntil, db: DB, execution: FnExecution): void {
  buffer.push(execution);
  if (buffer.length >= MAX_BUFFER) {
    ctx.waitUntil(flush(db).then((stored) => (stored ? dispatch(env) : undefined)));
    return;
  }
  if (armed) return;
  armed = true;
  ctx.waitUntil(
    sleep(FLUSH_MS).then(async () => {
      armed = false;
      if (await flush(db)) await dispatch(env);
    }),
  );
}

async function dispatch(env: Env): Promise<void> {
  const pending: Promise<unknown>[] = [];
  scheduleDispatch(env, { waitUntil: (p) => pending.push(p) });
  await Promise.all(pending);
}

/** Store the buffered rows; true when something was stored. */
async function flush(db: DB): Promise<boolean> {
  if (!buffer.length) return false;
  const rows = buffer;
  buffer = [];
  inflight++;
  let stored = false;
  try {
    const statements = rows.flatMap((e) => [insertExecution(db, e), executionEvent(db, e, "create")]);
    for (let attempt = 1; attempt <= 2 && !stored; attempt++) {
      try {
        await db.batch(statements as unknown as Parameters<DB["batch"]>[0]);
        stored = true;
      } catch (e) {
        if (attempt === 2) console.error(`functions: ${rows.length} finished execution(s) could not be stored`, (e as Error)?.message);
        else await sleep(20);
      }
    }
  } finally {
    inflight--;
  }
  return stored;
}

/** Store this isolate's buffered executions now and wait for any batch in flight (read-your-writes). */
export async function settleExecutions(env: Env, ctx: WaitUntil, db: DB): Promise<void> {
  if (buffer.length && (await flush(db))) scheduleDispatch(env, ctx);
  for (let i = 0; inflight > 0 && i < 200; i++) await sleep(5);
}
