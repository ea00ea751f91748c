import { allocateDiscounts } from "./discounts";
import { MAX_TAX_RATE_BPS } from "./limits";
import { subtotalOf } from "./lines";
import { mulDivHalfUp } from "./money";
import type { AppliedDiscount, CartState, Totals } from "./types";

/**
 * The cart's totals and each applied code's amount, recomputed from the lines. `taxRateBps` is the
 * site's rate in basis points (825 = 8.25 %), 0 where the site sets none. Tax is charged on the
 * discounted subtotal and rounded half-up to the minor unit, once per cart rather than per line,
 * so it never drifts from the rate by more than half a minor unit. Shipping is 0 until checkout.
 */
export function computeTotals(state: CartState, taxRateBps = 0): { totals: Totals; discounts: AppliedDiscount[] } {
  // A bad rate is the caller's configuration bug, not the shopper's input: a plain error (→ 500).
  if (!Number.isSafeInteger(taxRateBps) || taxRateBps < 0 || taxRateBps > MAX_TAX_RATE_BPS) {
    throw new RangeError(`invalid tax rate ${taxRateBps} bps`);
  }

  const subtotal = subtotalOf(state.lines);
  const discounts = allocateDiscounts(subtotal, state.discounts);
  const discountTotal = discounts.reduce((sum, discount) => sum + discount.amount, 0);
  const taxTotal = mulDivHalfUp(subtotal - discountTotal, taxRateBps, 10_000);
  const shippingTotal = 0;
  const totals: Totals = {
    subtotal,
    discountTotal,
    taxTotal,
    shippingTotal,
    grandTotal: subtotal - discountTotal + taxTotal + shippingTotal,
    itemCount: state.lines.reduce((sum, line) => sum + line.quantity, 0),
  };
  return { totals, discounts };
}
