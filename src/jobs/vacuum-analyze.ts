// Weekly, after the retention deletes (runbook §6.1): reclaims their space and refreshes the
// planner's statistics on the tables this project owns (the catalog is the platform's).
import type { Job, JobContext } from "./runtime";

export const OWNED_TABLES = [
  "carts",
  "cart_items",
  "saved_cart_items",
  "wishlists",
  "wishlist_items",
  "product_comparisons",
  "product_comparison_items",
  "cross_site_sessions",
] as const;

export const vacuumAnalyze: Job = {
  name: "vacuumAnalyze",
  usesCalls: false,
  run: async (ctx: JobContext) => {
    ctx.counts.selected = OWNED_TABLES.length;
    // VACUUM refuses to run inside a transaction: a plain query on a pooled connection.
    await ctx.pool.query(`VACUUM (ANALYZE) ${OWNED_TABLES.join(", ")}`);
    ctx.counts.changed = OWNED_TABLES.length;
  },
};
