import { describe, expect, it } from "vitest";
import {
  addLine,
  type CartState,
  MAX_LINES,
  MAX_QUANTITY,
  MAX_UNIT_PRICE,
  type PricedItem,
  removeLine,
  updateQuantity,
} from "../../../src/domain/cart";
import { deepFreeze, errorCode, NOW, sequence } from "../../support/domain";

function item(overrides: Partial<PricedItem> = {}): PricedItem {
  return {
    productId: "p1",
    variantId: null,
    companyId: "c1",
    sku: "SKU-1",
    name: "Tea",
    unitPrice: 1250,
    currency: "USD",
    active: true,
    ...overrides,
  };
}

function cart(overrides: Partial<CartState> = {}): CartState {
  return { currency: "USD", lines: [], savedLines: [], discounts: [], ...overrides };
}

/** A cart with `count` distinct ordinary lines. */
function fullCart(count: number): CartState {
  let state = cart();
  const newId = sequence();
  for (let i = 0; i < count; i++) {
    state = addLine(state, item({ productId: `p-${i}` }), 1, null, NOW, newId).state;
  }
  return state;
}

describe("addLine", () => {
  it("appends a new line priced from the catalog", () => {
    const { state, line } = addLine(deepFreeze(cart()), item(), 3, "site-a", NOW, () => "line-1");
    expect(line).toEqual({
      id: "line-1",
      productId: "p1",
      variantId: null,
      sku: "SKU-1",
      name: "Tea",
      quantity: 3,
      unitPrice: 1250,
      lineTotal: 3750,
      bundleGroupId: null,
      bundleId: null,
      siteId: "site-a",
      addedAt: "2025-06-01T12:00:00.000Z",
      unavailable: false,
    });
    expect(state.lines).toEqual([line]);
  });

  it("takes a price up to MAX_UNIT_PRICE and refuses a higher one as unavailable", () => {
    const top = addLine(cart(), item({ unitPrice: MAX_UNIT_PRICE }), MAX_QUANTITY, null, NOW, () => "line-1").line;
    expect(top.lineTotal).toBe(MAX_UNIT_PRICE * MAX_QUANTITY);
    const tooDear = () => addLine(cart(), item({ unitPrice: MAX_UNIT_PRICE + 1 }), 1, null, NOW, () => "line-1");
    expect(errorCode(tooDear)).toBe("PRODUCT_UNAVAILABLE");
  });

  it("adds to the existing line of the same product+variant, keeping its id and site but taking the new price", () => {
    const first = addLine(cart(), item(), 2, "site-a", NOW, () => "line-1").state;
    const later = new Date("2025-06-02T00:00:00.000Z");
    const { state, line } = addLine(deepFreeze(first), item({ unitPrice: 1300 }), 5, "site-b", later, () => "unused");
    expect(state.lines).toHaveLength(1);
    expect(line).toMatchObject({ id: "line-1", quantity: 7, unitPrice: 1300, lineTotal: 9100, siteId: "site-a" });
    expect(line.addedAt).toBe("2025-06-01T12:00:00.000Z");
  });

  it("keeps variants of one product on separate lines", () => {
    const newId = sequence();
    let state = addLine(cart(), item({ variantId: "red" }), 1, null, NOW, newId).state;
    state = addLine(state, item({ variantId: "blue" }), 1, null, NOW, newId).state;
    state = addLine(state, item({ variantId: null }), 1, null, NOW, newId).state;
    expect(state.lines.map((line) => line.variantId)).toEqual(["red", "blue", null]);
  });

  it("does not fold an ordinary add into a bundle component of the same product", () => {
    const bundled = cart({
      lines: [
        {
          ...addLine(cart(), item(), 1, null, NOW, () => "b-line").line,
          bundleGroupId: "g1",
          bundleId: "bundle-1",
        },
      ],
    });
    const { state } = addLine(deepFreeze(bundled), item(), 1, null, NOW, () => "loose");
    expect(state.lines.map((line) => [line.id, line.quantity])).toEqual([
      ["b-line", 1],
      ["loose", 1],
    ]);
  });

  it.each([0, -1, 1.5, MAX_QUANTITY + 1, Number.NaN])("rejects quantity %s", (quantity) => {
    expect(errorCode(() => addLine(cart(), item(), quantity, null, NOW, sequence()))).toBe("VALIDATION_FAILED");
  });

  it("accepts the bounds 1 and 999", () => {
    expect(addLine(cart(), item(), 1, null, NOW, sequence()).line.quantity).toBe(1);
    expect(addLine(cart(), item(), MAX_QUANTITY, null, NOW, sequence()).line.quantity).toBe(MAX_QUANTITY);
  });

  it("refuses to push an existing line past 999 instead of clamping", () => {
    const state = deepFreeze(addLine(cart(), item(), 998, null, NOW, sequence()).state);
    expect(addLine(state, item(), 1, null, NOW, sequence()).line.quantity).toBe(999);
    const full = addLine(state, item(), 1, null, NOW, sequence()).state;
    expect(errorCode(() => addLine(full, item(), 1, null, NOW, sequence()))).toBe("CART_LIMIT");
  });

  it("refuses an inactive product", () => {
    expect(errorCode(() => addLine(cart(), item({ active: false }), 1, null, NOW, sequence()))).toBe(
      "PRODUCT_UNAVAILABLE",
    );
  });

  it.each([-1, 1.5, Number.NaN])("refuses a catalog price of %s", (unitPrice) => {
    expect(errorCode(() => addLine(cart(), item({ unitPrice }), 1, null, NOW, sequence()))).toBe("PRODUCT_UNAVAILABLE");
  });

  it("accepts a free product", () => {
    expect(addLine(cart(), item({ unitPrice: 0 }), 2, null, NOW, sequence()).line.lineTotal).toBe(0);
  });

  it("refuses a product priced in another currency", () => {
    expect(errorCode(() => addLine(cart(), item({ currency: "EUR" }), 1, null, NOW, sequence()))).toBe(
      "CURRENCY_MISMATCH",
    );
  });

  it("allows line 250 and refuses line 251, while an existing line can still grow", () => {
    const almost = deepFreeze(fullCart(MAX_LINES - 1));
    const full = addLine(almost, item({ productId: "last" }), 1, null, NOW, sequence("x")).state;
    expect(full.lines).toHaveLength(MAX_LINES);
    expect(errorCode(() => addLine(full, item({ productId: "one-more" }), 1, null, NOW, sequence("y")))).toBe(
      "CART_LIMIT",
    );
    expect(addLine(full, item({ productId: "p-0" }), 1, null, NOW, sequence("z")).line.quantity).toBe(2);
  });

  it("calls newId only for a new line", () => {
    let calls = 0;
    const newId = () => `id-${++calls}`;
    const state = addLine(cart(), item(), 1, null, NOW, newId).state;
    addLine(state, item(), 1, null, NOW, newId);
    expect(calls).toBe(1);
  });
});

