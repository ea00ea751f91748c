// Replication dead letters: resources the consumer could not write, kept as identifiers only
// (table replication_dead_letters) for ops to list and replay. Three ways in: Postgres refused
// a message for good, a message did not decode, or Queues ran out of retries and moved it to
// the dead-letter queue (consumed here). A later successful write of the resource removes it.
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { replicationDeadLetters } from "../db/schema";
import type { Logger } from "../lib/logger";
import { BATCH_DEADLINE_MS, withinDeadline } from "./deadline";
import type { Transaction } from "./writer";

export interface DeadLetterInput {
  companyId: string | null;
  objectId: string | null;
  sessionId: string | null;
  resource: string;
  resourceId: string;
  version: number;
  reason: "refused" | "invalid-message" | "retries-exhausted";
  sqlState: string | null;
}

/** Records letters, one row per resource: a known one is counted again, at its newest version. */
export async function recordDeadLetters(tx: Transaction | Database, letters: DeadLetterInput[]): Promise<void> {
  if (letters.length === 0) return;
  // One row per resource in a single statement (ON CONFLICT cannot touch a row twice).
  const byResource = new Map<string, DeadLetterInput>();
  for (const letter of letters) {
    const key = `${letter.resource}:${letter.resourceId}`;
    const known = byResource.get(key);
    if (!known || known.version <= letter.version) byResource.set(key, letter);
  }
  const t = replicationDeadLetters;
  await tx
    .insert(t)
    .values([...byResource.values()])
    .onConflictDoUpdate({
      target: [t.resource, t.resourceId],
      set: {
        companyId: sql`coalesce(excluded.company_id, ${t.companyId})`,
        objectId: sql`coalesce(excluded.object_id, ${t.objectId})`,
        sessionId: sql`coalesce(excluded.session_id, ${t.sessionId})`,
        version: sql`excluded.version`,
        reason: sql`excluded.reason`,
        sqlState: sql`excluded.sql_state`,
        count: sql`${t.count} + 1`,
        lastSeenAt: sql`now()`,
        replayedAt: null,
      },
    });
}

/** The resources just written are healthy again: their letters go. */
export async function resolveDeadLetters(tx: Transaction, resourceIds: string[]): Promise<void> {
  if (resourceIds.length === 0) return;
  await tx.delete(replicationDeadLetters).where(inArray(replicationDeadLetters.resourceId, resourceIds));
}

/**
 * The dead-letter queue's consumer: messages that ran out of retries (Postgres unreachable for
 * longer than the retry schedule covers). Each becomes a letter for ops to replay; while
 * Postgres is still down the batch waits and is tried again (the queue keeps it).
 */
export async function consumeDeadLetterBatch(
  batch: MessageBatch<unknown>,
  deps: { db: () => Database; log: Logger; deadlineMs?: number },
): Promise<number> {
  const letters = batch.messages.flatMap((message) => lettersFromMessage(message, "retries-exhausted"));
  try {
    // Bounded like a replication batch (design 107): a write that never answers is retried.
    await withinDeadline(() => recordDeadLetters(deps.db(), letters), deps.deadlineMs ?? BATCH_DEADLINE_MS);
  } catch (error) {
    for (const message of batch.messages) message.retry({ delaySeconds: 60 });
    deps.log.error("replication dead letters could not be recorded; retried later", {
      messages: batch.messages.length,
      error,
    });
    return 0;
  }
  for (const letter of letters) deps.log.error("replication dead letter", { ...letter });
  batch.ackAll();
  return letters.length;
}

/**
 * Letters from what a message says about itself — its identifiers, never its content: one per
 * resource it names. One that names none readably is recorded as an invalid message under the
 * queue's message id.
 */
export function lettersFromMessage(message: Message<unknown>, reason: DeadLetterInput["reason"]): DeadLetterInput[] {
  const record = (value: unknown) =>
    (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === "string" && value.length <= 200 ? value : null);
  const body = record(message.body);
  const sender = { companyId: text(body.companyId), objectId: text(body.objectId), sessionId: text(body.sessionId) };
  const entries = (Array.isArray(body.resources) ? body.resources : []).slice(0, 100).map(record);
  const letters = entries.flatMap((entry): DeadLetterInput[] => {
    const resource = text(entry.kind);
    const resourceId = text(entry.resourceId);
    if (!resource || !resourceId) return [];
    const version = Number.isSafeInteger(entry.version) ? (entry.version as number) : 0;
    return [{ ...sender, resource, resourceId, version, reason, sqlState: null }];
  });
  if (letters.length > 0) return letters;
  return [
    { ...sender, resource: "message", resourceId: message.id, version: 0, reason: "invalid-message", sqlState: null },
  ];
}

/** A company's letters, the most recently seen first. */
export function listDeadLetters(db: Database, companyId: string, limit: number) {
  return db
    .select()
    .from(replicationDeadLetters)
    .where(eq(replicationDeadLetters.companyId, companyId))
    .orderBy(desc(replicationDeadLetters.lastSeenAt))
    .limit(limit);
}

/** Notes that ops asked these objects to send their resources again. */
export async function markReplayed(db: Database, companyId: string, objectIds: string[]): Promise<void> {
  if (objectIds.length === 0) return;
  const t = replicationDeadLetters;
  await db
    .update(t)
    .set({ replayedAt: sql`now()` })
    .where(and(eq(t.companyId, companyId), inArray(t.objectId, objectIds)));
}
