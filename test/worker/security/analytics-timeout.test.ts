// Finding 11 (the audit's 12th): every analytics query runs under a statement_timeout, so one
// expensive report cannot hold a Postgres connection (and the admin's request) for minutes;
// a query cancelled by it is a 503 with Retry-After. Made slow for real: a lock held by the
// test, or pg_sleep, through the same path the reports take.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { analyticsRunner } from "../../../src/modules/analytics";
import { apiWithEnv, bearer, problemOf, signToken } from "../../support/app";
import { createCompany } from "../../support/catalog";
import { testDatabase } from "../../support/db";

describe("analytics statement_timeout", () => {
  it("a query running past the timeout is cancelled by Postgres (SQLSTATE 57014)", async () => {
    const { db, close } = testDatabase();
    try {
      const run = analyticsRunner(db, 100);
      const started = Date.now();
      const failure = await run(sql`SELECT pg_sleep(5)`).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      const cause = (failure as { cause?: { code?: string } }).cause ?? failure;
      expect((cause as { code?: string }).code).toBe("57014");
      // A query within the limit is answered, and the limit ended with its transaction.
      expect(await run(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
      const { rows } = await db.execute(sql`SHOW statement_timeout`);
      expect(rows[0]?.statement_timeout).not.toBe("100ms");
    } finally {
      await close();
    }
  });

  it("a report held up past ANALYTICS_STATEMENT_TIMEOUT_MS is a 503 UNAVAILABLE with Retry-After", async () => {
    const { companyId } = await createCompany();
    const token = await signToken({ role: "admin", companyId });
    const { pool, close } = testDatabase();
    const blocker = await pool.connect();
    try {
      // The report reads the comparisons' daily rollup; its readers wait for this lock, so
      // the report is slow for real.
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE analytics_list_days IN ACCESS EXCLUSIVE MODE");
      const started = Date.now();
      const call = apiWithEnv(
        { ANALYTICS_STATEMENT_TIMEOUT_MS: "300" },
        "/api/analytics/ecommerce/comparison?fresh=1",
        { headers: bearer(token) },
      );
      // Without a timeout the report would wait for the lock: give up on it after 4 s.
      const response = await Promise.race([
        call,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 4_000)),
      ]);
      await blocker.query("ROLLBACK");
      expect(response, "the report waited for the lock with no statement_timeout").toBeDefined();
      const problem = await problemOf(response as Response, 503, "UNAVAILABLE");
      expect(problem.detail).toMatch(/took too long/);
      expect(response?.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      await blocker.query("ROLLBACK").catch(() => {});
      blocker.release();
      await close();
    }
  });

  it("the timeout must be a positive number of milliseconds", async () => {
    const response = await apiWithEnv({ ANALYTICS_STATEMENT_TIMEOUT_MS: "soon" }, "/api/health");
    const problem = await problemOf(response, 500, "INTERNAL");
    expect(problem.detail).toContain("ANALYTICS_STATEMENT_TIMEOUT_MS");
  });
});
