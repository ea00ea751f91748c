import { describe, expect, it } from "vitest";
import {
  type AppliedDiscount,
  addBundle,
  addLine,
  type CartState,
  computeTotals,
  MAX_CART_TOTAL,
  MAX_LINES,
  MAX_QUANTITY,
  MAX_TAX_RATE_BPS,
  MAX_UNIT_PRICE,
} from "../../../src/domain/cart";
import { deepFreeze, NOW, pricedItem, sequence } from "../../support/domain";

function discount(code: string, overrides: Partial<AppliedDiscount> = {}): AppliedDiscount {
  return { code, type: "PERCENT", value: 10, amount: 0, stackable: true, minSubtotal: 0, ...overrides };
}

function cart(lines: [string, number, number][], discounts: AppliedDiscount[] = []): CartState {
  let state: CartState = { currency: "USD", lines: [], savedLines: [], discounts };
  const newId = sequence();
  for (const [productId, price, quantity] of lines)
    state = addLine(state, pricedItem(productId, price), quantity, null, NOW, newId).state;
  return deepFreeze(state);
}

describe("computeTotals", () => {
  it("is all zeros for an empty cart", () => {
    expect(computeTotals(cart([]), 825)).toEqual({
      totals: { subtotal: 0, discountTotal: 0, taxTotal: 0, shippingTotal: 0, grandTotal: 0, itemCount: 0 },
      discounts: [],
    });
  });

  it("sums lines, counts items, and defaults to no tax", () => {
    expect(
      computeTotals(
        cart([
          ["a", 1250, 2],
          ["b", 499, 3],
        ]),
      ).totals,
    ).toEqual({
      subtotal: 3997,
      discountTotal: 0,
      taxTotal: 0,
      shippingTotal: 0,
      grandTotal: 3997,
      itemCount: 5,
    });
  });

  it("taxes the discounted subtotal, rounding half-up once per cart", () => {
    // 1100 − 10 % = 990; 990 × 8.25 % = 81.675 → 82
    const { totals } = computeTotals(cart([["a", 1100, 1]], [discount("SAVE10")]), 825);
    expect(totals).toMatchObject({ subtotal: 1100, discountTotal: 110, taxTotal: 82, grandTotal: 1072 });
    // exactly half: 1000 × 8.25 % = 82.5 → 83; just under: 999 × 8.25 % = 82.4175 → 82
    expect(computeTotals(cart([["a", 1000, 1]]), 825).totals.taxTotal).toBe(83);
    expect(computeTotals(cart([["a", 999, 1]]), 825).totals.taxTotal).toBe(82);
  });

  it("reports each code's amount and never discounts below zero", () => {
    const state = cart(
      [["a", 1000, 1]],
      [discount("HALF", { value: 50 }), discount("BIG", { type: "FIXED", value: 800 })],
    );
    const { totals, discounts } = computeTotals(state, 2000);
    expect(discounts.map((entry) => [entry.code, entry.amount])).toEqual([
      ["HALF", 500],
      ["BIG", 500],
    ]);
    expect(totals).toMatchObject({ subtotal: 1000, discountTotal: 1000, taxTotal: 0, grandTotal: 0 });
  });

  it("keeps a code whose minSubtotal is no longer met at amount 0, and it returns when the cart grows", () => {
    const gated = discount("BIG5", { type: "FIXED", value: 500, minSubtotal: 5000 });
    const small = computeTotals(cart([["a", 4999, 1]], [gated]));
    expect(small.discounts).toEqual([{ ...gated, amount: 0 }]);
    expect(small.totals.discountTotal).toBe(0);
    expect(computeTotals(cart([["a", 5000, 1]], [gated])).discounts[0]?.amount).toBe(500);
  });

  it("uses the stored line totals of bundle lines", () => {
    const bundle = {
      id: "b",
      companyId: "c1",
      name: "b",
      active: true,
      discountType: "FIXED" as const,
      discountValue: 1,
      items: [{ productId: "x", variantId: null, quantity: 2, item: pricedItem("x", 1000) }],
    };
    const state = addBundle(cart([]), bundle, 1, null, NOW, sequence()).state;
    expect(computeTotals(state).totals).toMatchObject({ subtotal: 1999, itemCount: 2 });
  });

  it("stays exact at the limits: every line at the cap, at the highest price, taxed 100 %", () => {
    const lines = Array.from({ length: MAX_LINES }, (_, i): [string, number, number] => [
      `p-${i}`,
      MAX_UNIT_PRICE,
      MAX_QUANTITY,
    ]);
    const { totals } = computeTotals(cart(lines), MAX_TAX_RATE_BPS);
    const subtotal = MAX_LINES * MAX_QUANTITY * MAX_UNIT_PRICE;
    expect(totals).toMatchObject({ subtotal, taxTotal: subtotal, grandTotal: 2 * subtotal });
    expect(totals.grandTotal).toBe(MAX_CART_TOTAL);
    expect(Number.isSafeInteger(MAX_CART_TOTAL)).toBe(true);
    expect(MAX_CART_TOTAL).toBeGreaterThan(2 ** 31);
  });

  it.each([-1, 1.5, Number.NaN, MAX_TAX_RATE_BPS + 1])("treats tax rate %s as a programming error", (rate) => {
    expect(() => computeTotals(cart([]), rate)).toThrow(RangeError);
  });
});
