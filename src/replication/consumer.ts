// The replication queue's consumer: a whole batch in one Postgres transaction over one
// connection. A resource version Postgres refuses for good never holds the others: the batch is
// retried resource by resource under savepoints, the refused ones become dead letters (in the
// same transaction) and the rest commit. A transient failure (connection, timeout) retries the
// batch later with backoff; after the retry limit Queues moves it to the dead-letter queue. A
// batch that has not finished by its deadline is given up and retried the same way (design 107).
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { sqlStateOf } from "../db/errors";
import type { Logger } from "../lib/logger";
import { type DeadLetterInput, lettersFromMessage, recordDeadLetters, resolveDeadLetters } from "./dead-letters";
import { BATCH_DEADLINE_MS, withinDeadline } from "./deadline";
import {
  ReplicaBody,
  type ReplicaBodyRows,
  ReplicationMessage,
  type ReplicationMessageDecoded,
  type ResourceEntryDecoded,
} from "./messages";
import { type Transaction, writeReplicas } from "./writer";

/** SQLSTATE classes no retry can fix: 22 data exceptions, 23 integrity constraint violations. */
const PERMANENT_SQLSTATE_CLASSES = new Set(["22", "23"]);
/** Longest wait before a transient failure is retried (Queues allows up to 12 h). */
const MAX_RETRY_DELAY_SECONDS = 300;

/**
 * Postgres' side of the same bound, for the batch's transaction only: no statement runs longer
 * than 30 s, a transaction left open and idle is ended after 30 s, and a client that went away
 * is noticed within a second even by a statement that waits (Postgres otherwise only notices
 * when it next writes to the socket: a batch given up while it waited for a lock would wait on,
 * and then hold that lock, until its statement timeout). So a given-up batch's locks go with it.
 */
const BOUNDED_TRANSACTION = sql`SELECT set_config('statement_timeout', '30s', true),
  set_config('idle_in_transaction_session_timeout', '30s', true),
  set_config('client_connection_check_interval', '1s', true)`;

const isPermanent = (sqlState: string | undefined): sqlState is string =>
  sqlState !== undefined && PERMANENT_SQLSTATE_CLASSES.has(sqlState.slice(0, 2));

/**
 * Seconds before the n-th delivery attempt is retried: doubling from 2 s up to 5 min, with
 * equal jitter, so a recovering Postgres is not met by every batch at once.
 */
export function retryDelaySeconds(attempts: number, random = Math.random()): number {
  const ceiling = Math.min(2 ** Math.min(attempts, 12), MAX_RETRY_DELAY_SECONDS);
  return Math.max(1, Math.round(ceiling / 2 + (ceiling / 2) * random));
}

/** One resource version of a message, decoded: what the consumer writes. */
interface Decoded {
  sender: ReplicationMessageDecoded;
  entry: ResourceEntryDecoded;
  body: ReplicaBodyRows;
}

export interface ConsumerDeps {
  db: () => Database;
  /** Reads a body that travelled through R2 (too large for a message); null when it is gone. */
  storedBody: (key: string) => Promise<unknown>;
  log: Logger;
  /**
   * Runs in the batch's transaction once its rows are written, with the companies whose rows
   * were: the app passes the analytics rollups' refresh (src/modules/analytics), which
   * replication itself knows nothing of.
   */
  afterWrite?: (execute: (query: SQL) => Promise<Record<string, unknown>[]>, companyIds: string[]) => Promise<unknown>;
  /** BATCH_DEADLINE_MS unless a test shortens it */
  deadlineMs?: number;
}

export interface BatchOutcome {
  written: number;
  superseded: number;
  deadLetters: number;
  retried: number;
}

export async function consumeReplicationBatch(batch: MessageBatch<unknown>, deps: ConsumerDeps): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { written: 0, superseded: 0, deadLetters: 0, retried: 0 };
  const letters: DeadLetterInput[] = [];
  const decoded: Decoded[] = [];
  try {
    for (const message of batch.messages) {
      const result = await decode(message, deps);
      letters.push(...result.letters);
      decoded.push(...result.decoded);
      outcome.superseded += result.gone;
    }
  } catch (error) {
    // R2 unreachable: nothing was written; everything comes back later.
    return retryAll(batch.messages, deps.log, error, outcome);
  }

  // Only the newest version of each resource is written; older ones in the batch are superseded.
  const newest = new Map<string, Decoded>();
  for (const item of decoded) {
    const key = `${item.entry.kind}:${item.entry.resourceId}`;
    const known = newest.get(key);
    if (!known || known.entry.version < item.entry.version) newest.set(key, item);
  }
  const toWrite = [...newest.values()];
  if (toWrite.length === 0 && letters.length === 0) {
    // Only bodies gone with their resources: nothing to write, no connection to open.
    batch.ackAll();
    return outcome;
  }
  try {
    outcome.written = await withinDeadline(
      () =>
        deps.db().transaction(async (tx) => {
          await tx.execute(BOUNDED_TRANSACTION);
          const refused = await writeIsolated(tx, toWrite);
          for (const { item, sqlState } of refused) letters.push(letterOf(item, "refused", sqlState));
          const refusedSet = new Set(refused.map((entry) => entry.item));
          const written = toWrite.filter((item) => !refusedSet.has(item));
          await resolveDeadLetters(
            tx,
            written.map((item) => item.entry.resourceId),
          );
          await recordDeadLetters(tx, letters);
          if (deps.afterWrite) await afterWrite(tx, written, deps.afterWrite, deps.log);
          return written.length;
        }),
      // Given up, its transaction is rolled back when the connection drops; had it committed after
      // all, the retried batch's version-guarded writes would change nothing.
      deps.deadlineMs ?? BATCH_DEADLINE_MS,
    );
  } catch (error) {
    return retryAll(batch.messages, deps.log, error, outcome);
  }
  for (const letter of letters) deps.log.error("replication dead letter", { ...letter });
  outcome.deadLetters = letters.length;
  outcome.superseded += decoded.length - toWrite.length;
  batch.ackAll();
  return outcome;
}

