// The product comparison's pure core: plain data in, plain data out, no I/O.
import type { Attributes } from "./catalog";
import { DomainError } from "./errors";

/** Comparisons live this long after creation (runbook §6.2). */
export const COMPARISON_TTL_DAYS = 90;

export interface ComparisonItem {
  id: string;
  productId: string;
  variantId: string | null;
  siteId: string | null;
  addedAt: string;
}

export interface ComparisonState {
  items: ComparisonItem[];
}

const sameProduct = (a: { productId: string; variantId: string | null }, b: typeof a) =>
  a.productId === b.productId && a.variantId === b.variantId;

/** Adds a product; the same product again is the existing entry; past `maxItems` → COMPARE_LIMIT_REACHED. */
export function addToComparison(
  state: ComparisonState,
  ref: { productId: string; variantId: string | null },
  maxItems: number,
  siteId: string | null,
  now: Date,
  newId: () => string,
): { state: ComparisonState; item: ComparisonItem; created: boolean } {
  const existing = state.items.find((item) => sameProduct(item, ref));
  if (existing) return { state, item: existing, created: false };
  if (state.items.length >= maxItems) {
    throw new DomainError("COMPARE_LIMIT_REACHED", `a comparison holds at most ${maxItems} products`);
  }
  const item: ComparisonItem = { id: newId(), ...ref, siteId, addedAt: now.toISOString() };
  return { state: { items: [...state.items, item] }, item, created: true };
}

export function removeFromComparison(state: ComparisonState, itemId: string): ComparisonState {
  const items = state.items.filter((item) => item.id !== itemId);
  if (items.length === state.items.length) throw new DomainError("NOT_FOUND", "Comparison item not found");
  return { items };
}

/** Union up to the cap, target's products first; what does not fit is reported, never silently lost. */
export function mergeComparisons(
  target: ComparisonState,
  guest: ComparisonState,
  maxItems: number,
  newId: () => string,
): { state: ComparisonState; added: ComparisonItem[]; dropped: ComparisonItem[] } {
  const items = [...target.items];
  const added: ComparisonItem[] = [];
  const dropped: ComparisonItem[] = [];
  for (const incoming of guest.items) {
    if (items.some((item) => sameProduct(item, incoming))) continue;
    if (items.length >= maxItems) {
      dropped.push(incoming);
      continue;
    }
    const item = { ...incoming, id: newId() };
    items.push(item);
    added.push(item);
  }
  return { state: { items }, added, dropped };
}

export interface ComparedProduct {
  productId: string;
  variantId: string | null;
  name: string;
  attributes: Attributes;
}

/**
 * What a compare page renders: one row per attribute key (the union over all products,
 * sorted), one value per product in the products' order, `null` where a product lacks it.
 */
export function attributeTable(products: readonly ComparedProduct[]) {
  const keys = [...new Set(products.flatMap((product) => Object.keys(product.attributes)))].sort();
  return keys.map((key) => ({
    key,
    // Own keys only: `key in` would find "constructor" or "toString" on every object's prototype.
    values: products.map((product) =>
      Object.hasOwn(product.attributes, key) ? (product.attributes[key] ?? null) : null,
    ),
  }));
}
