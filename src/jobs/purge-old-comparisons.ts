// Weekly (runbook §6.2): product comparisons live 90 days from creation; their rows go in
// keyset batches of plain DELETEs (items cascade). No session is asked: the object already
// treats its comparison as gone once its own `expiresAt` (creation + 90 days) has passed — the
// owner gets a new, empty one and a shared link is a 404 (durable-objects/lists.ts, isCurrent)
// — so telling it would change nothing anyone can see (docs/design.md, "Lifecycle jobs").
import { sql } from "drizzle-orm";
import { COMPARISON_TTL_DAYS } from "../domain/comparison";
import { deleteDue } from "./batches";
import { daysBefore, type Job, type JobContext } from "./runtime";

export const purgeOldComparisons: Job = {
  name: "purgeOldComparisons",
  usesCalls: false,
  run: async (ctx: JobContext) => {
    const before = daysBefore(ctx.now, COMPARISON_TTL_DAYS).toISOString();
    await deleteDue(ctx, {
      table: sql.raw("product_comparisons"),
      dueAt: sql.raw("created_at"),
      due: sql`created_at < ${before}::timestamptz`,
    });
  },
};
