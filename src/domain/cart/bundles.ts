import { DomainError } from "../errors";
import { MAX_QUANTITY } from "./limits";
import { assertQuantity, assertRoomForLines, unsellableReason } from "./lines";
import { allocateProportionally, isMinorUnits, mulDivHalfUp } from "./money";
import type { BundleComponent, BundleDefinition, CartLine, CartState, PricedItem } from "./types";

export interface BundleQuoteLine {
  component: BundleComponent;
  item: PricedItem;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

export type BundleQuote = { ok: true; total: number; lines: BundleQuoteLine[] } | { ok: false; detail: string };

function configurationProblem(bundle: BundleDefinition): string | undefined {
  if (!bundle.active) return `bundle ${bundle.id} is not available`;
  if (bundle.items.length === 0) return `bundle ${bundle.id} has no products`;
  const { discountType, discountValue } = bundle;
  if (discountType === "PERCENT" && !(Number.isInteger(discountValue) && discountValue >= 0 && discountValue <= 100)) {
    return `bundle ${bundle.id} has an invalid discount`;
  }
  if (discountType === "FIXED" && !isMinorUnits(discountValue)) return `bundle ${bundle.id} has an invalid discount`;
  return undefined;
}

function checkComponent(
  bundle: BundleDefinition,
  component: BundleComponent,
  currency: string,
): { item: PricedItem } | { problem: string } {
  const { item } = component;
  // A product of another company looks exactly like a missing one: the shopper learns nothing about it.
  if (
    !item ||
    item.companyId !== bundle.companyId ||
    item.productId !== component.productId ||
    item.variantId !== component.variantId
  ) {
    return { problem: `product ${component.productId} in bundle ${bundle.id} is not available` };
  }
  if (!Number.isInteger(component.quantity) || component.quantity < 1) {
    return { problem: `bundle ${bundle.id} has an invalid quantity for product ${component.productId}` };
  }
  const reason = unsellableReason(item, currency);
  return reason ? { problem: reason.detail } : { item };
}

/**
 * Prices `quantity` bundles for a cart in `currency`. The bundle price is computed per bundle
 * (PERCENT rounds half-up, FIXED cannot go below zero) and multiplied by the quantity; the
 * adjustment is then spread over the component lines in proportion to their list totals with
 * the largest-remainder method (ties to the earlier component), so the lines sum to exactly the
 * bundle price and no line goes negative.
 */
export function quoteBundle(bundle: BundleDefinition, quantity: number, currency: string): BundleQuote {
  const configProblem = configurationProblem(bundle);
  if (configProblem) return { ok: false, detail: configProblem };
  const priced: { component: BundleComponent; item: PricedItem }[] = [];
  for (const component of bundle.items) {
    const checked = checkComponent(bundle, component, currency);
    if ("problem" in checked) return { ok: false, detail: checked.problem };
    priced.push({ component, item: checked.item });
  }

  const listPerBundle = priced.reduce((sum, { component, item }) => sum + item.unitPrice * component.quantity, 0);
  const adjustmentPerBundle =
    bundle.discountType === "PERCENT"
      ? mulDivHalfUp(listPerBundle, bundle.discountValue, 100)
      : bundle.discountType === "FIXED"
        ? Math.min(bundle.discountValue, listPerBundle)
        : 0;

  const listTotals = priced.map(({ component, item }) => item.unitPrice * component.quantity * quantity);
  const shares = allocateProportionally(adjustmentPerBundle * quantity, listTotals);
  const lines = priced.map(({ component, item }, index) => {
    const lineQuantity = component.quantity * quantity;
    const lineTotal = (listTotals[index] ?? 0) - (shares[index] ?? 0);
    return { component, item, quantity: lineQuantity, lineTotal, unitPrice: Math.floor(lineTotal / lineQuantity) };
  });
  return { ok: true, total: (listPerBundle - adjustmentPerBundle) * quantity, lines };
}

/**
 * Adds `quantity` bundles as one new group of component lines, or nothing at all. Each call makes
 * a new group: groups are never merged, so a group always matches one quote of its bundle.
 */
export function addBundle(
  state: CartState,
  bundle: BundleDefinition,
  quantity: number,
  siteId: string | null,
  now: Date,
  newId: () => string,
): { state: CartState; bundleGroupId: string; lines: CartLine[] } {
  assertQuantity(quantity);
  const quote = quoteBundle(bundle, quantity, state.currency);
  if (!quote.ok) throw new DomainError("BUNDLE_UNAVAILABLE", quote.detail);
  const tooMany = quote.lines.find((line) => line.quantity > MAX_QUANTITY);
  if (tooMany) {
    throw new DomainError(
      "CART_LIMIT",
      `bundle ${bundle.id} × ${quantity} needs ${tooMany.quantity} of product ${tooMany.component.productId}; a line holds at most ${MAX_QUANTITY}`,
    );
  }
  assertRoomForLines(state, quote.lines.length);

  const bundleGroupId = newId();
  const addedAt = now.toISOString();
  const lines = quote.lines.map(
    ({ item, quantity: lineQuantity, unitPrice, lineTotal }): CartLine => ({
      id: newId(),
      productId: item.productId,
      variantId: item.variantId,
      sku: item.sku,
      name: item.name,
      quantity: lineQuantity,
      unitPrice,
      lineTotal,
      bundleGroupId,
      bundleId: bundle.id,
      siteId,
      addedAt,
      unavailable: false,
    }),
  );
  return { state: { ...state, lines: [...state.lines, ...lines] }, bundleGroupId, lines };
}

export function removeBundle(state: CartState, bundleGroupId: string): CartState {
  const remaining = state.lines.filter((line) => line.bundleGroupId !== bundleGroupId);
  if (remaining.length === state.lines.length) {
    throw new DomainError("NOT_FOUND", `bundle group ${bundleGroupId} not found`);
  }
  return { ...state, lines: remaining };
}
