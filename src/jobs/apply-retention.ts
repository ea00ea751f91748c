// Weekly (runbook §6.2): ABANDONED carts go 90 days after they were abandoned; EXPIRED and
// MERGED cross-site sessions 30 days after they ended, together with what their session
// object still stores. (CONVERTED carts: archive-converted-carts.ts.)
import { and, inArray, lt, sql } from "drizzle-orm";
import { carts, crossSiteSessions } from "../db/schema";
import { byId, sessionOf, withinBounds } from "./replica-rows";
import { daysBefore, type Job, type JobContext, skip } from "./runtime";
import { PAGE_SIZE, sweep } from "./sweep";

export const ABANDONED_CART_RETENTION_DAYS = 90;
export const ENDED_SESSION_RETENTION_DAYS = 30;

export const applyRetention: Job = {
  name: "applyRetention",
  run: async (ctx: JobContext) => {
    await deleteAbandonedCarts(ctx);
    await deleteEndedSessions(ctx);
  },
};

/**
 * Plain deletes (items cascade), a page at a time, no session asked: by then the daily job
 * has normally expired the session (a site keeping carts longer than 90 days would still
 * hold it live, and a shopper coming back simply replicates it anew). A cart the daily job
 * expired after it was abandoned keeps its `abandoned_at` and counts as abandoned here.
 */
async function deleteAbandonedCarts(ctx: JobContext): Promise<void> {
  const abandonedBefore = daysBefore(ctx.now, ABANDONED_CART_RETENTION_DAYS);
  let deleted = 0;
  while (ctx.budget.hasTime()) {
    const due = ctx.db
      .select({ id: carts.id })
      .from(carts)
      .where(and(inArray(carts.status, ["ABANDONED", "EXPIRED"]), lt(carts.abandonedAt, abandonedBefore)))
      .orderBy(byId(carts.id))
      .limit(PAGE_SIZE);
    const rows = await ctx.db.delete(carts).where(inArray(carts.id, due)).returning({ id: carts.id });
    deleted += rows.length;
    if (rows.length < PAGE_SIZE) break;
  }
  ctx.counts.selected += deleted;
  ctx.counts.changed += deleted;
  ctx.extra.abandonedCartsDeleted = deleted;
}

async function deleteEndedSessions(ctx: JobContext): Promise<void> {
  const endedBefore = daysBefore(ctx.now, ENDED_SESSION_RETENTION_DAYS);
  const endedAt = sql`coalesce(case ${crossSiteSessions.status} when 'MERGED' then ${crossSiteSessions.mergedAt} else ${crossSiteSessions.expiredAt} end, ${crossSiteSessions.updatedAt})`;
  let deleted = 0;
  await sweep(ctx, {
    page: (bounds, limit) =>
      ctx.db
        .select({
          id: crossSiteSessions.id,
          companyId: crossSiteSessions.companyId,
          customerId: crossSiteSessions.customerId,
          sessionTokenHash: crossSiteSessions.sessionTokenHash,
        })
        .from(crossSiteSessions)
        .where(
          and(
            inArray(crossSiteSessions.status, ["EXPIRED", "MERGED"]),
            sql`${endedAt} < ${endedBefore.toISOString()}::timestamptz`,
            withinBounds(crossSiteSessions.id, bounds),
          ),
        )
        .orderBy(byId(crossSiteSessions.id))
        .limit(limit),
    visit: async (row) => {
      const session = await sessionOf(ctx, row);
      if (!session) return true;
      const result = await session.forget(row.id);
      // Pending replication: keep the row, so next week's run can still find the session.
      if (result.reason === "replication pending") {
        skip(ctx, result.reason);
        return false;
      }
      // A customer's object in use again (a new session since) keeps its state; the old row goes anyway.
      if (result.forgotten) ctx.extra.sessionsForgotten = Number(ctx.extra.sessionsForgotten ?? 0) + 1;
      return true;
    },
    settle: async (done) => {
      const rows = await ctx.db
        .delete(crossSiteSessions)
        .where(
          and(
            inArray(
              crossSiteSessions.id,
              done.map((row) => row.id),
            ),
            inArray(crossSiteSessions.status, ["EXPIRED", "MERGED"]),
          ),
        )
        .returning({ id: crossSiteSessions.id });
      deleted += rows.length;
      ctx.counts.changed += rows.length;
      ctx.counts.skipped += done.length - rows.length;
    },
    describe: (row) => ({ crossSiteSessionId: row.id, companyId: row.companyId }),
  });
  ctx.extra.sessionsDeleted = deleted;
}
