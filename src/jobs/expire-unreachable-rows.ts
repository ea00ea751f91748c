// Part of the daily safety net: replica rows still live well past their expiry that name no
// session at all — neither a customer id nor a token digest, as an erasure leaves them
// (docs/design.md, "Privacy", 76) — can be nudged by no one, so they are marked EXPIRED here,
// set-based, in batches. Only the status (and a session's expired_at): the version stays, so
// anything replicated later still lands. The analytics triggers mark their days as for any write.
import { type SQL, sql } from "drizzle-orm";
import { BATCH_SIZE } from "./batches";
import type { JobContext } from "./runtime";

const UNREACHABLE = sql.raw("customer_id IS NULL AND session_token_hash IS NULL");

export async function expireUnreachableRows(ctx: JobContext, dueBefore: string): Promise<void> {
  const carts = await updateInBatches(
    ctx,
    (limit) => sql`
      UPDATE carts SET status = 'EXPIRED' WHERE id IN (
        SELECT id FROM carts
         WHERE status IN ('ACTIVE', 'ABANDONED') AND expires_at < ${dueBefore}::timestamptz AND ${UNREACHABLE}
         ORDER BY expires_at, id LIMIT ${limit})
      AND status IN ('ACTIVE', 'ABANDONED')`,
  );
  const sessions = await updateInBatches(
    ctx,
    (limit) => sql`
      UPDATE cross_site_sessions SET status = 'EXPIRED', expired_at = coalesce(expired_at, expires_at) WHERE id IN (
        SELECT id FROM cross_site_sessions
         WHERE status = 'ACTIVE' AND expires_at < ${dueBefore}::timestamptz AND ${UNREACHABLE}
         ORDER BY expires_at, id LIMIT ${limit})
      AND status = 'ACTIVE'`,
  );
  ctx.counts.selected += carts + sessions;
  ctx.counts.changed += carts + sessions;
  ctx.extra.unreachableRowsExpired = carts + sessions;
}

/** Until a batch comes back short or the time is up: updated rows leave the set, so no keyset is needed. */
async function updateInBatches(ctx: JobContext, batch: (limit: number) => SQL): Promise<number> {
  let total = 0;
  while (ctx.budget.hasTime()) {
    const result = await ctx.db.execute(batch(BATCH_SIZE));
    const count = result.rowCount ?? 0;
    total += count;
    if (count < BATCH_SIZE) break;
  }
  return total;
}
