// Hourly (runbook §6.1): ACTIVE carts with items, idle for longer than their site's
// cartExpirationDays, become ABANDONED. Postgres finds the candidates; each session's
// Durable Object decides, against its own last activity, and replicates the change.
import { and, eq, gt, sql } from "drizzle-orm";
import { carts, sites } from "../db/schema";
import { addressable, byId, sessionOf, withinBounds } from "./replica-rows";
import { daysBefore, type Job, type JobContext, skip } from "./runtime";
import { sweep } from "./sweep";

/** The sites table's default, for carts whose site row is gone. */
export const DEFAULT_CART_EXPIRATION_DAYS = 30;

export const markAbandonedCarts: Job = {
  name: "markAbandonedCarts",
  run: (ctx: JobContext) => {
    const expirationDays = sql<number>`coalesce(${sites.cartExpirationDays}, ${DEFAULT_CART_EXPIRATION_DAYS})`;
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
              eq(carts.status, "ACTIVE"),
              gt(carts.itemCount, 0),
              addressable(carts),
              sql`${carts.lastActivityAt} < ${ctx.now.toISOString()}::timestamptz - make_interval(days => ${expirationDays})`,
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
  },
};
