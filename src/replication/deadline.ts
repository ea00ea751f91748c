// How long a replication batch may take before it is given up and retried (design 107).
import { settleWithin } from "../lib/settle-within";

/**
 * A batch normally takes well under a second, its connection included. One that waits on an
 * answer that never comes (a socket gone silent, a lock nobody releases) would otherwise hold its
 * consumer invocation until the platform's wall-clock limit and, on a local queue, every batch
 * behind it.
 */
export const BATCH_DEADLINE_MS = 60_000;

/**
 * What `work()` resolves with, or a rejection once `ms` passed. Work given up on runs on and
 * nothing waits for it: its connection is dropped when the batch's database closes.
 */
export async function withinDeadline<T>(work: () => Promise<T>, ms: number): Promise<T> {
  const running = (async () => ({ value: await work() }))();
  running.catch(() => {});
  const settled = await settleWithin(running, ms);
  if (!settled) throw new Error(`not done within ${ms} ms`);
  return settled.value;
}
