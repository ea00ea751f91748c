// A customer's rows in Postgres, for a data-subject request (docs/design.md, "Privacy"): the
// customer's sessions and the guest sessions merged into them, their carts (lines, saved
// lines), wishlists, comparisons, the platform's conversion records and the customer record.
// Export reads them; erasure tombstones the sessions and anonymizes the rows analytics count.
import { and, eq, inArray, isNotNull, or, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { Database } from "../../db/client";
import { lockForErasure } from "../../db/erasure";
import {
  cartConversions,
  cartItems,
  carts,
  companies,
  crossSiteSessions,
  customers,
  erasedSessions,
  productComparisonItems,
  productComparisons,
  savedCartItems,
  wishlistItems,
  wishlists,
} from "../../db/schema";
import { jurisdictionFor, sessionObjectName } from "../../session-client/address";

type Db = Pick<Database, "select" | "update" | "delete" | "insert" | "execute">;

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

const subject = (table: { companyId: PgColumn; customerId: PgColumn }, session: PgColumn) => ({
  companyId: table.companyId,
  customerId: table.customerId,
  session,
});

/** Rows of the company that are the customer's, or of one of these sessions. */
function ofSubject(
  columns: { companyId: PgColumn; customerId: PgColumn; session: PgColumn },
  companyId: string,
  customerId: string,
  sessionIds: string[],
): SQL | undefined {
  return and(
    eq(columns.companyId, companyId),
    or(eq(columns.customerId, customerId), sessionIds.length ? inArray(columns.session, sessionIds) : undefined),
  );
}

const withoutHashes = <T extends { sessionTokenHash?: unknown; shareTokenHash?: unknown }>(row: T) => {
  const { sessionTokenHash: _session, shareTokenHash: _share, ...shown } = row;
  return shown;
};

/** Everything Postgres holds about the customer (token and share-link digests left out). */
export async function exportRows(db: Db, companyId: string, customerId: string, sessionIds: string[]) {
  const sessions = await db
    .select()
    .from(crossSiteSessions)
    .where(
      ofSubject(subject(crossSiteSessions, crossSiteSessions.id), companyId, customerId, sessionIds.filter(isUuid)),
    );
  const cartRows = await db
    .select()
    .from(carts)
    .where(ofSubject(subject(carts, carts.sessionId), companyId, customerId, sessionIds));
  const cartIds = cartRows.map((cart) => cart.id);
  const lines = cartIds.length ? await db.select().from(cartItems).where(inArray(cartItems.cartId, cartIds)) : [];
  const saved = cartIds.length
    ? await db.select().from(savedCartItems).where(inArray(savedCartItems.cartId, cartIds))
    : [];
  const wishlistRows = await db
    .select()
    .from(wishlists)
    .where(ofSubject(subject(wishlists, wishlists.sessionId), companyId, customerId, sessionIds));
  const wishlistEntries = wishlistRows.length
    ? await db
        .select()
        .from(wishlistItems)
        .where(
          inArray(
            wishlistItems.wishlistId,
            wishlistRows.map((row) => row.id),
          ),
        )
    : [];
  const comparisonRows = await db
    .select()
    .from(productComparisons)
    .where(ofSubject(subject(productComparisons, productComparisons.sessionId), companyId, customerId, sessionIds));
  const comparisonEntries = comparisonRows.length
    ? await db
        .select()
        .from(productComparisonItems)
        .where(
          inArray(
            productComparisonItems.comparisonId,
            comparisonRows.map((row) => row.id),
          ),
        )
    : [];
  const conversions = await db
    .select()
    .from(cartConversions)
    .where(
      ofSubject(subject(cartConversions, cartConversions.cartId), companyId, customerId, cartIds.length ? cartIds : []),
    );
  const [customer] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.companyId, companyId), eq(customers.id, customerId)));
  return {
    customer: customer ?? null,
    sessions: sessions.map(withoutHashes),
    carts: cartRows.map((cart) => ({
      ...withoutHashes(cart),
      items: lines.filter((line) => line.cartId === cart.id),
      savedItems: saved.filter((line) => line.cartId === cart.id),
    })),
    wishlists: wishlistRows.map((list) => ({
      ...withoutHashes(list),
      items: wishlistEntries.filter((item) => item.wishlistId === list.id),
    })),
    comparisons: comparisonRows.map((list) => ({
      ...withoutHashes(list),
      items: comparisonEntries.filter((item) => item.comparisonId === list.id),
    })),
    conversions,
  };
}

export type PostgresExport = Awaited<ReturnType<typeof exportRows>>;

