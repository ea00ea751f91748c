import { describe, expect, it } from "vitest";
import {
  addLine,
  type CartState,
  DomainError,
  MAX_LINES,
  MAX_SAVED_LINES,
  type PricedItem,
  removeSaved,
  restoreSaved,
  saveForLater,
} from "../../../src/domain/cart";

const NOW = new Date("2025-06-01T12:00:00.000Z");
const LATER = new Date("2025-06-03T08:00:00.000Z");

function sequence(prefix = "id"): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

function item(productId: string, unitPrice = 1000, overrides: Partial<PricedItem> = {}): PricedItem {
  return {
    productId,
    variantId: null,
    companyId: "c1",
    sku: productId,
    name: productId,
    unitPrice,
    currency: "USD",
    active: true,
    ...overrides,
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function errorCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
}

const empty: CartState = { currency: "USD", lines: [], savedLines: [], discounts: [] };
const withTea = deepFreeze(addLine(empty, item("tea"), 2, "site-a", NOW, () => "line-tea").state);

describe("saveForLater", () => {
  it("moves the line out of the cart, keeping its id", () => {
    const { state, saved } = saveForLater(withTea, "line-tea", LATER);
    expect(state.lines).toEqual([]);
    expect(state.savedLines).toEqual([saved]);
    expect(saved).toEqual({
      id: "line-tea",
      productId: "tea",
      variantId: null,
      sku: "tea",
      name: "tea",
      quantity: 2,
      unitPrice: 1000,
      siteId: "site-a",
      addedAt: NOW.toISOString(),
      savedAt: LATER.toISOString(),
    });
  });

  it("adds to an already-saved line of the same product, within the quantity cap", () => {
    const once = deepFreeze(saveForLater(withTea, "line-tea", LATER).state);
    const again = addLine(once, item("tea"), 5, null, LATER, () => "line-tea-2").state;
    const { state, saved } = saveForLater(again, "line-tea-2", LATER);
    expect(state.savedLines).toHaveLength(1);
    expect(saved).toMatchObject({ id: "line-tea", quantity: 7 });

    const big = addLine(once, item("tea"), 998, null, LATER, () => "line-tea-3").state;
    expect(errorCode(() => saveForLater(big, "line-tea-3", LATER))).toBe("CART_LIMIT");
  });

  it("is NOT_FOUND for an unknown line", () => {
    expect(errorCode(() => saveForLater(withTea, "nope", LATER))).toBe("NOT_FOUND");
  });

  it("refuses more than the saved-line limit", () => {
    const savedLines = Array.from({ length: MAX_SAVED_LINES }, (_, index) => ({
      id: `s${index}`,
      productId: `saved-${index}`,
      variantId: null,
      sku: "s",
      name: "s",
      quantity: 1,
      unitPrice: 1,
      siteId: null,
      addedAt: NOW.toISOString(),
      savedAt: NOW.toISOString(),
    }));
    const full = deepFreeze({ ...withTea, savedLines });
    expect(errorCode(() => saveForLater(full, "line-tea", LATER))).toBe("CART_LIMIT");
  });
});

describe("restoreSaved", () => {
  const saved = deepFreeze(saveForLater(withTea, "line-tea", LATER).state);

  it("moves the line back at the current catalog price, under its old id", () => {
    const { state, line } = restoreSaved(saved, "line-tea", item("tea", 1100), LATER);
    expect(state.savedLines).toEqual([]);
    expect(state.lines).toEqual([line]);
    expect(line).toMatchObject({ id: "line-tea", quantity: 2, unitPrice: 1100, lineTotal: 2200, siteId: "site-a" });
  });

  it("merges into an existing line of the same product", () => {
    const withAnother = addLine(saved, item("tea"), 3, null, LATER, () => "line-new").state;
    const { state, line } = restoreSaved(withAnother, "line-tea", item("tea"), LATER);
    expect(state.lines).toHaveLength(1);
    expect(line).toMatchObject({ id: "line-new", quantity: 5 });
  });

  it("applies the cart's limits and moves nothing on failure", () => {
    const nearCap = deepFreeze(addLine(saved, item("tea"), 998, null, LATER, () => "line-new").state);
    expect(errorCode(() => restoreSaved(nearCap, "line-tea", item("tea"), LATER))).toBe("CART_LIMIT");

    let full: CartState = saved;
    const newId = sequence();
    for (let i = 0; i < MAX_LINES; i++) full = addLine(full, item(`x${i}`), 1, null, NOW, newId).state;
    deepFreeze(full);
    expect(errorCode(() => restoreSaved(full, "line-tea", item("tea"), LATER))).toBe("CART_LIMIT");
  });

  it("refuses a product the catalog no longer sells", () => {
    expect(errorCode(() => restoreSaved(saved, "line-tea", undefined, LATER))).toBe("PRODUCT_UNAVAILABLE");
    expect(errorCode(() => restoreSaved(saved, "line-tea", item("tea", 1000, { active: false }), LATER))).toBe(
      "PRODUCT_UNAVAILABLE",
    );
    expect(errorCode(() => restoreSaved(saved, "line-tea", item("coffee"), LATER))).toBe("PRODUCT_UNAVAILABLE");
    expect(errorCode(() => restoreSaved(saved, "line-tea", item("tea", 1000, { currency: "EUR" }), LATER))).toBe(
      "CURRENCY_MISMATCH",
    );
  });

  it("is NOT_FOUND for an unknown saved line", () => {
    expect(errorCode(() => restoreSaved(saved, "nope", item("tea"), LATER))).toBe("NOT_FOUND");
  });
});

describe("removeSaved", () => {
  it("removes the saved line, or is NOT_FOUND", () => {
    const saved = deepFreeze(saveForLater(withTea, "line-tea", LATER).state);
    expect(removeSaved(saved, "line-tea").savedLines).toEqual([]);
    expect(errorCode(() => removeSaved(saved, "line-tea-x"))).toBe("NOT_FOUND");
  });
});
