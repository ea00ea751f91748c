// How often replication recomputes the rollups of the days its batches touched.
//
// Recomputing a day reads every row of that day for the company (design 65), so a refresh in
// every batch made each batch's cost grow with the day's traffic, and the refreshes of one
// company take turns on an advisory lock: at a busy shop's evening, every batch would have
// recomputed hundreds of thousands of carts, one batch at a time. Reads stay exact without
// it: an analytics computation first recomputes whatever days are still marked
// (`refreshPendingRollups`). So replication refreshes a company's rollups at most once per
// interval per isolate (design 106): enough to keep the marks few and the first dashboard read
// cheap, while a batch in between only writes its rows and its marks.
import { sql } from "drizzle-orm";
import type { Exec } from "./sql/rollups";
import { refreshRollups } from "./sql/rollups";

/** At most one replication refresh of a company's rollups per isolate in this time. */
export const REPLICATION_REFRESH_INTERVAL_MS = 30_000;
/** Longest a replication refresh may run (the analytics reads' own default timeout). */
const REPLICATION_REFRESH_TIMEOUT = "5s";

/** Per isolate (no I/O, only numbers): when replication last refreshed each company. */
const lastRefreshed = new Map<string, number>();

/**
 * The consumer's `afterWrite` hook: recomputes the marked days of the companies whose last
 * refresh here is at least an interval old; the others keep their marks for a later batch or
 * the next read. Returns the marks handled.
 */
export async function refreshRollupsAfterReplication(
  exec: Exec,
  companyIds: string[],
  now = Date.now(),
): Promise<number> {
  const due = companyIds.filter(
    (id) => now - (lastRefreshed.get(id) ?? Number.NEGATIVE_INFINITY) >= REPLICATION_REFRESH_INTERVAL_MS,
  );
  if (due.length === 0) return 0;
  // Counted before it runs: a refresh that fails (a day too large for the timeout below) is
  // tried again an interval later, not in every batch meanwhile.
  for (const id of due) lastRefreshed.set(id, now);
  // The batch's rows wait for it: past this, Postgres cancels it, the consumer rolls it back
  // to its savepoint and commits the rows, and reads recompute the marks (design 107).
  await exec(sql`SELECT set_config('statement_timeout', ${REPLICATION_REFRESH_TIMEOUT}, true)`);
  return refreshRollups(exec, due);
}