export const countOf = (rows: PostgresExport) => ({
  customers: rows.customer ? 1 : 0,
  sessions: rows.sessions.length,
  carts: rows.carts.length,
  wishlists: rows.wishlists.length,
  comparisons: rows.comparisons.length,
  conversions: rows.conversions.length,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** cross_site_sessions.id is a uuid column; session ids elsewhere are text. */
function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** Keeps a row's updated_at: anonymizing is not a change the shopper made. */
const unchanged = (column: PgColumn) => sql`${column}`;

/**
 * In one transaction under the company's erasure lock: a tombstone for every session, then the
 * rows anonymized (analytics still count them) and the conversion and customer records deleted.
 * Rows already anonymized are not counted again, so a repeated erasure answers zeros.
 */
export async function eraseRows(db: Database, companyId: string, customerId: string, knownSessionIds: string[]) {
  return db.transaction(async (tx) => {
    await lockForErasure(tx, companyId);
    // Inside the lock: what batches committed before it is found too.
    const found = await findSessions(tx, companyId, customerId);
    const sessionIds = [...new Set([...knownSessionIds, ...found.sessionIds])];
    const tombstones = sessionIds.length
      ? await tx
          .insert(erasedSessions)
          .values(sessionIds.map((sessionId) => ({ sessionId, companyId })))
          .onConflictDoNothing()
          .returning({ sessionId: erasedSessions.sessionId })
      : [];
    const sessions = await tx
      .update(crossSiteSessions)
      .set({
        customerId: null,
        sessionTokenHash: null,
        mergedIntoSessionId: null,
        updatedAt: unchanged(crossSiteSessions.updatedAt),
      })
      .where(
        and(
          ofSubject(subject(crossSiteSessions, crossSiteSessions.id), companyId, customerId, sessionIds.filter(isUuid)),
          or(
            isNotNull(crossSiteSessions.customerId),
            isNotNull(crossSiteSessions.sessionTokenHash),
            isNotNull(crossSiteSessions.mergedIntoSessionId),
          ),
        ),
      )
      .returning({ id: crossSiteSessions.id });
    const cartRows = await tx
      .select({ id: carts.id })
      .from(carts)
      .where(ofSubject(subject(carts, carts.sessionId), companyId, customerId, sessionIds));
    const cartIds = cartRows.map((row) => row.id);
    const conversions = await tx
      .delete(cartConversions)
      .where(ofSubject(subject(cartConversions, cartConversions.cartId), companyId, customerId, cartIds))
      .returning({ orderId: cartConversions.orderId });
    const anonymizedCarts = cartIds.length
      ? await tx
          .update(carts)
          .set({
            customerId: null,
            sessionTokenHash: null,
            orderId: null,
            visitorId: null,
            updatedAt: unchanged(carts.updatedAt),
          })
          .where(
            and(
              inArray(carts.id, cartIds),
              or(
                isNotNull(carts.customerId),
                isNotNull(carts.sessionTokenHash),
                isNotNull(carts.orderId),
                isNotNull(carts.visitorId),
              ),
            ),
          )
          .returning({ id: carts.id })
      : [];
    const lists = await tx
      .update(wishlists)
      .set({
        customerId: null,
        sessionTokenHash: null,
        shareTokenHash: null,
        updatedAt: unchanged(wishlists.updatedAt),
      })
      .where(
        and(
          ofSubject(subject(wishlists, wishlists.sessionId), companyId, customerId, sessionIds),
          or(
            isNotNull(wishlists.customerId),
            isNotNull(wishlists.sessionTokenHash),
            isNotNull(wishlists.shareTokenHash),
          ),
        ),
      )
      .returning({ id: wishlists.id });
    const allLists = await tx
      .select({ id: wishlists.id })
      .from(wishlists)
      .where(ofSubject(subject(wishlists, wishlists.sessionId), companyId, customerId, sessionIds));
    const notes = allLists.length
      ? await tx
          .update(wishlistItems)
          .set({ note: null, updatedAt: unchanged(wishlistItems.updatedAt) })
          .where(
            and(
              inArray(
                wishlistItems.wishlistId,
                allLists.map((row) => row.id),
              ),
              isNotNull(wishlistItems.note),
            ),
          )
          .returning({ id: wishlistItems.id })
      : [];
    const comparisons = await tx
      .update(productComparisons)
      .set({
        customerId: null,
        sessionTokenHash: null,
        shareTokenHash: null,
        updatedAt: unchanged(productComparisons.updatedAt),
      })
      .where(
        and(
          ofSubject(subject(productComparisons, productComparisons.sessionId), companyId, customerId, sessionIds),
          or(
            isNotNull(productComparisons.customerId),
            isNotNull(productComparisons.sessionTokenHash),
            isNotNull(productComparisons.shareTokenHash),
          ),
        ),
      )
      .returning({ id: productComparisons.id });
    const customerRecords = await tx
      .delete(customers)
      .where(and(eq(customers.companyId, companyId), eq(customers.id, customerId)))
      .returning({ id: customers.id });
    return {
      sessionIds,
      counts: {
        sessionsTombstoned: tombstones.length,
        sessionsAnonymized: sessions.length,
        cartsAnonymized: anonymizedCarts.length,
        wishlistsAnonymized: lists.length,
        wishlistNotesCleared: notes.length,
        comparisonsAnonymized: comparisons.length,
        conversionsDeleted: conversions.length,
        customerRecordsDeleted: customerRecords.length,
      },
    };
  });
}

/** Where the company's session objects live (its `dataResidency`). */
export async function companyJurisdiction(db: Db, companyId: string) {
  const [company] = await db
    .select({ dataResidency: companies.dataResidency })
    .from(companies)
    .where(eq(companies.id, companyId));
  return jurisdictionFor(company?.dataResidency);
}
