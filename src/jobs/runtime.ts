// What every cron job shares: one Postgres Pool per run, a per-job advisory lock, the
// per-invocation budget, the counters and the ONE summary line each job run logs.
import type { Pool } from "@neondatabase/serverless";
import { type Database, openDatabase } from "../db/client";
import { loadConfig } from "../lib/config";
import { errorFields } from "../lib/error-fields";
import { createLogger, type LogFields, type Logger } from "../lib/logger";
import { SAFETY_NET_CALL_BUDGET } from "./sweep";

export interface Counts {
  /** candidates the run took on (and paid for, where a call was needed) */
  selected: number;
  changed: number;
  /** candidates left as they were: touched since selection, already done, not ours to change */
  skipped: number;
  /** candidates whose call or write failed; logged one by one, retried by a later run */
  failed: number;
}

export interface JobContext {
  job: string;
  env: Env;
  db: Database;
  pool: Pool;
  /** The controller's scheduledTime: every "idle since" / "older than" is measured from it, never Date.now(). */
  now: Date;
  log: Logger;
  budget: Budget;
  /** The most calls a safety net may make in this run (SAFETY_NET_CALL_BUDGET, within `budget`). */
  safetyNetCalls: number;
  counts: Counts;
  /** Job-specific fields for the summary line (e.g. why candidates were skipped). */
  extra: Record<string, unknown>;
}

export interface Job {
  name: string;
  /** false: needs no subrequests, so takes no share of the call budget */
  usesCalls?: false;
  run(ctx: JobContext): Promise<void>;
}

export interface JobSummary extends Counts {
  job: string;
  /** `locked`: another run of the same job holds the lock, this one did nothing. */
  outcome: "done" | "locked" | "error";
  durationMs: number;
  budgetExhausted: boolean;
  [field: string]: unknown;
}

/**
 * What one invocation may spend: subrequests (Durable Object RPCs, R2 operations) and wall
 * time. A job that runs out stops where it is and the next run carries on, so a backlog of
 * any size drains over several runs instead of one run hitting a platform limit mid-way.
 */
export class Budget {
  private used = 0;
  exhausted = false;

  constructor(
    private readonly calls: number,
    /** Date.now() after which no new work starts */
    readonly deadline: number,
    private readonly parent?: Budget,
  ) {}

  get remaining(): number {
    const own = this.calls - this.used;
    return Math.max(0, this.parent ? Math.min(own, this.parent.remaining) : own);
  }

  /** False (and exhausted) once the time is up. */
  hasTime(): boolean {
    if (Date.now() < this.deadline) return true;
    this.exhausted = true;
    return false;
  }

  /** Reserves `count` calls, all or none. */
  take(count: number): boolean {
    if (!this.hasTime() || this.remaining < count) {
      this.exhausted = true;
      return false;
    }
    this.spend(count);
    return true;
  }

  /** Records calls already bounded by `remaining` (a page read with that limit). */
  spend(count: number): void {
    this.used += count;
    this.parent?.spend(count);
  }

  /**
   * A budget for one of `jobsLeft` call-using jobs still to run in this invocation: a fair
   * share of what is left, so one job's backlog cannot starve the others; what a job leaves
   * unused goes to the jobs after it.
   */
  share(jobsLeft: number): Budget {
    return new Budget(Math.floor(this.remaining / Math.max(1, jobsLeft)), this.deadline, this);
  }
}

/**
 * Runs one job: opens the database, takes the job's advisory lock (a concurrent run of the
 * same job finds it taken and does nothing), runs, and logs one summary line. A job that
 * throws is logged and reported as `error`; it never stops the jobs after it.
 */
