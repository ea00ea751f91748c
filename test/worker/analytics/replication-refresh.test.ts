// Replication's refresh of the rollups (design 106): at most once per interval per company,
// the marks in between kept for a later batch or the next read.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  REPLICATION_REFRESH_INTERVAL_MS,
  refreshRollupsAfterReplication,
} from "../../../src/modules/analytics/replication-refresh";
import { withDatabase } from "../../support/db";

describe("replication's rollup refresh", () => {
  it("recomputes a company's marked days at most once per interval; the marks wait meanwhile", async () => {
    const companyId = crypto.randomUUID();
    await withDatabase(async (db) => {
      const exec = async (query: Parameters<typeof db.execute>[0]) => (await db.execute(query)).rows;
      const mark = () =>
        db.execute(
          sql`INSERT INTO analytics_dirty_days (kind, company_id, day) VALUES ('cart', ${companyId}::uuid, '2025-02-10')`,
        );
      const marks = async () =>
        (
          await db.execute(
            sql`SELECT count(*)::int AS n FROM analytics_dirty_days WHERE company_id = ${companyId}::uuid`,
          )
        ).rows[0]?.n;
      const start = Date.now();

      await mark();
      expect(await refreshRollupsAfterReplication(exec, [companyId], start)).toBe(1);
      expect(await marks()).toBe(0);

      await mark();
      expect(await refreshRollupsAfterReplication(exec, [companyId], start + REPLICATION_REFRESH_INTERVAL_MS - 1)).toBe(
        0,
      );
      expect(await marks()).toBe(1);

      await mark();
      expect(await refreshRollupsAfterReplication(exec, [companyId], start + REPLICATION_REFRESH_INTERVAL_MS)).toBe(2);
      expect(await marks()).toBe(0);
    });
  });

  it("runs under a 5 s statement timeout, and one that fails waits an interval like one that succeeded", async () => {
    const companyId = crypto.randomUUID();
    const start = Date.now();
    await withDatabase((db) =>
      db.transaction(async (tx) => {
        const exec = async (query: Parameters<typeof tx.execute>[0]) => (await tx.execute(query)).rows;
        await refreshRollupsAfterReplication(exec, [companyId], start);
        const [row] = await exec(sql`SELECT current_setting('statement_timeout') AS timeout`);
        expect(row?.timeout).toBe("5s");
      }),
    );

    // A refresh Postgres cancels (a day too large for the timeout): the next batches inside the
    // interval do not try again.
    const other = crypto.randomUUID();
    let statements = 0;
    const cancelled = async () => {
      statements++;
      throw new Error("canceling statement due to statement timeout");
    };
    await expect(refreshRollupsAfterReplication(cancelled, [other], start)).rejects.toThrow("statement timeout");
    const tried = statements;
    expect(await refreshRollupsAfterReplication(cancelled, [other], start + REPLICATION_REFRESH_INTERVAL_MS - 1)).toBe(
      0,
    );
    expect(statements).toBe(tried);
  });
});
