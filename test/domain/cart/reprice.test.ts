import { describe, expect, it } from "vitest";
import {
  addBundle,
  addLine,
  type BundleDefinition,
  type CartState,
  type PricedItem,
  repriceLines,
} from "../../../src/domain/cart";
import { deepFreeze, NOW, pricedItem, sequence } from "../../support/domain";

const item = (productId: string, unitPrice: number, overrides: Partial<PricedItem> = {}) =>
  pricedItem(productId, unitPrice, { sku: `SKU-${productId}`, ...overrides });

function bundleOf(items: PricedItem[], overrides: Partial<BundleDefinition> = {}): BundleDefinition {
  return {
    id: "bundle-1",
    companyId: "c1",
    name: "Kit",
    active: true,
    discountType: "FIXED",
    discountValue: 100,
    items: items.map((component) => ({
      productId: component.productId,
      variantId: null,
      quantity: 1,
      item: component,
    })),
    ...overrides,
  };
}

const catalog =
  (...items: PricedItem[]) =>
  (productId: string, variantId: string | null) =>
    items.find((candidate) => candidate.productId === productId && candidate.variantId === variantId);

const empty: CartState = { currency: "USD", lines: [], savedLines: [], discounts: [] };

describe("repriceLines, ordinary lines", () => {
  const state = deepFreeze(addLine(empty, item("p1", 1000), 3, null, NOW, () => "l1").state);

  it("takes the catalog's current price, sku and name", () => {
    const repriced = repriceLines(state, catalog(item("p1", 1200, { name: "Tea (new)" })));
    expect(repriced.lines[0]).toMatchObject({
      unitPrice: 1200,
      lineTotal: 3600,
      name: "Tea (new)",
      unavailable: false,
    });
  });

  it.each([
    ["inactive", catalog(item("p1", 1200, { active: false }))],
    ["gone from the catalog", catalog()],
    ["now priced in another currency", catalog(item("p1", 1200, { currency: "EUR" }))],
  ])("keeps a product that is %s at its last price, flagged unavailable", (_, priceOf) => {
    const repriced = repriceLines(state, priceOf);
    expect(repriced.lines[0]).toMatchObject({ unitPrice: 1000, lineTotal: 3000, quantity: 3, unavailable: true });
  });

  it("clears the flag when the product is sold again", () => {
    const flagged = deepFreeze(repriceLines(state, catalog()));
    expect(repriceLines(flagged, catalog(item("p1", 900))).lines[0]).toMatchObject({
      unitPrice: 900,
      unavailable: false,
    });
  });
});

describe("repriceLines, bundle groups", () => {
  const a = item("a", 1000);
  const b = item("b", 2000);
  const state = deepFreeze(addBundle(empty, bundleOf([a, b]), 2, null, NOW, sequence()).state);

  it("keeps the quoted prices without bundle definitions, re-checking availability only", () => {
    const repriced = repriceLines(state, catalog(item("a", 5000), b));
    expect(repriced.lines).toEqual(state.lines);
    const flagged = repriceLines(state, catalog(item("a", 1000, { active: false }), b));
    expect(flagged.lines.map((line) => line.unavailable)).toEqual([true, true]);
  });

  it("re-quotes the group from the current definition, keeping the bundle count", () => {
    const cheaperA = item("a", 500);
    const repriced = repriceLines(state, catalog(cheaperA, b), () => bundleOf([cheaperA, b]));
    expect(repriced.lines.map((line) => line.quantity)).toEqual([2, 2]);
    expect(repriced.lines.reduce((total, line) => total + line.lineTotal, 0)).toBe((500 + 2000 - 100) * 2);
  });

  it("flags the whole group when the bundle is gone, inactive, changed, or a component is unsellable", () => {
    const flags = (lookup: (id: string) => BundleDefinition | undefined) =>
      repriceLines(state, catalog(a, b), lookup).lines.map((line) => line.unavailable);
    expect(flags(() => undefined)).toEqual([true, true]);
    expect(flags(() => bundleOf([a, b], { active: false }))).toEqual([true, true]);
    expect(flags(() => bundleOf([a]))).toEqual([true, true]);
    expect(flags(() => bundleOf([b, a]))).toEqual([true, true]);
    expect(flags(() => bundleOf([a, item("b", 2000, { active: false })]))).toEqual([true, true]);
    expect(flags(() => bundleOf([a, b]))).toEqual([false, false]);
  });
});
