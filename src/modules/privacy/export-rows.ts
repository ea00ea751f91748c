// Everything Postgres holds about one customer, for an export (docs/design.md, "Privacy"):
// their sessions, carts with lines and saved lines, wishlists and comparisons with their items,
// the platform's conversion records and the customer record. Token and share digests are left out.
import { and, eq, inArray } from "drizzle-orm";
import {
  cartConversions,
  cartItems,
  carts,
  crossSiteSessions,
  customers,
  productComparisonItems,
  productComparisons,
  savedCartItems,
  wishlistItems,
  wishlists,
} from "../../db/schema";
import { type Db, isUuid, ofSubject } from "./sessions";

const withoutHashes = <T extends { sessionTokenHash?: unknown; shareTokenHash?: unknown }>(row: T) => {
  const { sessionTokenHash: _session, shareTokenHash: _share, ...shown } = row;
  return shown;
};

/** Everything Postgres holds about the customer (token and share-link digests left out). */
export async function exportRows(db: Db, companyId: string, customerId: string, sessionIds: string[]) {
  const sessions = await db
    .select()
    .from(crossSiteSessions)
    .where(ofSubject(crossSiteSessions, crossSiteSessions.id, companyId, customerId, sessionIds.filter(isUuid)));
  const cartRows = await db
    .select()
    .from(carts)
    .where(ofSubject(carts, carts.sessionId, companyId, customerId, sessionIds));
  const cartIds = cartRows.map((cart) => cart.id);
  const lines = cartIds.length ? await db.select().from(cartItems).where(inArray(cartItems.cartId, cartIds)) : [];
  const saved = cartIds.length
    ? await db.select().from(savedCartItems).where(inArray(savedCartItems.cartId, cartIds))
    : [];
  const wishlistRows = await db
    .select()
    .from(wishlists)
    .where(ofSubject(wishlists, wishlists.sessionId, companyId, customerId, sessionIds));
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
    .where(ofSubject(productComparisons, productComparisons.sessionId, companyId, customerId, sessionIds));
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
    .where(ofSubject(cartConversions, cartConversions.cartId, companyId, customerId, cartIds.length ? cartIds : []));
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