export async function runJob(
  job: Job,
  env: Env,
  now: Date,
  budget: Budget,
  fields: LogFields,
  safetyNetCalls = SAFETY_NET_CALL_BUDGET,
): Promise<JobSummary> {
  const started = Date.now();
  const log = createLogger({ component: "jobs", job: job.name, ...fields });
  const counts: Counts = { selected: 0, changed: 0, skipped: 0, failed: 0 };
  const extra: Record<string, unknown> = {};
  let outcome: JobSummary["outcome"] = "done";
  let database: ReturnType<typeof openDatabase> | undefined;
  try {
    const config = loadConfig(env as unknown as Record<string, unknown>);
    database = openDatabase({ databaseUrl: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY });
    const unlock = await tryJobLock(database.pool, job.name);
    if (!unlock) {
      outcome = "locked";
    } else {
      try {
        await job.run({
          job: job.name,
          env,
          db: database.db,
          pool: database.pool,
          now,
          log,
          budget,
          safetyNetCalls,
          counts,
          extra,
        });
      } finally {
        await unlock();
      }
    }
  } catch (error) {
    outcome = "error";
    extra.error = errorFields(error);
  } finally {
    await database?.close();
  }
  const summary: JobSummary = {
    job: job.name,
    outcome,
    ...counts,
    durationMs: Date.now() - started,
    budgetExhausted: budget.exhausted,
    scheduledTime: now.toISOString(),
    ...extra,
  };
  if (outcome === "error") log.error("job finished", summary);
  else log.info("job finished", summary);
  metric(env, summary, typeof fields.cron === "string" ? fields.cron : "");
  return summary;
}

/**
 * One data point per job run in the metrics dataset (docs/operations.md, "Scheduled jobs"):
 * index1 `jobs`; blob1 the job, blob2 the outcome, blob3 the cron; double1 duration (ms),
 * double2 selected, double3 changed, double4 skipped, double5 failed, double6 1 when the
 * budget ran out.
 */
function metric(env: Env, summary: JobSummary, cron: string): void {
  try {
    env.METRICS?.writeDataPoint({
      indexes: ["jobs"],
      blobs: [summary.job, summary.outcome, cron],
      doubles: [
        summary.durationMs,
        summary.selected,
        summary.changed,
        summary.skipped,
        summary.failed,
        summary.budgetExhausted ? 1 : 0,
      ],
    });
  } catch (error) {
    // A metric is never worth failing the run for; the summary line has the same counts.
    createLogger({ component: "jobs", job: summary.job }).warn("job metric not written", { error });
  }
}

/**
 * `pg_try_advisory_lock` is per connection, so the lock lives on one client held for the whole
 * run and is released on that same client (or with the connection, if the Worker dies). With
 * Neon, the lock needs the direct (non "-pooler") connection string: PgBouncer's transaction
 * mode does not keep session locks. Without it the jobs stay correct — every step is
 * idempotent — two runs merely duplicate some work.
 */
async function tryJobLock(pool: Pool, job: string): Promise<(() => Promise<void>) | undefined> {
  const key = `crosscart:job:${job}`;
  const client = await pool.connect();
  let locked = false;
  try {
    const result = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [
      key,
    ]);
    locked = result.rows[0]?.locked === true;
  } finally {
    if (!locked) client.release();
  }
  if (!locked) return undefined;
  return async () => {
    try {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [key]);
      client.release();
    } catch (error) {
      // Dropping the connection releases the lock as well.
      client.release(error instanceof Error ? error : true);
    }
  };
}

/**
 * Runs `work` with at most `calls` of the job's call budget (the safety nets' small budget);
 * running out of it counts as the job's budget running out.
 */
export async function withCallCap(ctx: JobContext, calls: number, work: (ctx: JobContext) => Promise<void>) {
  const budget = new Budget(calls, ctx.budget.deadline, ctx.budget);
  try {
    await work({ ...ctx, budget });
  } finally {
    if (budget.exhausted) ctx.budget.exhausted = true;
  }
}

/** Counts one skipped candidate under its reason, for the summary line. */
export function skip(ctx: JobContext, reason: string): void {
  ctx.counts.skipped += 1;
  const reasons = (ctx.extra.skippedReasons ?? {}) as Record<string, number>;
  reasons[reason] = (reasons[reason] ?? 0) + 1;
  ctx.extra.skippedReasons = reasons;
}

export const DAY_MS = 86_400_000;

export const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);
