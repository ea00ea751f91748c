// Weekly (runbook §6.2): product comparisons live 90 days from creation. Each session is
// asked to drop its comparison if it is still that one (so a shared link to it stops
// working), then the row goes (its items cascade). A failed call keeps the row for next week.
import { and, inArray, lt } from "drizzle-orm";
import { productComparisons } from "../db/schema";
import { COMPARISON_TTL_DAYS } from "../domain/comparison";
import { byId, sessionOf, withinBounds } from "./replica-rows";
import { daysBefore, type Job, type JobContext } from "./runtime";
import { sweep } from "./sweep";

export const purgeOldComparisons: Job = {
  name: "purgeOldComparisons",
  run: (ctx: JobContext) => {
    const createdBefore = daysBefore(ctx.now, COMPARISON_TTL_DAYS);
    return sweep(ctx, {
      page: (bounds, limit) =>
        ctx.db
          .select({
            id: productComparisons.id,
            companyId: productComparisons.companyId,
            customerId: productComparisons.customerId,
            sessionTokenHash: productComparisons.sessionTokenHash,
          })
          .from(productComparisons)
          .where(and(lt(productComparisons.createdAt, createdBefore), withinBounds(productComparisons.id, bounds)))
          .orderBy(byId(productComparisons.id))
          .limit(limit),
      visit: async (comparison) => {
        const session = await sessionOf(ctx, comparison);
        if (session) {
          const { dropped } = await session.dropComparison(comparison.id);
          if (dropped) ctx.extra.droppedFromSessions = Number(ctx.extra.droppedFromSessions ?? 0) + 1;
        }
        return true;
      },
      settle: async (done) => {
        const deleted = await ctx.db
          .delete(productComparisons)
          .where(
            and(
              inArray(
                productComparisons.id,
                done.map((comparison) => comparison.id),
              ),
              lt(productComparisons.createdAt, createdBefore),
            ),
          )
          .returning({ id: productComparisons.id });
        ctx.counts.changed += deleted.length;
        // Gone already: a concurrent run got there first.
        ctx.counts.skipped += done.length - deleted.length;
      },
      describe: (comparison) => ({ comparisonId: comparison.id, companyId: comparison.companyId }),
    });
  },
};
