// Copies a session's state to Postgres: idempotent upserts keyed by id and guarded by
// version, so a retried or out-of-order flush can never move a row backwards.
import { and, eq, ne, sql } from "drizzle-orm";
import type { Database } from "../src/db/client";
import {
  cartItems,
  carts,
  crossSiteSessions,
  productComparisonItems,
  productComparisons,
  savedCartItems,
  wishlistItems,
  wishlists,
} from "../src/db/schema";
import { whenNewerVersion } from "../src/db/upsert";
import type { CartDoc, ComparisonDoc, SessionDoc, WishlistDoc } from "./contract";

export interface ReplicationSnapshot {
  session: SessionDoc;
  /** set when the session document itself changed; its cross_site_sessions row */
  sessionRow?: { tokenHash: string | null } | undefined;
  carts: CartDoc[];
  wishlist?: WishlistDoc | undefined;
  comparison?: ComparisonDoc | undefined;
}

type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/**
 * A resource Postgres refused for good — its data (SQLSTATE class 22) or a constraint (class
 * 23), not the connection. Retrying cannot help, so it is set aside and the rest of the
 * session's changes go through.
 */
export interface DeadLetter {
  resource: "session" | "cart" | "wishlist" | "comparison";
  resourceId: string;
  version: number;
  sqlState: string;
}

const PERMANENT_SQLSTATE_CLASSES = new Set(["22", "23"]);

