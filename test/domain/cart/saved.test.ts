import { describe, expect, it } from "vitest";
import {
  addLine,
  type CartState,
  MAX_LINES,
  MAX_SAVED_LINES,
  removeSaved,
  restoreSaved,
  saveForLater,
} from "../../../src/domain/cart";
import { deepFreeze, errorCode, NOW, pricedItem, sequence } from "../../support/domain";

const LATER = new Date("2025-06-03T08:00:00.000Z");

const empty: CartState = { currency: "USD", lines: [], savedLines: [], discounts: [] };
const withTea = deepFreeze(addLine(empty, pricedItem("tea"), 2, "site-a", NOW, () => "line-tea").state);

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
    const again = addLine(once, pricedItem("tea"), 5, null, LATER, () => "line-tea-2").state;
    const { state, saved } = saveForLater(again, "line-tea-2", LATER);
    expect(state.savedLines).toHaveLength(1);
    expect(saved).toMatchObject({ id: "line-tea", quantity: 7 });

    const big = addLine(once, pricedItem("tea"), 998, null, LATER, () => "line-tea-3").state;
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
    const { state, line } = restoreSaved(saved, "line-tea", pricedItem("tea", 1100), LATER);
    expect(state.savedLines).toEqual([]);
    expect(state.lines).toEqual([line]);
    expect(line).toMatchObject({ id: "line-tea", quantity: 2, unitPrice: 1100, lineTotal: 2200, siteId: "site-a" });
  });

  it("merges into an existing line of the same product", () => {
    const withAnother = addLine(saved, pricedItem("tea"), 3, null, LATER, () => "line-new").state;
    const { state, line } = restoreSaved(withAnother, "line-tea", pricedItem("tea"), LATER);
    expect(state.lines).toHaveLength(1);
    expect(line).toMatchObject({ id: "line-new", quantity: 5 });
  });

  it("applies the cart's limits and moves nothing on failure", () => {
    const nearCap = deepFreeze(addLine(saved, pricedItem("tea"), 998, null, LATER, () => "line-new").state);
    expect(errorCode(() => restoreSaved(nearCap, "line-tea", pricedItem("tea"), LATER))).toBe("CART_LIMIT");

    let full: CartState = saved;
    const newId = sequence();
    for (let i = 0; i < MAX_LINES; i++) full = addLine(full, pricedItem(`x${i}`), 1, null, NOW, newId).state;
    deepFreeze(full);
    expect(errorCode(() => restoreSaved(full, "line-tea", pricedItem("tea"), LATER))).toBe("CART_LIMIT");
  });

  it("refuses a product the catalog no longer sells", () => {
    expect(errorCode(() => restoreSaved(saved, "line-tea", undefined, LATER))).toBe("PRODUCT_UNAVAILABLE");
    expect(errorCode(() => restoreSaved(saved, "line-tea", pricedItem("tea", 1000, { active: false }), LATER))).toBe(
      "PRODUCT_UNAVAILABLE",
    );
    expect(errorCode(() => restoreSaved(saved, "line-tea", pricedItem("coffee"), LATER))).toBe("PRODUCT_UNAVAILABLE");
    expect(errorCode(() => restoreSaved(saved, "line-tea", pricedItem("tea", 1000, { currency: "EUR" }), LATER))).toBe(
      "CURRENCY_MISMATCH",
    );
  });

  it("is NOT_FOUND for an unknown saved line", () => {
    expect(errorCode(() => restoreSaved(saved, "nope", pricedItem("tea"), LATER))).toBe("NOT_FOUND");
  });
});

describe("removeSaved", () => {
  it("removes the saved line, or is NOT_FOUND", () => {
    const saved = deepFreeze(saveForLater(withTea, "line-tea", LATER).state);
    expect(removeSaved(saved, "line-tea").savedLines).toEqual([]);
    expect(errorCode(() => removeSaved(saved, "line-tea-x"))).toBe("NOT_FOUND");
  });
});
