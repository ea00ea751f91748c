// The one rule between erasing a customer's data and replicating it (docs/design.md, "Privacy"):
// a replication batch holds a shared lock on each company it writes for and reads the erased
// sessions only once it holds them; an erasure holds the company's lock exclusively while it
// records its tombstones and anonymizes the rows. So a batch either wrote before the erasure
// (which then anonymizes what it wrote) or sees its tombstones (and writes nothing of them).
import { inArray, sql } from "drizzle-orm";
import type { Database } from "./client";
import { erasedSessions } from "./schema";

/** The first key of the two-key advisory lock: "priv". */
const ERASURE_LOCK_CLASS = 0x70_72_69_76;

type Executor = Pick<Database, "execute" | "select">;

/** Shared locks on these companies' erasures, in one order (a batch writes for many). */
export async function lockAgainstErasure(tx: Pick<Executor, "execute">, companyIds: string[]): Promise<void> {
  const ids = [...new Set(companyIds)].sort();
  if (ids.length === 0) return;
  const values = sql.join(
    ids.map((id) => sql`(${id}::text)`),
    sql`, `,
  );
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock_shared(${ERASURE_LOCK_CLASS}::int, hashtext(v.company_id)) FROM (VALUES ${values}) AS v(company_id) ORDER BY v.company_id`,
  );
}

/** The exclusive lock of one company's erasure, held until the transaction ends. */
export async function lockForErasure(tx: Pick<Executor, "execute">, companyId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${ERASURE_LOCK_CLASS}::int, hashtext(${companyId}::text))`);
}

/** Which of these sessions were erased. */
export async function erasedAmong(tx: Pick<Executor, "select">, sessionIds: string[]): Promise<Set<string>> {
  if (sessionIds.length === 0) return new Set();
  const rows = await tx
    .select({ sessionId: erasedSessions.sessionId })
    .from(erasedSessions)
    .where(inArray(erasedSessions.sessionId, [...new Set(sessionIds)]));
  return new Set(rows.map((row) => row.sessionId));
}