/** The SQLSTATE an error (or one of its causes: drizzle wraps the driver's) carries, if any. */
export function sqlStateOf(error: unknown): string | undefined {
  for (let link = error, depth = 0; link instanceof Error && depth < 5; link = link.cause, depth++) {
    const code = (link as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Writes the snapshot in one transaction, each resource under its own savepoint: a resource
 * Postgres refuses for good is rolled back alone and reported; a transient failure (the
 * connection, a timeout) fails the whole flush, which is retried with backoff.
 */
export async function replicate(db: Database, snapshot: ReplicationSnapshot): Promise<DeadLetter[]> {
  const { session } = snapshot;
  const refused: DeadLetter[] = [];
  await db.transaction(async (tx) => {
    const isolated = async (letter: Omit<DeadLetter, "sqlState">, write: (sp: Transaction) => Promise<void>) => {
      try {
        await tx.transaction(write);
      } catch (error) {
        const sqlState = sqlStateOf(error);
        if (!sqlState || !PERMANENT_SQLSTATE_CLASSES.has(sqlState.slice(0, 2))) throw error;
        refused.push({ ...letter, sqlState });
      }
    };
    if (snapshot.sessionRow) {
      const { tokenHash } = snapshot.sessionRow;
      await isolated({ resource: "session", resourceId: session.id, version: session.version }, (sp) =>
        replicateSession(sp, session, tokenHash),
      );
    }
    const { wishlist, comparison } = snapshot;
    if (wishlist) {
      await isolated({ resource: "wishlist", resourceId: wishlist.id, version: wishlist.version }, (sp) =>
        replicateWishlist(sp, session, wishlist),
      );
    }
    if (comparison) {
      await isolated({ resource: "comparison", resourceId: comparison.id, version: comparison.version }, (sp) =>
        replicateComparison(sp, session, comparison),
      );
    }
    // Archived (converted) carts first: they give up the session's token hash, which is
    // unique, before the current cart claims it.
    const ordered = [...snapshot.carts].sort(
      (a, b) => Number(a.id === session.cartId) - Number(b.id === session.cartId),
    );
    for (const cart of ordered) {
      await isolated({ resource: "cart", resourceId: cart.id, version: cart.version }, (sp) =>
        replicateCart(sp, session, cart),
      );
    }
  });
  return refused;
}

async function replicateCart(tx: Transaction, session: SessionDoc, cart: CartDoc): Promise<void> {
  const { tokenHash } = session;
  if (cart.id === session.cartId && tokenHash) {
    // The token hash is unique and moves to the current cart. The converted cart that
    // held it may have been replicated by an earlier flush (so it is not in `ordered`):
    // it gives the hash up here, or this insert would fail on every retry.
    await tx
      .update(carts)
      // updated_at stays: giving up the hash is bookkeeping, not a change to that cart.
      .set({ sessionTokenHash: null, updatedAt: sql`${carts.updatedAt}` })
      .where(and(eq(carts.sessionTokenHash, tokenHash), ne(carts.id, cart.id)));
  }
  const written = await tx
    .insert(carts)
    .values(cartRow(session, cart))
    .onConflictDoUpdate(whenNewerVersion(carts))
    .returning({ id: carts.id });
  // Lines are replaced wholesale, only when the cart row itself moved forward.
  if (written.length === 0) return;
  await tx.delete(cartItems).where(eq(cartItems.cartId, cart.id));
  await tx.delete(savedCartItems).where(eq(savedCartItems.cartId, cart.id));
  if (cart.state.lines.length) {
    // A line's fields are its columns (all but `unavailable`, which only the API shows).
    await tx.insert(cartItems).values(
      cart.state.lines.map(({ unavailable: _shownNotStored, ...line }) => ({
        ...line,
        cartId: cart.id,
        addedAt: new Date(line.addedAt),
        updatedAt: new Date(cart.updatedAt),
      })),
    );
  }
  if (cart.state.savedLines.length) {
    await tx.insert(savedCartItems).values(
      cart.state.savedLines.map(({ addedAt: _whenFirstAdded, ...saved }) => ({
        ...saved,
        cartId: cart.id,
        savedAt: new Date(saved.savedAt),
      })),
    );
  }
}

async function replicateSession(tx: Transaction, session: SessionDoc, tokenHash: string | null): Promise<void> {
  await tx
    .insert(crossSiteSessions)
    .values({
      id: session.id,
      companyId: session.companyId,
      customerId: session.customerId,
      sessionTokenHash: tokenHash,
      status: session.status,
      originSiteId: session.originSiteId,
      sitesVisited: session.sitesVisited,
      transferCount: session.transferCount ?? 0,
      mergeCount: session.mergeCount ?? 0,
      mergedIntoSessionId: session.mergedIntoSessionId,
      mergedAt: session.mergedAt ? new Date(session.mergedAt) : null,
      expiredAt: session.status === "EXPIRED" ? new Date(session.updatedAt) : null,
      version: session.version,
      lastActivityAt: new Date(session.lastActivityAt),
      expiresAt: new Date(session.expiresAt ?? session.lastActivityAt),
      createdAt: new Date(session.createdAt),
      updatedAt: new Date(session.updatedAt),
    })
    .onConflictDoUpdate(whenNewerVersion(crossSiteSessions));
}

async function replicateWishlist(tx: Transaction, session: SessionDoc, wishlist: WishlistDoc): Promise<void> {
  const written = await tx
    .insert(wishlists)
    .values({
      id: wishlist.id,
      companyId: session.companyId,
      siteId: wishlist.siteId,
      customerId: session.customerId,
      sessionId: session.id,
      sessionTokenHash: session.tokenHash,
      shareTokenHash: wishlist.shareTokenHash,
      sharedAt: wishlist.sharedAt ? new Date(wishlist.sharedAt) : null,
      itemCount: wishlist.state.items.length,
      version: wishlist.version,
      createdAt: new Date(wishlist.createdAt),
      updatedAt: new Date(wishlist.updatedAt),
    })
    .onConflictDoUpdate(whenNewerVersion(wishlists, ["name"]))
    .returning({ id: wishlists.id });
  if (written.length === 0) return;
  await tx.delete(wishlistItems).where(eq(wishlistItems.wishlistId, wishlist.id));
  if (wishlist.state.items.length) {
    await tx.insert(wishlistItems).values(
      wishlist.state.items.map((item) => ({
        id: item.id,
        wishlistId: wishlist.id,
        productId: item.productId,
        variantId: item.variantId,
        priority: item.priority,
        note: item.note,
        addedAt: new Date(item.addedAt),
        updatedAt: new Date(item.updatedAt),
      })),
    );
  }
}

async function replicateComparison(tx: Transaction, session: SessionDoc, comparison: ComparisonDoc): Promise<void> {
  if (session.tokenHash) {
    // A comparison is renewed with a new id 90 days after it was created (lists.ts); the old
    // row keeps the session's token hash until the weekly purge deletes it. The hash is unique,
    // so the old row gives it up here, as a converted cart does, or this insert would be refused
    // for good and the new comparison would never reach Postgres. (A wishlist keeps its id for
    // the session's life, so it never needs this.)
    await tx
      .update(productComparisons)
      .set({ sessionTokenHash: null, updatedAt: sql`${productComparisons.updatedAt}` })
      .where(and(eq(productComparisons.sessionTokenHash, session.tokenHash), ne(productComparisons.id, comparison.id)));
  }
  const written = await tx
    .insert(productComparisons)
    .values({
      id: comparison.id,
      companyId: session.companyId,
      siteId: comparison.siteId,
      customerId: session.customerId,
      sessionId: session.id,
      sessionTokenHash: session.tokenHash,
      shareTokenHash: comparison.shareTokenHash,
      sharedAt: comparison.sharedAt ? new Date(comparison.sharedAt) : null,
      itemCount: comparison.state.items.length,
      version: comparison.version,
      expiresAt: new Date(comparison.expiresAt),
      createdAt: new Date(comparison.createdAt),
      updatedAt: new Date(comparison.updatedAt),
    })
    .onConflictDoUpdate(whenNewerVersion(productComparisons))
    .returning({ id: productComparisons.id });
  if (written.length === 0) return;
  await tx.delete(productComparisonItems).where(eq(productComparisonItems.comparisonId, comparison.id));
  if (comparison.state.items.length) {
    await tx.insert(productComparisonItems).values(
      comparison.state.items.map((item, position) => ({
        id: item.id,
        comparisonId: comparison.id,
        productId: item.productId,
        variantId: item.variantId,
        position,
        addedAt: new Date(item.addedAt),
      })),
    );
  }
}

function cartRow(session: SessionDoc, cart: CartDoc): typeof carts.$inferInsert {
  return {
    id: cart.id,
    companyId: session.companyId,
    siteId: cart.siteId,
    customerId: session.customerId,
    sessionId: session.id,
    sessionTokenHash: cart.id === session.cartId ? session.tokenHash : null,
    status: cart.status,
    currency: cart.state.currency,
    ...cart.totals,
    discounts: cart.state.discounts.map(({ code, type, value, amount }) => ({ code, type, value, amount })),
    orderId: cart.orderId,
    convertedAt: cart.convertedAt ? new Date(cart.convertedAt) : null,
    abandonedAt: cart.abandonedAt ? new Date(cart.abandonedAt) : null,
    version: cart.version,
    lastActivityAt: new Date(session.lastActivityAt),
    expiresAt: new Date(cart.expiresAt),
    createdAt: new Date(cart.createdAt),
    updatedAt: new Date(cart.updatedAt),
  };
}
