// client.wishlist and client.comparison: one implementation for both lists, as on the server
// (src/modules/lists): read, add, remove, share, stop sharing, and the shared read-only view.
import type { ClientContext } from "./context";
import type {
  AddComparisonItemInput,
  AddWishlistItemInput,
  Comparison,
  ComparisonShare,
  SharedComparison,
  SharedWishlist,
  UpdateWishlistItemInput,
  Wishlist,
  WishlistShare,
} from "./contract";
import type { CallOptions } from "./transport";

function listApi<List, AddInput, Share, Shared>(context: ClientContext, kind: "wishlist" | "comparison") {
  const path = (suffix = "") => `${context.identity.prefix(kind)}${suffix}`;
  const item = (itemId: string) => `/items/${encodeURIComponent(itemId)}`;
  return {
    get: () => context.asShopper<List>({ method: "GET", path: path() }),
    /** Adds a product; adding one that is there already answers the list as it is (or updates it). */
    add: (input: AddInput, options?: CallOptions) =>
      context.asShopper<List>({ method: "POST", path: path("/items"), body: input, options }),
    remove: (itemId: string, options?: CallOptions) =>
      context.asShopper<List>({ method: "DELETE", path: path(item(itemId)), options }),
    /** A new share link (`token`, `url`) with the list; it replaces the previous link. */
    share: (options?: CallOptions) => context.asShopper<Share>({ method: "POST", path: path("/share"), options }),
    /** Stops sharing: the link is a 404 at once. */
    unshare: (options?: CallOptions) => context.asShopper<List>({ method: "DELETE", path: path("/share"), options }),
    /** The read-only view behind a share token (needs no session: what a company portal renders). */
    shared: (token: string) =>
      context.asStorefront<Shared>({
        method: "GET",
        path: `/api/public/${kind}/shared/${encodeURIComponent(token)}`,
      }),
    /** For updating items: the list's item path. */
    itemPath: (itemId: string) => path(item(itemId)),
  };
}

export function wishlistApi(context: ClientContext) {
  const { itemPath, ...list } = listApi<Wishlist, AddWishlistItemInput, WishlistShare, SharedWishlist>(
    context,
    "wishlist",
  );
  return {
    ...list,
    /** Changes an item's priority (0–100) and/or note. */
    update: (itemId: string, input: UpdateWishlistItemInput, options?: CallOptions) =>
      context.asShopper<Wishlist>({ method: "PATCH", path: itemPath(itemId), body: input, options }),
  };
}

export function comparisonApi(context: ClientContext) {
  const { itemPath: _, ...list } = listApi<Comparison, AddComparisonItemInput, ComparisonShare, SharedComparison>(
    context,
    "comparison",
  );
  return list;
}
