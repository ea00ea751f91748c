// Set-based work in keyset batches: the weekly jobs delete (or archive) the rows that are due
// a batch at a time, ordered by (the time the row became due, id), each batch one statement
// that reads only due rows through an index (migration 0011). No Durable Object is called per
// row, so a run costs statements in proportion to the rows due, never to the sessions alive.
// A run that meets its time budget stops after a batch; what it did is committed and the rows
// it did not reach are still due, so the next run simply continues with them.
import { type SQL, sql } from "drizzle-orm";
import type { JobContext } from "./runtime";

/** Rows per batch: one statement each. */
export const BATCH_SIZE = 1000;

/** Where a batch stopped: the due-time (as Postgres prints it, to the microsecond) and id of its last row. */
export interface Keyset {
  at: string;
  id: string;
}

export interface BatchTotals {
  /** rows the batches selected as due */
  selected: number;
  /** rows the batches deleted (selected rows changed since by someone else stay) */
  deleted: number;
  batches: number;
  /** false: the time budget stopped the run before the due rows ran out */
  complete: boolean;
}

/**
 * Runs `batch` from the first due row on, each batch after the last one's final row, until a
 * batch comes back short or the time budget is spent.
 */
export async function inBatches(
  ctx: JobContext,
  batch: (after: Keyset | undefined, limit: number) => Promise<{ selected: number; deleted: number; last?: Keyset }>,
  limit = BATCH_SIZE,
): Promise<BatchTotals> {
  const totals: BatchTotals = { selected: 0, deleted: 0, batches: 0, complete: true };
  let after: Keyset | undefined;
  for (;;) {
    if (!ctx.budget.hasTime()) {
      totals.complete = false;
      return totals;
    }
    const result = await batch(after, limit);
    totals.batches += 1;
    totals.selected += result.selected;
    totals.deleted += result.deleted;
    if (result.selected < limit || !result.last) return totals;
    after = result.last;
  }
}

export interface KeysetDelete {
  /** the table, as SQL (a constant name) */
  table: SQL;
  /** the row's due-time expression: the first key of the order (an index leads with it) */
  dueAt: SQL;
  /**
   * Which rows are due. Re-checked by the DELETE itself, so a row that changed since it was
   * read (a cart active again) stays. Unqualified columns of the table, never `id`.
   */
  due: SQL;
}

/** One batch of a keyset delete: at most `limit` due rows after `after`, deleted in one statement. */
export async function deleteBatch(
  ctx: JobContext,
  spec: KeysetDelete,
  after: Keyset | undefined,
  limit: number,
): Promise<{ selected: number; deleted: number; last?: Keyset }> {
  const from = after ? sql`AND (${spec.dueAt}, id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``;
  const result = await ctx.db.execute<{
    selected: number;
    deleted: number;
    last_at: string | null;
    last_id: string | null;
  }>(sql`
    WITH due AS (
      SELECT id, ${spec.dueAt} AS at FROM ${spec.table}
       WHERE ${spec.due} ${from}
       ORDER BY ${spec.dueAt}, id
       LIMIT ${limit}
    ), gone AS (
      DELETE FROM ${spec.table} USING due WHERE ${spec.table}.id = due.id AND ${spec.due} RETURNING 1
    ), last AS (
      SELECT at::text AS at, id::text AS id FROM due ORDER BY at DESC, id DESC LIMIT 1
    )
    SELECT (SELECT count(*) FROM due)::int AS selected, (SELECT count(*) FROM gone)::int AS deleted,
           (SELECT at FROM last) AS last_at, (SELECT id FROM last) AS last_id`);
  const row = result.rows[0];
  const selected = Number(row?.selected ?? 0);
  const deleted = Number(row?.deleted ?? 0);
  return row?.last_at && row.last_id
    ? { selected, deleted, last: { at: row.last_at, id: row.last_id } }
    : { selected, deleted };
}

/**
 * Deletes every due row in keyset batches and adds them to the run's counts: selected, deleted
 * (changed), and skipped — rows that changed between the read and the delete (a cart active
 * again) or went meanwhile. A run cut short by its time budget says so (budgetExhausted).
 */
export async function deleteDue(ctx: JobContext, spec: KeysetDelete): Promise<BatchTotals> {
  const totals = await inBatches(ctx, (after, limit) => deleteBatch(ctx, spec, after, limit));
  ctx.counts.selected += totals.selected;
  ctx.counts.changed += totals.deleted;
  ctx.counts.skipped += totals.selected - totals.deleted;
  ctx.extra.batches = Number(ctx.extra.batches ?? 0) + totals.batches;
  if (!totals.complete) ctx.budget.exhausted = true;
  return totals;
}
