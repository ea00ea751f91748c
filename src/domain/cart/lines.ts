import { DomainError, type DomainErrorCode } from "../errors";
import { MAX_LINES, MAX_QUANTITY, MAX_UNIT_PRICE, MIN_QUANTITY } from "./limits";
import { isMinorUnits } from "./money";
import type { CartLine, CartState, PricedItem } from "./types";

export interface ProductRef {
  productId: string;
  variantId: string | null;
}

export function sameProduct(a: ProductRef, b: ProductRef): boolean {
  return a.productId === b.productId && a.variantId === b.variantId;
}

/** The ordinary (non-bundle) line for a product+variant; bundle components never absorb adds. */
export function findLooseLine(lines: readonly CartLine[], ref: ProductRef): CartLine | undefined {
  return lines.find((line) => line.bundleGroupId === null && sameProduct(line, ref));
}

export function subtotalOf(lines: readonly CartLine[]): number {
  return lines.reduce((sum, line) => sum + line.lineTotal, 0);
}

/** Quantities a caller asks for directly; going past the cap by adding up is CART_LIMIT instead. */
export function assertQuantity(quantity: number): void {
  if (!Number.isInteger(quantity) || quantity < MIN_QUANTITY || quantity > MAX_QUANTITY) {
    throw new DomainError(
      "VALIDATION_FAILED",
      `quantity must be a whole number from ${MIN_QUANTITY} to ${MAX_QUANTITY}`,
    );
  }
}

export function assertRoomForLines(state: CartState, newLines: number): void {
  if (state.lines.length + newLines > MAX_LINES) {
    throw new DomainError("CART_LIMIT", `a cart holds at most ${MAX_LINES} lines`);
  }
}

export function assertSummedQuantity(current: number, added: number): number {
  const quantity = current + added;
  if (quantity > MAX_QUANTITY) {
    throw new DomainError(
      "CART_LIMIT",
      `quantity would be ${quantity}; a line holds at most ${MAX_QUANTITY} (currently ${current})`,
    );
  }
  return quantity;
}

/** Why the catalog entry cannot go into a cart of `currency`, or undefined when it can. */
export function unsellableReason(
  item: PricedItem,
  currency: string,
): { code: DomainErrorCode; detail: string } | undefined {
  if (!item.active) return { code: "PRODUCT_UNAVAILABLE", detail: `product ${item.productId} is not available` };
  if (!isMinorUnits(item.unitPrice)) {
    return { code: "PRODUCT_UNAVAILABLE", detail: `product ${item.productId} has no valid price` };
  }
  // The bound that keeps every cart amount exact (limits.ts, MAX_CART_TOTAL).
  if (item.unitPrice > MAX_UNIT_PRICE) {
    return {
      code: "PRODUCT_UNAVAILABLE",
      detail: `product ${item.productId} costs more than a cart line takes (${MAX_UNIT_PRICE} minor units)`,
    };
  }
  if (item.currency !== currency) {
    return {
      code: "CURRENCY_MISMATCH",
      detail: `product ${item.productId} is priced in ${item.currency}, the cart is in ${currency}`,
    };
  }
  return undefined;
}

export function requireLine(state: CartState, lineId: string): CartLine {
  const line = state.lines.find((candidate) => candidate.id === lineId);
  if (!line) throw new DomainError("NOT_FOUND", `cart item ${lineId} not found`);
  return line;
}

export function assertNotBundleComponent(line: CartLine): void {
  if (line.bundleGroupId !== null) {
    throw new DomainError(
      "BUNDLE_LINE_LOCKED",
      `cart item ${line.id} is part of bundle group ${line.bundleGroupId}; change or remove the whole bundle`,
    );
  }
}

function replaceLine(state: CartState, line: CartLine): CartState {
  return { ...state, lines: state.lines.map((existing) => (existing.id === line.id ? line : existing)) };
}

/**
 * Adds `quantity` of a catalog item. An ordinary line for the same product+variant absorbs the
 * add (keeping its id, site and addedAt, taking the fresh price); otherwise a new line is appended.
 */
export function addLine(
  state: CartState,
  item: PricedItem,
  quantity: number,
  siteId: string | null,
  now: Date,
  newId: () => string,
): { state: CartState; line: CartLine } {
  assertQuantity(quantity);
  const reason = unsellableReason(item, state.currency);
  if (reason) throw new DomainError(reason.code, reason.detail);

  const existing = findLooseLine(state.lines, item);
  if (existing) {
    const merged = assertSummedQuantity(existing.quantity, quantity);
    const line = withCatalogEntry(existing, item, merged);
    return { state: replaceLine(state, line), line };
  }

  assertRoomForLines(state, 1);
  const line: CartLine = {
    id: newId(),
    productId: item.productId,
    variantId: item.variantId,
    sku: item.sku,
    name: item.name,
    quantity,
    unitPrice: item.unitPrice,
    lineTotal: item.unitPrice * quantity,
    bundleGroupId: null,
    bundleId: null,
    siteId,
    addedAt: now.toISOString(),
    unavailable: false,
  };
  return { state: { ...state, lines: [...state.lines, line] }, line };
}

/** An ordinary line re-priced from a sellable catalog entry. */
export function withCatalogEntry(line: CartLine, item: PricedItem, quantity: number): CartLine {
  return {
    ...line,
    sku: item.sku,
    name: item.name,
    quantity,
    unitPrice: item.unitPrice,
    lineTotal: item.unitPrice * quantity,
    unavailable: false,
  };
}

/** Sets a line's quantity (1–999). The price is refreshed by repriceLines, which runs on every change. */
export function updateQuantity(state: CartState, lineId: string, quantity: number): CartState {
  const line = requireLine(state, lineId);
  assertNotBundleComponent(line);
  assertQuantity(quantity);
  return replaceLine(state, { ...line, quantity, lineTotal: line.unitPrice * quantity });
}

export function removeLine(state: CartState, lineId: string): CartState {
  const line = requireLine(state, lineId);
  assertNotBundleComponent(line);
  return { ...state, lines: state.lines.filter((existing) => existing.id !== lineId) };
}
