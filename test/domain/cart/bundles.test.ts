import { describe, expect, it } from "vitest";
import {
  addBundle,
  addLine,
  type BundleDefinition,
  type CartState,
  MAX_LINES,
  type PricedItem,
  quoteBundle,
  removeBundle,
  removeLine,
  saveForLater,
  updateQuantity,
} from "../../../src/domain/cart";
import { deepFreeze, errorCode, NOW, pricedItem, sequence } from "../../support/domain";

const item = (productId: string, unitPrice: number, overrides: Partial<PricedItem> = {}) =>
  pricedItem(productId, unitPrice, { sku: `SKU-${productId}`, ...overrides });

function bundle(
  prices: number[],
  overrides: Partial<BundleDefinition> = {},
  quantities: number[] = prices.map(() => 1),
): BundleDefinition {
  return {
    id: "bundle-1",
    companyId: "c1",
    name: "Starter kit",
    active: true,
    discountType: "NONE",
    discountValue: 0,
    items: prices.map((price, index) => {
      const component = item(`p${index + 1}`, price);
      return { productId: component.productId, variantId: null, quantity: quantities[index] ?? 1, item: component };
    }),
    ...overrides,
  };
}

function cart(overrides: Partial<CartState> = {}): CartState {
  return { currency: "USD", lines: [], savedLines: [], discounts: [], ...overrides };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

describe("addBundle", () => {
  it("adds every component under one new group id, in bundle order", () => {
    const { state, bundleGroupId, lines } = addBundle(
      deepFreeze(cart()),
      deepFreeze(bundle([1000, 2000])),
      1,
      "site-a",
      NOW,
      sequence(),
    );
    expect(bundleGroupId).toBe("id-1");
    expect(state.lines).toEqual(lines);
    expect(lines.map((line) => [line.id, line.productId, line.bundleGroupId, line.bundleId, line.siteId])).toEqual([
      ["id-2", "p1", "id-1", "bundle-1", "site-a"],
      ["id-3", "p2", "id-1", "bundle-1", "site-a"],
    ]);
    expect(lines.map((line) => line.lineTotal)).toEqual([1000, 2000]);
  });

  it("spreads a FIXED adjustment so the lines sum exactly to the bundle price", () => {
    const { lines } = addBundle(
      cart(),
      bundle([1000, 1000, 1000], { discountType: "FIXED", discountValue: 100 }),
      1,
      null,
      NOW,
      sequence(),
    );
    expect(lines.map((line) => line.lineTotal)).toEqual([966, 967, 967]);
    expect(lines.map((line) => line.unitPrice)).toEqual([966, 967, 967]);
  });

  it("rounds a PERCENT bundle price half-up per bundle, then multiplies by the quantity", () => {
    // list 1005 per bundle, 10 % = 100.5 → 101 off → 904 per bundle
    const quote = quoteBundle(bundle([335, 335, 335], { discountType: "PERCENT", discountValue: 10 }), 3, "USD");
    expect(quote.ok && quote.total).toBe(904 * 3);
    expect(quote.ok && sum(quote.lines.map((line) => line.lineTotal))).toBe(904 * 3);
  });

  it("sums exactly for many price/discount/quantity combinations and never goes negative", () => {
    const priceSets = [[1], [1, 1], [999, 1], [333, 333, 334], [1299, 4999, 1], [7, 11, 13, 17], [0, 500], [0, 0, 1]];
    const discounts: Pick<BundleDefinition, "discountType" | "discountValue">[] = [
      { discountType: "NONE", discountValue: 0 },
      { discountType: "PERCENT", discountValue: 1 },
      { discountType: "PERCENT", discountValue: 15 },
      { discountType: "PERCENT", discountValue: 33 },
      { discountType: "PERCENT", discountValue: 100 },
      { discountType: "FIXED", discountValue: 1 },
      { discountType: "FIXED", discountValue: 777 },
      { discountType: "FIXED", discountValue: 1_000_000 },
    ];
    for (const prices of priceSets) {
      for (const discount of discounts) {
        for (const quantity of [1, 2, 3, 7]) {
          const quantities = prices.map((_, index) => (index % 3) + 1);
          const definition = bundle(prices, discount, quantities);
          const quote = quoteBundle(definition, quantity, "USD");
          if (!quote.ok) throw new Error(quote.detail);
          const list = sum(prices.map((price, index) => price * (quantities[index] ?? 1)));
          const off =
            discount.discountType === "PERCENT"
              ? Math.floor((list * discount.discountValue) / 100 + 0.5)
              : discount.discountType === "FIXED"
                ? Math.min(discount.discountValue, list)
                : 0;
          expect(quote.total).toBe((list - off) * quantity);
          expect(sum(quote.lines.map((line) => line.lineTotal))).toBe(quote.total);
          for (const line of quote.lines) {
            expect(line.lineTotal).toBeGreaterThanOrEqual(0);
            expect(line.unitPrice * line.quantity).toBeLessThanOrEqual(line.lineTotal);
            expect(line.lineTotal - line.unitPrice * line.quantity).toBeLessThan(line.quantity);
          }
        }
      }
    }
  });

  it("keeps lineTotal authoritative when an integer unit price cannot absorb the remainder", () => {
    // one component × 2 units at 1000, 1 off → 1999 over 2 units
    const { lines } = addBundle(
      cart(),
      bundle([1000], { discountType: "FIXED", discountValue: 1 }, [2]),
      1,
      null,
      NOW,
      sequence(),
    );
    expect(lines[0]).toMatchObject({ quantity: 2, lineTotal: 1999, unitPrice: 999 });
  });

  it("prices a FIXED discount larger than the bundle at zero", () => {
    const { lines } = addBundle(
      cart(),
      bundle([100, 200], { discountType: "FIXED", discountValue: 5000 }),
      1,
      null,
      NOW,
      sequence(),
    );
    expect(lines.map((line) => line.lineTotal)).toEqual([0, 0]);
  });

  it("multiplies component quantities by the bundle quantity", () => {
    const { lines } = addBundle(cart(), bundle([100, 200], {}, [1, 3]), 4, null, NOW, sequence());
    expect(lines.map((line) => line.quantity)).toEqual([4, 12]);
  });

  it("makes a new group on every add", () => {
    const newId = sequence();
    const first = addBundle(cart(), bundle([100]), 1, null, NOW, newId);
    const second = addBundle(first.state, bundle([100]), 1, null, NOW, newId);
    expect(second.state.lines).toHaveLength(2);
    expect(first.bundleGroupId).not.toBe(second.bundleGroupId);
  });

  describe("adds nothing (BUNDLE_UNAVAILABLE) when", () => {
    const base = deepFreeze(addLine(cart(), item("existing", 50), 1, null, NOW, () => "x").state);
    const broken = (mutate: (definition: BundleDefinition) => BundleDefinition) =>
      errorCode(() => addBundle(base, mutate(bundle([100, 200, 300])), 1, null, NOW, sequence()));
    const withSecond = (definition: BundleDefinition, patch: Partial<PricedItem> | "missing") => ({
      ...definition,
      items: definition.items.map((component, index) =>
        index !== 1
          ? component
          : { ...component, item: patch === "missing" ? undefined : { ...(component.item as PricedItem), ...patch } },
      ),
    });

    it("a component is inactive", () => {
      expect(broken((definition) => withSecond(definition, { active: false }))).toBe("BUNDLE_UNAVAILABLE");
    });
    it("a component belongs to another company", () => {
      expect(broken((definition) => withSecond(definition, { companyId: "c2" }))).toBe("BUNDLE_UNAVAILABLE");
    });
    it("a component is missing from the catalog", () => {
      expect(broken((definition) => withSecond(definition, "missing"))).toBe("BUNDLE_UNAVAILABLE");
    });
    it("a component is priced in another currency", () => {
      expect(broken((definition) => withSecond(definition, { currency: "EUR" }))).toBe("BUNDLE_UNAVAILABLE");
    });
    it("a component's catalog entry is for a different product", () => {
      expect(broken((definition) => withSecond(definition, { productId: "other" }))).toBe("BUNDLE_UNAVAILABLE");
    });
    it("the bundle is inactive, empty or misconfigured", () => {
      expect(broken((definition) => ({ ...definition, active: false }))).toBe("BUNDLE_UNAVAILABLE");
      expect(broken((definition) => ({ ...definition, items: [] }))).toBe("BUNDLE_UNAVAILABLE");
      expect(broken((definition) => ({ ...definition, discountType: "PERCENT", discountValue: 150 }))).toBe(
        "BUNDLE_UNAVAILABLE",
      );
      expect(broken((definition) => ({ ...definition, discountType: "FIXED", discountValue: -1 }))).toBe(
        "BUNDLE_UNAVAILABLE",
      );
    });
  });

  it("checks the line limit for all component lines at once", () => {
    let state = cart();
    const newId = sequence();
    for (let i = 0; i < MAX_LINES - 2; i++) state = addLine(state, item(`x${i}`, 1), 1, null, NOW, newId).state;
    deepFreeze(state);
    expect(errorCode(() => addBundle(state, bundle([1, 2, 3]), 1, null, NOW, newId))).toBe("CART_LIMIT");
    expect(addBundle(state, bundle([1, 2]), 1, null, NOW, newId).state.lines).toHaveLength(MAX_LINES);
  });

  it("refuses a bundle quantity that would put a component line past 999", () => {
    expect(errorCode(() => addBundle(cart(), bundle([1, 2], {}, [1, 2]), 500, null, NOW, sequence()))).toBe(
      "CART_LIMIT",
    );
    expect(errorCode(() => addBundle(cart(), bundle([1]), 0, null, NOW, sequence()))).toBe("VALIDATION_FAILED");
  });
});

describe("bundle groups are edited only as a whole", () => {
  const state = deepFreeze(addBundle(cart(), bundle([100, 200]), 1, null, NOW, sequence()).state);

  it("locks each component line", () => {
    expect(errorCode(() => updateQuantity(state, "id-2", 5))).toBe("BUNDLE_LINE_LOCKED");
    expect(errorCode(() => removeLine(state, "id-2"))).toBe("BUNDLE_LINE_LOCKED");
    expect(errorCode(() => saveForLater(state, "id-3", NOW))).toBe("BUNDLE_LINE_LOCKED");
  });

  it("removeBundle removes every line of the group and nothing else", () => {
    const withLoose = addLine(state, item("loose", 10), 1, null, NOW, () => "loose").state;
    expect(removeBundle(withLoose, "id-1").lines.map((line) => line.id)).toEqual(["loose"]);
  });

  it("removeBundle of an unknown group is NOT_FOUND", () => {
    expect(errorCode(() => removeBundle(state, "nope"))).toBe("NOT_FOUND");
  });
});
