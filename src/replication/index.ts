// The Worker's `queue()` entry for replication: the replication queue and its dead-letter
// queue (wrangler.toml [[queues.consumers]]). One Postgres connection per batch, opened on
// first use and closed when the batch is done.
import { withDatabase } from "../db/with-database";
import { createLogger } from "../lib/logger";
import { type ConsumerDeps, consumeReplicationBatch } from "./consumer";
import { consumeDeadLetterBatch } from "./dead-letters";

/** The dead-letter queue's name ends so (crosscart-replication-dlq, …-staging-dlq). */
const isDeadLetterQueue = (queue: string) => queue.endsWith("-dlq");

export async function handleReplicationQueue(
  batch: MessageBatch<unknown>,
  env: Env,
  hooks: Pick<ConsumerDeps, "afterWrite" | "deadlineMs"> = {},
): Promise<void> {
  const log = createLogger({ component: "replication", queue: batch.queue });
  const started = Date.now();
  await withDatabase(env, async (db) => {
    if (isDeadLetterQueue(batch.queue)) {
      const recorded = await consumeDeadLetterBatch(batch, { db, log, deadlineMs: hooks.deadlineMs });
      metric(env, batch.queue, "dead-letter-queue", Date.now() - started, [batch.messages.length, recorded, 0, 0]);
      return;
    }
    const outcome = await consumeReplicationBatch(batch, {
      ...hooks,
      db,
      log,
      storedBody: async (key) => {
        const object = await env.ARCHIVE.get(key);
        return object ? JSON.parse(await object.text()) : null;
      },
    });
    metric(env, batch.queue, outcome.retried ? "retried" : "written", Date.now() - started, [
      batch.messages.length,
      outcome.written,
      outcome.deadLetters,
      outcome.retried,
    ]);
  });
}

/**
 * One data point per batch in the request metrics dataset (docs/operations.md): blob1 the
 * queue, blob2 the outcome; double1 duration (ms), double2 messages, double3 written, double4
 * dead letters, double5 retried.
 */
function metric(env: Env, queue: string, outcome: string, durationMs: number, counts: number[]): void {
  env.METRICS?.writeDataPoint({
    indexes: ["replication"],
    blobs: [`queue:${queue}`, outcome],
    doubles: [durationMs, ...counts],
  });
}
