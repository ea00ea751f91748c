// Recomputes every rollup day that writes have marked (analytics_dirty_days), company by
// company, each in its own transaction and without the Worker's statement_timeout: what a large
// load (`npm run bench:data`, a restore, the marks migration 0008 leaves for existing rows) needs
// before the first analytics read, which would otherwise do it under the 5 s timeout. The very
// refresh the Worker runs (src/modules/analytics/sql/rollups.ts). docs/operations.md.
import { PgDialect } from "drizzle-orm/pg-core";
import type pg from "pg";
import { refreshRollups } from "../../src/modules/analytics/sql/rollups.ts";

export async function refreshAllRollups(client: pg.Client, log = console.log): Promise<number> {
  const dialect = new PgDialect();
  const { rows } = await client.query<{ company_id: string }>(
    "SELECT DISTINCT company_id::text AS company_id FROM analytics_dirty_days ORDER BY 1",
  );
  let handled = 0;
  for (const { company_id: companyId } of rows) {
    const started = performance.now();
    await client.query("BEGIN");
    try {
      const marks = await refreshRollups(
        async (query) => {
          const rendered = dialect.sqlToQuery(query);
          return (await client.query(rendered.sql, rendered.params)).rows;
        },
        [companyId],
      );
      await client.query("COMMIT");
      handled += marks;
      log(`rollups of company ${companyId}: ${marks} marked days in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }
  }
  return handled;
}
