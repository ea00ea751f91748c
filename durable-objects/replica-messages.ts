// A session's documents as replica rows (src/replication/messages.ts): what Postgres keeps of
// each resource version. Pure mapping; the outbox sends the result.
import type { ReplicaBodyInput, ReplicaKind } from "../src/replication/messages";
import type { CartDoc, ComparisonDoc, SessionDoc, WishlistDoc } from "./contract";

export interface ReplicaOf {
  kind: ReplicaKind;
  resourceId: string;
  version: number;
  body: ReplicaBodyInput;
}

/** The session row; `tokenHash` is the digest Postgres may hold (customers' tokens live only here). */
export function sessionReplica(session: SessionDoc, tokenHash: string | null): ReplicaOf {
  return {
    kind: "session",
    resourceId: session.id,
    version: session.version,
    body: {
      kind: "session",
      row: {
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
        mergedAt: session.mergedAt,
        expiredAt: session.status === "EXPIRED" ? session.updatedAt : null,
        version: session.version,
        lastActivityAt: session.lastActivityAt,
        expiresAt: session.expiresAt ?? session.lastActivityAt,
        createdAt: session.createdAt,
        updatedAt: session.updatedAt,
      },
    },
  };
}

const owner = (session: SessionDoc, holdsToken: boolean) => ({
  companyId: session.companyId,
  customerId: session.customerId,
  sessionId: session.id,
  sessionTokenHash: holdsToken ? session.tokenHash : null,
});

/** A cart with its lines; only the session's current cart holds its token hash. */
export function cartReplica(session: SessionDoc, cart: CartDoc): ReplicaOf {
  return {
    kind: "cart",
    resourceId: cart.id,
    version: cart.version,
    body: {
      kind: "cart",
      row: {
        id: cart.id,
        ...owner(session, cart.id === session.cartId),
        siteId: cart.siteId,
        status: cart.status,
        currency: cart.state.currency,
        ...cart.totals,
        discounts: cart.state.discounts.map(({ code, type, value, amount }) => ({ code, type, value, amount })),
        orderId: cart.orderId,
        convertedAt: cart.convertedAt,
        abandonedAt: cart.abandonedAt,
        version: cart.version,
        lastActivityAt: session.lastActivityAt,
        expiresAt: cart.expiresAt,
        createdAt: cart.createdAt,
        updatedAt: cart.updatedAt,
      },
      // A line's fields are its columns (all but `unavailable`, which only the API shows).
      items: cart.state.lines.map(({ unavailable: _shownNotStored, ...line }) => ({
        ...line,
        updatedAt: cart.updatedAt,
      })),
      saved: cart.state.savedLines.map(({ addedAt: _whenFirstAdded, ...saved }) => saved),
    },
  };
}

const listRow = (session: SessionDoc, list: WishlistDoc | ComparisonDoc) => ({
  id: list.id,
  ...owner(session, true),
  siteId: list.siteId,
  shareTokenHash: list.shareTokenHash,
  sharedAt: list.sharedAt,
  itemCount: list.state.items.length,
  version: list.version,
  createdAt: list.createdAt,
  updatedAt: list.updatedAt,
});

export function wishlistReplica(session: SessionDoc, wishlist: WishlistDoc): ReplicaOf {
  return {
    kind: "wishlist",
    resourceId: wishlist.id,
    version: wishlist.version,
    body: {
      kind: "wishlist",
      row: listRow(session, wishlist),
      items: wishlist.state.items.map(({ id, productId, variantId, priority, note, addedAt, updatedAt }) => ({
        id,
        productId,
        variantId,
        priority,
        note,
        addedAt,
        updatedAt,
      })),
    },
  };
}

export function comparisonReplica(session: SessionDoc, comparison: ComparisonDoc): ReplicaOf {
  return {
    kind: "comparison",
    resourceId: comparison.id,
    version: comparison.version,
    body: {
      kind: "comparison",
      row: { ...listRow(session, comparison), expiresAt: comparison.expiresAt },
      items: comparison.state.items.map(({ id, productId, variantId, addedAt }, position) => ({
        id,
        productId,
        variantId,
        position,
        addedAt,
      })),
    },
  };
}
