// Erasing one customer's rows in Postgres (docs/design.md, "Privacy", entries 76–78): tombstones
// for their sessions, then the rows analytics count anonymized and the conversion and customer
// records deleted, in one transaction under the company's erasure lock.
import { and, eq, inArray, isNotNull, or, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { Database } from "../../db/client";
import { lockForErasure } from "../../db/erasure";
import {
  cartConversions,
  carts,
  crossSiteSessions,
  customers,
  erasedSessions,
  productComparisons,
  wishlistItems,
  wishlists,
} from "../../db/schema";
import { findSessions, isUuid, ofSubject } from "./sessions";

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
          ofSubject(crossSiteSessions, crossSiteSessions.id, companyId, customerId, sessionIds.filter(isUuid)),
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
      .where(ofSubject(carts, carts.sessionId, companyId, customerId, sessionIds));
    const cartIds = cartRows.map((row) => row.id);
    const conversions = await tx
      .delete(cartConversions)
      .where(ofSubject(cartConversions, cartConversions.cartId, companyId, customerId, cartIds))
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
          ofSubject(wishlists, wishlists.sessionId, companyId, customerId, sessionIds),
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
      .where(ofSubject(wishlists, wishlists.sessionId, companyId, customerId, sessionIds));
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
          ofSubject(productComparisons, productComparisons.sessionId, companyId, customerId, sessionIds),
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
