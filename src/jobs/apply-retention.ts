// Weekly (runbook §6.2): ABANDONED carts go 90 days after they were abandoned; EXPIRED and
// MERGED cross-site sessions 30 days after they ended. (CONVERTED carts:
// archive-converted-carts.ts.) Set-based: keyset batches of plain DELETEs (items cascade), no
// session object asked — each session forgets itself on its own alarm after retention, and
// the rows here are only its replica. Tombstones of erased sessions (erased_sessions) are not
// touched: they must outlive the rows, so a late message cannot bring a session back.
import { sql } from "drizzle-orm";
import { ENDED_AT } from "../db/schema";
import { ENDED_SESSION_RETENTION_DAYS } from "../domain/lifecycle";
import { deleteDue } from "./batches";
import { daysBefore, type Job, type JobContext } from "./runtime";

export const ABANDONED_CART_RETENTION_DAYS = 90;

export const applyRetention: Job = {
  name: "applyRetention",
  usesCalls: false,
  run: async (ctx: JobContext) => {
    await deleteAbandonedCarts(ctx);
    await deleteEndedSessions(ctx);
  },
};

/**
 * A cart the session expired after it was abandoned keeps its `abandoned_at` and counts as
 * abandoned here (the index carts_abandoned_at_id_idx holds exactly these two statuses).
 */
async function deleteAbandonedCarts(ctx: JobContext): Promise<void> {
  const before = daysBefore(ctx.now, ABANDONED_CART_RETENTION_DAYS).toISOString();
  const { deleted } = await deleteDue(ctx, {
    table: sql.raw("carts"),
    dueAt: sql.raw("abandoned_at"),
    due: sql`status IN ('ABANDONED', 'EXPIRED') AND abandoned_at < ${before}::timestamptz`,
  });
  ctx.extra.abandonedCartsDeleted = deleted;
}

/** Through cross_site_sessions_ended_at_id_idx, on the same expression. */
async function deleteEndedSessions(ctx: JobContext): Promise<void> {
  const before = daysBefore(ctx.now, ENDED_SESSION_RETENTION_DAYS).toISOString();
  const { deleted } = await deleteDue(ctx, {
    table: sql.raw("cross_site_sessions"),
    dueAt: sql`(${ENDED_AT})`,
    due: sql`status IN ('EXPIRED', 'MERGED') AND (${ENDED_AT}) < ${before}::timestamptz`,
  });
  ctx.extra.sessionsDeleted = deleted;
}
