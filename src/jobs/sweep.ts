// Walks a job's candidates in keyset (id) order, in pages, calling each candidate's session
// with bounded concurrency, until the candidates or the budget run out. Where it stopped is
// kept in R2, so the next run continues there and wraps around: candidates the DO leaves
// as they are (touched since, or failing) cannot starve the ones after them.
import type { LogFields } from "../lib/logger";
import type { JobContext } from "./runtime";

/**
 * Calls one safety-net run may make (hourly abandonment, daily expiry) unless the variable
 * SAFETY_NET_CALL_BUDGET says otherwise: sessions run their own lifecycle on their alarms, so
 * the nets only nudge the few whose alarm evidently failed. Not a share of the sessions: a
 * backlog drains at this rate, run after run (raise it for a while to drain one faster; the
 * invocation's JOBS_CALL_BUDGET still bounds it).
 */
export const SAFETY_NET_CALL_BUDGET = 200;

/** Rows per page: one candidate query per page. */
export const PAGE_SIZE = 500;
/** Calls in flight at once. */
export const CONCURRENCY = 50;

export interface KeysetBounds {
  /** only ids greater than this */
  after?: string | undefined;
  /** only ids up to and including this (the wrap-around pass) */
  until?: string | undefined;
}

export interface SweepSpec<Row extends { id: string }> {
  /** Candidates within the bounds, in id order, at most `limit`. */
  page(bounds: KeysetBounds, limit: number): Promise<Row[]>;
  /** One candidate's work; true = settle it (see `settle`). Throwing counts it failed and logs it. */
  visit(row: Row): Promise<boolean | undefined>;
  /** After each page, with the rows whose visit returned true (e.g. one DELETE for all of them). */
  settle?(rows: Row[]): Promise<void>;
  /** What names a row in an error line: ids only, never a token or its hash. */
  describe(row: Row): LogFields;
}

export async function sweep<Row extends { id: string }>(ctx: JobContext, spec: SweepSpec<Row>): Promise<void> {
  const start = await loadCursor(ctx);
  // Pass 1 from the saved position to the end, pass 2 from the beginning up to it.
  const passes: KeysetBounds[] = start ? [{ after: start }, { until: start }] : [{}];
  let last: string | undefined;
  let stopped = false;
  for (const pass of passes) {
    let after = pass.after;
    while (!stopped) {
      const limit = Math.min(PAGE_SIZE, ctx.budget.remaining);
      if (limit === 0 || !ctx.budget.hasTime()) {
        ctx.budget.exhausted = true;
        stopped = true;
        break;
      }
      const rows = await spec.page({ after, until: pass.until }, limit);
      ctx.budget.spend(rows.length);
      ctx.counts.selected += rows.length;
      const settled: Row[] = [];
      await forEachLimited(rows, CONCURRENCY, async (row) => {
        try {
          if (await spec.visit(row)) settled.push(row);
        } catch (error) {
          ctx.counts.failed += 1;
          ctx.log.error("job item failed", { ...spec.describe(row), error });
        }
      });
      if (spec.settle && settled.length > 0) await spec.settle(settled);
      last = rows.at(-1)?.id ?? last;
      if (rows.length < limit) break;
      after = last;
    }
    if (stopped) break;
  }
  if (stopped) await saveCursor(ctx, last ?? start);
  else if (start) await saveCursor(ctx, undefined);
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// The cursor is a small object in the ARCHIVE bucket: the one durable store every run can
// reach without a migration. Losing it is harmless (the next run starts from the beginning).
const cursorKey = (job: string) => `jobs/cursors/${job}.json`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function loadCursor(ctx: JobContext): Promise<string | undefined> {
  try {
    const object = await ctx.env.ARCHIVE.get(cursorKey(ctx.job));
    if (!object) return undefined;
    const { after } = await object.json<{ after?: unknown }>();
    return typeof after === "string" && UUID.test(after) ? after : undefined;
  } catch (error) {
    ctx.log.warn("job cursor unreadable; starting from the beginning", { error });
    return undefined;
  }
}

async function saveCursor(ctx: JobContext, after: string | undefined): Promise<void> {
  try {
    if (after) {
      await ctx.env.ARCHIVE.put(cursorKey(ctx.job), JSON.stringify({ after, savedAt: new Date().toISOString() }), {
        httpMetadata: { contentType: "application/json" },
      });
    } else {
      await ctx.env.ARCHIVE.delete(cursorKey(ctx.job));
    }
    ctx.extra.resumeAfter = after ?? null;
  } catch (error) {
    ctx.log.warn("job cursor not saved; the next run starts from the beginning", { error });
  }
}
