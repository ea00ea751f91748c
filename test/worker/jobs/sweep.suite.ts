// The sweep that every session-calling job runs on, over an in-memory candidate list (its
// cursor still lives in the real R2 binding): failures stay per item, the budget stops it,
// and the next run resumes after the last candidate and wraps around.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { Database } from "../../../src/db/client";
import { Budget, type JobContext, withCallCap } from "../../../src/jobs/runtime";
import { forEachLimited, type KeysetBounds, SAFETY_NET_CALL_BUDGET, sweep } from "../../../src/jobs/sweep";
import { createLogger } from "../../../src/lib/logger";

/** Ten uuids in ascending order. */
const IDS = Array.from({ length: 10 }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`);

function context(job: string, calls: number): JobContext {
  return {
    job,
    env,
    // The sweep itself never queries: the spec's page() does.
    db: undefined as unknown as Database,
    pool: undefined as unknown as JobContext["pool"],
    now: new Date(),
    log: createLogger({ test: "sweep" }),
    budget: new Budget(calls, Date.now() + 60_000),
    safetyNetCalls: SAFETY_NET_CALL_BUDGET,
    counts: { selected: 0, changed: 0, skipped: 0, failed: 0 },
    extra: {},
  };
}

/** Candidates: ids still in `due`, in keyset order. */
function pageOf(due: Set<string>) {
  return async ({ after, until }: KeysetBounds, limit: number) =>
    IDS.filter((id) => due.has(id) && (!after || id > after) && (!until || id <= until))
      .slice(0, limit)
      .map((id) => ({ id }));
}

describe("sweep", () => {
  it("counts a failing candidate, logs it without stopping, and goes on with the rest", async () => {
    const ctx = context(`sweep-${crypto.randomUUID()}`, 100);
    const errors = vi.spyOn(console, "error");
    const visited: string[] = [];
    try {
      await sweep(ctx, {
        page: pageOf(new Set(IDS)),
        visit: async ({ id }) => {
          if (id === IDS[3]) throw new Error("session unavailable");
          visited.push(id);
          ctx.counts.changed += 1;
          return false;
        },
        describe: ({ id }) => ({ id }),
      });
      const lines = errors.mock.calls.map(([line]) => JSON.parse(String(line)));
      expect(lines).toEqual([
        expect.objectContaining({
          msg: "job item failed",
          id: IDS[3],
          error: expect.objectContaining({ name: "Error", message: "session unavailable" }),
        }),
      ]);
    } finally {
      errors.mockRestore();
    }
    expect(ctx.counts).toEqual({ selected: 10, changed: 9, skipped: 0, failed: 1 });
    expect(visited.sort()).toEqual(IDS.filter((id) => id !== IDS[3]));
    expect(ctx.budget.exhausted).toBe(false);
  });

  it("stops at the budget, resumes after the last candidate next run, and wraps around to the start", async () => {
    const job = `sweep-${crypto.randomUUID()}`;
    // Candidates 0 and 1 never leave the set (the session keeps refusing); the rest do once visited.
    const due = new Set(IDS);
    const runOnce = async () => {
      const ctx = context(job, 4);
      const visited: string[] = [];
      await sweep(ctx, {
        page: pageOf(due),
        visit: async ({ id }) => {
          visited.push(id);
          if (id !== IDS[0] && id !== IDS[1]) due.delete(id);
          return false;
        },
        describe: ({ id }) => ({ id }),
      });
      return { visited: visited.sort(), exhausted: ctx.budget.exhausted };
    };

    expect(await runOnce()).toEqual({ visited: IDS.slice(0, 4), exhausted: true });
    expect(await runOnce()).toEqual({ visited: IDS.slice(4, 8), exhausted: true });
    // 8 and 9, then around to 0 and 1: the stubborn ones did not starve those after them.
    expect(await runOnce()).toEqual({ visited: [IDS[0], IDS[1], IDS[8], IDS[9]], exhausted: true });
    expect(await runOnce()).toEqual({ visited: [IDS[0], IDS[1]], exhausted: false });
    expect(await env.ARCHIVE.get(`jobs/cursors/${job}.json`)).toBeNull();
  });

  it("settles each page's done candidates in one call", async () => {
    const ctx = context(`sweep-${crypto.randomUUID()}`, 100);
    const settled: string[][] = [];
    await sweep(ctx, {
      page: pageOf(new Set(IDS)),
      visit: async ({ id }) => id !== IDS[5],
      settle: async (rows) => {
        settled.push(rows.map((row) => row.id).sort());
      },
      describe: ({ id }) => ({ id }),
    });
    expect(settled).toEqual([IDS.filter((id) => id !== IDS[5])]);
  });
});

describe("withCallCap (the safety nets' budget)", () => {
  it("stops the sweep at the cap though the job's budget has more, and reports it exhausted", async () => {
    const ctx = context(`sweep-${crypto.randomUUID()}`, 800);
    const visited: string[] = [];
    await withCallCap(ctx, 3, (capped) =>
      sweep(capped, {
        page: pageOf(new Set(IDS)),
        visit: async ({ id }) => {
          visited.push(id);
          return false;
        },
        describe: ({ id }) => ({ id }),
      }),
    );
    expect(visited.sort()).toEqual(IDS.slice(0, 3));
    expect(ctx.counts.selected).toBe(3);
    expect(ctx.budget.exhausted).toBe(true);
    // What the cap spent came out of the job's budget too.
    expect(ctx.budget.remaining).toBe(797);
  });
});

describe("Budget", () => {
  it("gives each remaining job a fair share and passes unused calls on", () => {
    const budget = new Budget(900, Date.now() + 60_000);
    const first = budget.share(3);
    expect(first.remaining).toBe(300);
    expect(first.take(100)).toBe(true);
    const second = budget.share(2);
    expect(second.remaining).toBe(400);
    expect(second.take(401)).toBe(false);
    expect(second.exhausted).toBe(true);
    second.spend(400);
    expect(budget.share(1).remaining).toBe(400);
  });

  it("refuses new work once its time is up", () => {
    const budget = new Budget(10, Date.now() - 1);
    expect(budget.take(1)).toBe(false);
    expect(budget.exhausted).toBe(true);
  });
});

describe("forEachLimited", () => {
  it("never has more than the limit in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    await forEachLimited(
      Array.from({ length: 120 }, (_, index) => index),
      50,
      async (item) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight -= 1;
        done.push(item);
      },
    );
    expect(most).toBe(50);
    expect(done).toHaveLength(120);
  });
});