/**
 * The whole batch under one savepoint; if Postgres refuses it for good, each resource version
 * under its own savepoint, so only the refused ones are left out. A transient error propagates.
 */
async function writeIsolated(tx: Transaction, items: Decoded[]): Promise<{ item: Decoded; sqlState: string }[]> {
  if (items.length === 0) return [];
  try {
    await tx.transaction((sp) =>
      writeReplicas(
        sp,
        items.map((item) => item.body),
      ),
    );
    return [];
  } catch (error) {
    if (!isPermanent(sqlStateOf(error))) throw error;
  }
  const refused: { item: Decoded; sqlState: string }[] = [];
  for (const item of items) {
    try {
      await tx.transaction((sp) => writeReplicas(sp, [item.body]));
    } catch (error) {
      const sqlState = sqlStateOf(error);
      if (!isPermanent(sqlState)) throw error;
      refused.push({ item, sqlState });
    }
  }
  return refused;
}

/**
 * The `afterWrite` hook (the analytics rollups of the days this batch touched, which the app
 * recomputes at most every 30 s per company: design 106), in the batch's own transaction, so
 * what it recomputes commits with the rows. Under a savepoint, and never a reason to hold the
 * rows back: whatever stops it (Postgres refusing it, the statement timeout on a very large day)
 * is rolled back to the savepoint, the rollups' marks stay, and the next analytics read
 * recomputes them. A connection that broke fails the commit next, and the batch is retried.
 */
async function afterWrite(
  tx: Transaction,
  written: Decoded[],
  hook: NonNullable<ConsumerDeps["afterWrite"]>,
  log: Logger,
): Promise<void> {
  const companies = [...new Set(written.map((item) => item.body.row.companyId))];
  if (companies.length === 0) return;
  // Opened with the hook's first query, not before it (drizzle's nested transaction opens its
  // savepoint up front): most batches find no company due (design 106), and an unused
  // savepoint would still cost them two round trips.
  let opened = false;
  const execute = async (query: SQL) => {
    if (!opened) {
      await tx.execute(sql`SAVEPOINT after_write`);
      opened = true;
    }
    return (await tx.execute(query)).rows;
  };
  try {
    await hook(execute, companies);
    if (opened) await tx.execute(sql`RELEASE SAVEPOINT after_write`);
  } catch (error) {
    // A rollback that fails too means the connection broke: that fails the batch, retried.
    if (opened) await tx.execute(sql`ROLLBACK TO SAVEPOINT after_write`);
    log.error("replication afterWrite failed; the batch is written without it", { sqlState: sqlStateOf(error), error });
  }
}

interface DecodeResult {
  decoded: Decoded[];
  letters: DeadLetterInput[];
  /** resources whose R2 body is gone with the resource: nothing left to write */
  gone: number;
}

/** A message's resource versions, each decoded; what does not decode is a letter. */
async function decode(message: Message<unknown>, deps: ConsumerDeps): Promise<DecodeResult> {
  const result: DecodeResult = { decoded: [], letters: [], gone: 0 };
  const envelope = ReplicationMessage.safeParse(message.body);
  if (!envelope.success) {
    result.letters.push(...lettersFromMessage(message, "invalid-message"));
    return result;
  }
  const sender = envelope.data;
  for (const entry of sender.resources) {
    let body: unknown = entry.body;
    if (entry.stored) {
      body = await deps.storedBody(entry.stored);
      if (body === null) {
        result.gone++;
        continue;
      }
    }
    const parsed = ReplicaBody.safeParse(body);
    if (!parsed.success) {
      // Where it failed (paths and issue codes), never the values.
      const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join(".")}: ${issue.code}`);
      deps.log.warn("replication message does not decode", { resourceId: entry.resourceId, problems });
      result.letters.push(letterOf({ sender, entry }, "invalid-message"));
    } else if (parsed.data.kind !== entry.kind || parsed.data.row.id !== entry.resourceId) {
      result.letters.push(letterOf({ sender, entry }, "invalid-message"));
    } else result.decoded.push({ sender, entry, body: parsed.data });
  }
  return result;
}

function letterOf(
  { sender, entry }: Pick<Decoded, "sender" | "entry">,
  reason: DeadLetterInput["reason"],
  sqlState: string | null = null,
): DeadLetterInput {
  const { companyId, objectId, sessionId } = sender;
  const { kind, resourceId, version } = entry;
  return { companyId, objectId, sessionId, resource: kind, resourceId, version, reason, sqlState };
}

function retryAll(messages: readonly Message<unknown>[], log: Logger, error: unknown, outcome: BatchOutcome) {
  for (const message of messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  log.warn("replication batch failed; retried later", { messages: messages.length, error });
  outcome.retried = messages.length;
  return outcome;
}
