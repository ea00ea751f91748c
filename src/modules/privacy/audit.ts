// The audit of data-subject requests (table privacy_requests): every export and erasure, who
// asked (JWT sub and role), when, for which customer, with what was found or erased per store.
// Kept for as long as the company exists: it is the proof that a request was answered.
import { and, desc, eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { privacyRequests } from "../../db/schema";

export type PrivacyAction = "export" | "erase";
export type PrivacyOutcome = "completed" | "not_found";
export type StoreCounts = Record<string, Record<string, number>>;

export interface AuditEntry {
  companyId: string;
  customerId: string;
  action: PrivacyAction;
  outcome: PrivacyOutcome;
  actorSub: string;
  actorRole: string;
  requestId: string;
  counts: StoreCounts;
}

export async function recordRequest(db: Database, entry: AuditEntry): Promise<void> {
  await db.insert(privacyRequests).values(entry);
}

/** Whether the company erased this customer's data before (their export is then empty, not a 404). */
export async function erasedBefore(db: Database, companyId: string, customerId: string): Promise<boolean> {
  const rows = await db
    .select({ id: privacyRequests.id })
    .from(privacyRequests)
    .where(
      and(
        eq(privacyRequests.companyId, companyId),
        eq(privacyRequests.customerId, customerId),
        eq(privacyRequests.action, "erase"),
        eq(privacyRequests.outcome, "completed"),
      ),
    )
    .limit(1);
  return rows.length > 0;
}

export function listRequests(db: Database, companyId: string, customerId: string | undefined, limit: number) {
  return db
    .select()
    .from(privacyRequests)
    .where(
      and(
        eq(privacyRequests.companyId, companyId),
        customerId ? eq(privacyRequests.customerId, customerId) : undefined,
      ),
    )
    .orderBy(desc(privacyRequests.requestedAt), desc(privacyRequests.id))
    .limit(limit);
}
