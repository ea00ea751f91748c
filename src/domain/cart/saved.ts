import { DomainError } from "../errors";
import { MAX_SAVED_LINES } from "./limits";
import { addLine, assertNotBundleComponent, assertSummedQuantity, requireLine, sameProduct } from "./lines";
import type { CartLine, CartState, PricedItem, SavedLine } from "./types";

function requireSaved(state: CartState, savedId: string): SavedLine {
  const saved = state.savedLines.find((candidate) => candidate.id === savedId);
  if (!saved) throw new DomainError("NOT_FOUND", `saved item ${savedId} not found`);
  return saved;
}

/**
 * Moves a line to saved-for-later, keeping its id so the storefront can follow it across the
 * move. Saving a product that is already saved adds to that saved line. Bundle components stay
 * with their bundle.
 */
export function saveForLater(state: CartState, lineId: string, now: Date): { state: CartState; saved: SavedLine } {
  const line = requireLine(state, lineId);
  assertNotBundleComponent(line);
  const lines = state.lines.filter((candidate) => candidate.id !== lineId);

  const existing = state.savedLines.find((candidate) => sameProduct(candidate, line));
  if (existing) {
    const saved: SavedLine = {
      ...existing,
      quantity: assertSummedQuantity(existing.quantity, line.quantity),
      unitPrice: line.unitPrice,
      savedAt: now.toISOString(),
    };
    const savedLines = state.savedLines.map((candidate) => (candidate.id === existing.id ? saved : candidate));
    return { state: { ...state, lines, savedLines }, saved };
  }

  if (state.savedLines.length >= MAX_SAVED_LINES) {
    throw new DomainError("CART_LIMIT", `at most ${MAX_SAVED_LINES} items can be saved for later`);
  }
  const saved: SavedLine = {
    id: line.id,
    productId: line.productId,
    variantId: line.variantId,
    sku: line.sku,
    name: line.name,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    siteId: line.siteId,
    addedAt: line.addedAt,
    savedAt: now.toISOString(),
  };
  return { state: { ...state, lines, savedLines: [...state.savedLines, saved] }, saved };
}

/**
 * Moves a saved line back into the cart at the catalog's current price, with every addLine rule
 * (sellable, same currency, quantity and line limits); on any failure nothing moves. `item` is
 * the catalog entry for the saved product+variant, undefined when the catalog no longer has it.
 */
export function restoreSaved(
  state: CartState,
  savedId: string,
  item: PricedItem | undefined,
  now: Date,
): { state: CartState; line: CartLine } {
  const saved = requireSaved(state, savedId);
  if (!item || !sameProduct(item, saved)) {
    throw new DomainError("PRODUCT_UNAVAILABLE", `product ${saved.productId} is not available`);
  }
  const withoutSaved = { ...state, savedLines: state.savedLines.filter((candidate) => candidate.id !== savedId) };
  return addLine(withoutSaved, item, saved.quantity, saved.siteId, now, () => saved.id);
}

export function removeSaved(state: CartState, savedId: string): CartState {
  requireSaved(state, savedId);
  return { ...state, savedLines: state.savedLines.filter((candidate) => candidate.id !== savedId) };
}
