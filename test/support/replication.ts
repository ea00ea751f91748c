// The replication queue as the tests drive it: a batch handed straight to the Worker's queue()
// (as Queues would deliver it, with any attempt count) and what the consumer did with each
// message; messages built from a session's documents as its outbox builds them.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { ReplicaOf } from "../../durable-objects/replica-messages";
import worker from "../../src/index";
import { handleReplicationQueue } from "../../src/replication";
import { MESSAGE_FORMAT, type ReplicationMessageInput } from "../../src/replication/messages";
import { withDatabase } from "./db";
import { type Shopper, sessionStubOf } from "./sessions";
import { editStorage } from "./storage";

export const REPLICATION_QUEUE = "crosscart-replication";
export const DEAD_LETTER_QUEUE = "crosscart-replication-dlq";

/**
 * A Postgres that cannot be reached, for this call only: the same server, a database that does
 * not exist (SQLSTATE 3D000, not a data error: the consumer must treat it as transient). The
 * outage switch of support/db.ts is shared with the outage tests; this is not.
 */
export const unreachableDatabase = () => ({
  ...env,
  DATABASE_URL: env.DATABASE_URL.replace(/\/[^/?]+(\?|$)/, "/no_such_database$1"),
});

/**
 * Delivers `bodies` as one batch to the Worker's queue() and reports what it acked and retried.
 * With `hooks`, to the replication handler itself with those hooks instead (a shorter deadline,
 * an afterWrite of the test's own).
 */
export async function deliver(
  bodies: unknown[],
  options: { queue?: string; attempts?: number; env?: Env; hooks?: Parameters<typeof handleReplicationQueue>[2] } = {},
) {
  const batch = createMessageBatch(
    options.queue ?? REPLICATION_QUEUE,
    bodies.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: options.attempts ?? 1, body })),
  );
  const ctx = createExecutionContext();
  if (options.hooks) await handleReplicationQueue(batch, options.env ?? env, options.hooks);
  else await worker.queue(batch, options.env ?? env, ctx);
  const result = await getQueueResult(batch, ctx);
  const ids = batch.messages.map((message) => message.id);
  return { ...result, ids };
}

/** Replicas of one session as the outbox puts them on the queue: one message. */
export function messageOf(
  replicas: ReplicaOf | ReplicaOf[],
  sender: { companyId: string; sessionId: string; objectId?: string },
): ReplicationMessageInput {
  return {
    format: MESSAGE_FORMAT,
    objectId: sender.objectId ?? "0".repeat(64),
    companyId: sender.companyId,
    sessionId: sender.sessionId,
    resources: [replicas].flat().map(({ kind, resourceId, version, body }) => ({ kind, resourceId, version, body })),
  };
}

export interface DeadLetterRow {
  resource: string;
  resource_id: string;
  version: number;
  reason: string;
  sql_state: string | null;
  count: number;
  object_id: string | null;
  session_id: string | null;
  company_id: string | null;
}

/** The dead letters recorded for these resources. */
export function deadLettersFor(...resourceIds: string[]): Promise<DeadLetterRow[]> {
  return withDatabase(async (db) => {
    const { rows } = await db.$client.query<DeadLetterRow>(
      "SELECT * FROM replication_dead_letters WHERE resource_id = ANY($1::text[]) ORDER BY resource, resource_id",
      [resourceIds],
    );
    return rows;
  });
}

/**
 * Sets the stored wishlist's first note to `note` (a NUL in it: as a bug or an old object might
 * have; the API refuses such text at the edge) and bumps its version by `bump`. With `enqueue`
 * the new version waits in the outbox; without, it changes silently (as a fix in place would).
 */
export function rewriteWishlistNote(shopper: Shopper, note: string, bump: number, enqueue: boolean): Promise<number> {
  return editStorage(sessionStubOf(shopper), async (state) => {
    const sql = state.storage.sql;
    const row = sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = 'wishlist'").one();
    const wishlist = JSON.parse(row.body) as { version: number; state: { items: { note: string | null }[] } };
    wishlist.version += bump;
    const [first] = wishlist.state.items;
    if (first) first.note = note;
    sql.exec("UPDATE documents SET body = ? WHERE name = 'wishlist'", JSON.stringify(wishlist));
    if (enqueue) {
      sql.exec(
        "INSERT INTO outbox (resource, version, created_at) VALUES ('wishlist', ?, ?)",
        wishlist.version,
        Date.now(),
      );
      if ((await state.storage.getAlarm()) === null) await state.storage.setAlarm(Date.now() + 500);
    }
    return wishlist.version;
  });
}

/** A NUL in the stored wishlist's first note, as a new version waiting in the outbox. */
export const poisonWishlist = (shopper: Shopper) => rewriteWishlistNote(shopper, "bad\u0000note", 100, true);
