// The wishlist's pure core: plain data in, plain data out, no I/O.
import { DomainError } from "./errors";

export const MAX_WISHLIST_ITEMS = 500;
/** Higher means wanted more; the list is shown highest first. */
export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 100;
export const DEFAULT_PRIORITY = 0;

export interface WishlistItem {
  id: string;
  productId: string;
  variantId: string | null;
  priority: number;
  note: string | null;
  siteId: string | null;
  addedAt: string;
  updatedAt: string;
}

export interface WishlistState {
  items: WishlistItem[];
}

export interface WishlistEntry {
  productId: string;
  variantId: string | null;
  priority?: number | undefined;
  note?: string | null | undefined;
}

const sameProduct = (a: { productId: string; variantId: string | null }, b: typeof a) =>
  a.productId === b.productId && a.variantId === b.variantId;

/**
 * Highest priority first; equal priorities in the order they were added. Items added in the
 * same millisecond keep their order in the list (the sort is stable); ids are random and
 * must not decide.
 */
export function orderWishlist(items: readonly WishlistItem[]): WishlistItem[] {
  return [...items].sort((a, b) => b.priority - a.priority || a.addedAt.localeCompare(b.addedAt));
}

/** Adds a product, or updates its priority/note when it is already there (never a duplicate). */
export function addToWishlist(
  state: WishlistState,
  entry: WishlistEntry,
  siteId: string | null,
  now: Date,
  newId: () => string,
): { state: WishlistState; item: WishlistItem; created: boolean } {
  const iso = now.toISOString();
  const existing = state.items.find((item) => sameProduct(item, entry));
  if (existing) {
    const item: WishlistItem = {
      ...existing,
      priority: entry.priority ?? existing.priority,
      note: entry.note === undefined ? existing.note : entry.note,
      updatedAt: iso,
    };
    return {
      state: { items: state.items.map((candidate) => (candidate.id === item.id ? item : candidate)) },
      item,
      created: false,
    };
  }
  if (state.items.length >= MAX_WISHLIST_ITEMS) {
    throw new DomainError("WISHLIST_LIMIT", `a wishlist holds at most ${MAX_WISHLIST_ITEMS} items`);
  }
  const item: WishlistItem = {
    id: newId(),
    productId: entry.productId,
    variantId: entry.variantId,
    priority: entry.priority ?? DEFAULT_PRIORITY,
    note: entry.note ?? null,
    siteId,
    addedAt: iso,
    updatedAt: iso,
  };
  return { state: { items: [...state.items, item] }, item, created: true };
}

export function updateWishlistItem(
  state: WishlistState,
  itemId: string,
  changes: { priority?: number | undefined; note?: string | null | undefined },
  now: Date,
): WishlistState {
  const existing = state.items.find((item) => item.id === itemId);
  if (!existing) throw new DomainError("NOT_FOUND", "Wishlist item not found");
  const item: WishlistItem = {
    ...existing,
    priority: changes.priority ?? existing.priority,
    note: changes.note === undefined ? existing.note : changes.note,
    updatedAt: now.toISOString(),
  };
  return { items: state.items.map((candidate) => (candidate.id === itemId ? item : candidate)) };
}

export function removeFromWishlist(state: WishlistState, itemId: string): WishlistState {
  const items = state.items.filter((item) => item.id !== itemId);
  if (items.length === state.items.length) throw new DomainError("NOT_FOUND", "Wishlist item not found");
  return { items };
}

export interface WishlistMergeDiff {
  added: { productId: string; variantId: string | null }[];
  priorityRaised: { productId: string; variantId: string | null; from: number; to: number }[];
  dropped: { productId: string; variantId: string | null; reason: "LIMIT" }[];
}

/** Union of both lists; an item on both keeps the higher priority (and the target's note if it has one). */
export function mergeWishlists(
  target: WishlistState,
  guest: WishlistState,
  now: Date,
  newId: () => string,
): { state: WishlistState; diff: WishlistMergeDiff } {
  const diff: WishlistMergeDiff = { added: [], priorityRaised: [], dropped: [] };
  let items = [...target.items];
  for (const incoming of orderWishlist(guest.items)) {
    const ref = { productId: incoming.productId, variantId: incoming.variantId };
    const existing = items.find((item) => sameProduct(item, incoming));
    if (existing) {
      if (incoming.priority > existing.priority) {
        diff.priorityRaised.push({ ...ref, from: existing.priority, to: incoming.priority });
        items = items.map((item) =>
          item.id === existing.id
            ? { ...item, priority: incoming.priority, note: item.note ?? incoming.note, updatedAt: now.toISOString() }
            : item,
        );
      }
      continue;
    }
    if (items.length >= MAX_WISHLIST_ITEMS) {
      diff.dropped.push({ ...ref, reason: "LIMIT" });
      continue;
    }
    items.push({ ...incoming, id: newId(), updatedAt: now.toISOString() });
    diff.added.push(ref);
  }
  return { state: { items }, diff };
}
