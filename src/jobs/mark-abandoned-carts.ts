// Hourly (runbook §6.1), a safety net: each session abandons its own cart on its alarm; this
// job finds only carts whose replica is still ACTIVE, with items, well past the time they
// were due to be abandoned (their `expires_at`, last activity + the site's
// cartExpirationDays, plus ABANDON_GRACE_MS) and nudges their sessions, at most
// SAFETY_NET_CALL_BUDGET per run. Each session decides against its own last activity and
// replicates the change (docs/design.md, "Lifecycle jobs").
import { and, eq, gt, lt, sql } from "drizzle-orm";
import { carts, sites } from "../db/schema";
import { DEFAULT_CART_EXPIRATION_DAYS } from "../domain/lifecycle";
import { addressable, byId, sessionOf, withinBounds } from "./replica-rows";
import { daysBefore, type Job, type JobContext, skip, withCallCap } from "./runtime";
import { sweep } from "./sweep";

/**
 * How long past due before the net steps in. A session's alarm abandons its cart on time;
 * replication lands within seconds, or within the queue's retry hour when Postgres was down.
 * Six hours is well past both, and still the same day for the shopper's analytics.
 */
export const ABANDON_GRACE_MS = 6 * 3_600_000;

export const markAbandonedCarts: Job = {
  name: "markAbandonedCarts",
  run: (ctx: JobContext) =>
    withCallCap(ctx, ctx.safetyNetCalls, (ctx) => {
      const expirationDays = sql<number>`coalesce(${sites.cartExpirationDays}, ${DEFAULT_CART_EXPIRATION_DAYS})`;
      const dueBefore = new Date(ctx.now.getTime() - ABANDON_GRACE_MS);
      return sweep(ctx, {
        page: (bounds, limit) =>
          ctx.db
            .select({
              id: carts.id,
              companyId: carts.companyId,
              customerId: carts.customerId,
              sessionTokenHash: carts.sessionTokenHash,
              expirationDays,
            })
            .from(carts)
            .leftJoin(sites, and(eq(sites.id, carts.siteId), eq(sites.companyId, carts.companyId)))
            .where(
              and(
                // carts_status_expires_at_idx: only the overdue rows are read
                eq(carts.status, "ACTIVE"),
                lt(carts.expiresAt, dueBefore),
                gt(carts.itemCount, 0),
                addressable(carts),
                sql`${carts.lastActivityAt} < ${dueBefore.toISOString()}::timestamptz - make_interval(days => ${expirationDays})`,
                withinBounds(carts.id, bounds),
              ),
            )
            .orderBy(byId(carts.id))
            .limit(limit),
        visit: async (cart) => {
          const session = await sessionOf(ctx, cart);
          if (!session) return false;
          const idleBefore = daysBefore(ctx.now, Number(cart.expirationDays)).toISOString();
          const result = await session.markAbandoned(idleBefore);
          if (result.changed) ctx.counts.changed += 1;
          else skip(ctx, result.reason ?? "unchanged");
          return false;
        },
        describe: (cart) => ({ cartId: cart.id, companyId: cart.companyId }),
      });
    }),
};
