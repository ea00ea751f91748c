// Whose rows are a customer's in Postgres, for a data-subject request (docs/design.md,
// "Privacy"): the customer's sessions and the guest sessions merged into them, and the
// condition that selects a table's rows of the customer or of those sessions. What is read
// and what is erased: export-rows.ts, erase-rows.ts.
import { and, eq, inArray, or, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { Database } from "../../db/client";
import { carts, companies, crossSiteSessions, productComparisons, wishlists } from "../../db/schema";
import { jurisdictionFor, sessionObjectName } from "../../session-client/address";

export type Db = Pick<Database, "select" | "update" | "delete" | "insert" | "execute">;

export interface CustomerSessions {
  /** the customer's own sessions and the guest sessions merged into them */
  sessionIds: string[];
  /** guests' token digests: their session objects hold what they had before the merge */
  guestTokenHashes: string[];
  /** digests of the customer's cross-site tokens the rows still name (their link objects) */
  customerTokenHashes: string[];
}

const mine = (companyColumn: PgColumn, customerColumn: PgColumn, companyId: string, customerId: string) =>
  and(eq(companyColumn, companyId), eq(customerColumn, customerId));

/** The customer's sessions, as Postgres knows them. */
export async function findSessions(db: Db, companyId: string, customerId: string): Promise<CustomerSessions> {
  const own = await db
    .select({ id: crossSiteSessions.id, tokenHash: crossSiteSessions.sessionTokenHash })
    .from(crossSiteSessions)
    .where(mine(crossSiteSessions.companyId, crossSiteSessions.customerId, companyId, customerId));
  // Rows whose session row is gone (retention) still name their session.
  const owned = await db
    .select({ sessionId: carts.sessionId })
    .from(carts)
    .where(mine(carts.companyId, carts.customerId, companyId, customerId))
    .union(
      db
        .select({ sessionId: wishlists.sessionId })
        .from(wishlists)
        .where(mine(wishlists.companyId, wishlists.customerId, companyId, customerId)),
    )
    .union(
      db
        .select({ sessionId: productComparisons.sessionId })
        .from(productComparisons)
        .where(mine(productComparisons.companyId, productComparisons.customerId, companyId, customerId)),
    );
  const customerSessionIds = [...new Set([...own.map((row) => row.id), ...owned.map((row) => row.sessionId)])];
  // A guest's row names what it was merged into by the customer's object name, which holds the customer id.
  const customerObject = sessionObjectName({ kind: "customer", companyId, customerId });
  const guests = await db
    .select({ id: crossSiteSessions.id, tokenHash: crossSiteSessions.sessionTokenHash })
    .from(crossSiteSessions)
    .where(
      and(
        eq(crossSiteSessions.companyId, companyId),
        inArray(crossSiteSessions.mergedIntoSessionId, [customerObject, ...customerSessionIds]),
      ),
    );
  const hashes = (rows: { tokenHash: string | null }[]) =>
    rows.flatMap((row) => (row.tokenHash ? [row.tokenHash] : []));
  return {
    sessionIds: [...new Set([...customerSessionIds, ...guests.map((row) => row.id)])],
    guestTokenHashes: hashes(guests),
    customerTokenHashes: hashes(own),
  };
}

/** Rows of the company that are the customer's, or of one of these sessions. */
export function ofSubject(
  table: { companyId: PgColumn; customerId: PgColumn },
  session: PgColumn,
  companyId: string,
  customerId: string,
  sessionIds: string[],
): SQL | undefined {
  return and(
    eq(table.companyId, companyId),
    or(eq(table.customerId, customerId), sessionIds.length ? inArray(session, sessionIds) : undefined),
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** cross_site_sessions.id is a uuid column; session ids elsewhere are text. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** Where the company's session objects live (its `dataResidency`). */
export async function companyJurisdiction(db: Db, companyId: string) {
  const [company] = await db
    .select({ dataResidency: companies.dataResidency })
    .from(companies)
    .where(eq(companies.id, companyId));
  return jurisdictionFor(company?.dataResidency);
}