describe("updateQuantity", () => {
  const base = deepFreeze(addLine(cart(), item(), 2, null, NOW, () => "line-1").state);

  it("sets the quantity and line total", () => {
    const state = updateQuantity(base, "line-1", 10);
    expect(state.lines[0]).toMatchObject({ quantity: 10, lineTotal: 12500 });
    expect(base.lines[0]?.quantity).toBe(2);
  });

  it.each([0, 1000, 2.5])("rejects %s", (quantity) => {
    expect(errorCode(() => updateQuantity(base, "line-1", quantity))).toBe("VALIDATION_FAILED");
  });

  it("reports an unknown line as NOT_FOUND", () => {
    expect(errorCode(() => updateQuantity(base, "nope", 1))).toBe("NOT_FOUND");
  });

  it("locks bundle components", () => {
    const line = addLine(cart(), item(), 2, null, NOW, () => "line-1").line;
    const bundled = deepFreeze(cart({ lines: [{ ...line, bundleGroupId: "g1", bundleId: "b1" }] }));
    expect(errorCode(() => updateQuantity(bundled, "line-1", 3))).toBe("BUNDLE_LINE_LOCKED");
  });
});

describe("removeLine", () => {
  it("removes an ordinary line", () => {
    const newId = sequence();
    let state = addLine(cart(), item(), 1, null, NOW, newId).state;
    state = deepFreeze(addLine(state, item({ productId: "p2" }), 1, null, NOW, newId).state);
    expect(removeLine(state, "id-1").lines.map((line) => line.id)).toEqual(["id-2"]);
  });

  it("reports an unknown line as NOT_FOUND and locks bundle components", () => {
    const line = addLine(cart(), item(), 1, null, NOW, () => "line-1").line;
    const state = deepFreeze(cart({ lines: [{ ...line, bundleGroupId: "g1", bundleId: "b1" }] }));
    expect(errorCode(() => removeLine(state, "nope"))).toBe("NOT_FOUND");
    expect(errorCode(() => removeLine(state, "line-1"))).toBe("BUNDLE_LINE_LOCKED");
  });
});
