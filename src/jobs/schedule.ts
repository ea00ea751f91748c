// The Cron Triggers (wrangler.toml [triggers]) and the jobs each one runs, in order. The
// controller's scheduledTime is "now" for every job, so a run can be replayed for a given
// time (tests; `wrangler dev`'s /cdn-cgi/handler/scheduled?cron=…&time=<epoch ms>).
import { z } from "zod";
import { createLogger } from "../lib/logger";
import { applyRetention } from "./apply-retention";
import { archiveConvertedCarts } from "./archive-converted-carts";
import { cleanupExpiredSessions } from "./cleanup-expired-sessions";
import { markAbandonedCarts } from "./mark-abandoned-carts";
import { purgeOldComparisons } from "./purge-old-comparisons";
import { Budget, type Job, type JobSummary, runJob } from "./runtime";
import { SAFETY_NET_CALL_BUDGET } from "./sweep";
import { vacuumAnalyze } from "./vacuum-analyze";

/** Must match wrangler.toml's `crons`, string for string. */
export const CRONS = {
  hourly: "0 * * * *",
  daily: "0 3 * * *",
  weekly: "0 4 * * 0",
} as const;

const JOBS_BY_CRON: Record<string, Job[]> = {
  [CRONS.hourly]: [markAbandonedCarts],
  [CRONS.daily]: [cleanupExpiredSessions],
  // Set-based deletes first, then the archive (the one weekly job with calls: an R2 write per
  // chunk); VACUUM after all of them, so it reclaims their space.
  [CRONS.weekly]: [applyRetention, archiveConvertedCarts, purgeOldComparisons, vacuumAnalyze],
};

/**
 * Per invocation: at most this many subrequests (Durable Object calls + R2 operations),
 * below the platform's per-invocation subrequest limit (1,000 on the paid plan's classic
 * limits) with room for the Postgres WebSockets and the cursor objects. The safety nets take
 * at most SAFETY_NET_CALL_BUDGET of it; the archive one R2 write per chunk.
 */
export const DEFAULT_CALL_BUDGET = 800;
/** No new work starts after this much wall time (Cron Triggers get 15 minutes). */
export const TIME_BUDGET_MS = 10 * 60_000;

const calls = (fallback: number) =>
  z.preprocess(
    (value) => (value === "" || value === undefined ? undefined : value),
    z.coerce.number().int().min(1).max(1_000_000).default(fallback),
  );

const JobSettingsSchema = z.object({
  JOBS_CALL_BUDGET: calls(DEFAULT_CALL_BUDGET),
  SAFETY_NET_CALL_BUDGET: calls(SAFETY_NET_CALL_BUDGET),
});

export async function runScheduled(controller: ScheduledController, env: Env): Promise<JobSummary[]> {
  const log = createLogger({ component: "jobs", cron: controller.cron });
  const jobs = JOBS_BY_CRON[controller.cron];
  if (!jobs) {
    log.warn("no job is scheduled for this cron", { known: Object.values(CRONS) });
    return [];
  }
  const settings = JobSettingsSchema.safeParse(env);
  if (!settings.success) {
    const issue = settings.error.issues[0];
    throw new Error(`${issue?.path.join(".")}: ${issue?.message}`);
  }
  const now = new Date(controller.scheduledTime);
  const budget = new Budget(settings.data.JOBS_CALL_BUDGET, Date.now() + TIME_BUDGET_MS);
  const summaries: JobSummary[] = [];
  for (const [index, job] of jobs.entries()) {
    const callersLeft = jobs.slice(index).filter((next) => next.usesCalls !== false).length;
    summaries.push(
      await runJob(
        job,
        env,
        now,
        budget.share(callersLeft),
        { cron: controller.cron },
        settings.data.SAFETY_NET_CALL_BUDGET,
      ),
    );
  }
  // A job that errored fails the invocation too, so the Cron Trigger shows it.
  const failed = summaries.filter((summary) => summary.outcome === "error").map((summary) => summary.job);
  if (failed.length > 0) throw new Error(`scheduled jobs failed: ${failed.join(", ")}`);
  return summaries;
}
