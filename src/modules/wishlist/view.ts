import type { SessionDoc, WishlistDoc } from "../../sessions/types";
import { orderWishlist } from "./domain";

/** The wishlist as its owner sees it; items highest priority first. */
export function wishlistView(session: SessionDoc, wishlist: WishlistDoc) {
  return {
    id: wishlist.id,
    sessionId: session.id,
    companyId: session.companyId,
    customerId: session.customerId,
    items: orderWishlist(wishlist.state.items),
    itemCount: wishlist.state.items.length,
    shared: wishlist.shareTokenHash !== null,
    sharedAt: wishlist.sharedAt,
    version: wishlist.version,
    createdAt: wishlist.createdAt,
    updatedAt: wishlist.updatedAt,
  };
}

export type WishlistView = ReturnType<typeof wishlistView>;
