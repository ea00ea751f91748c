// The comparison's pure core: cap, same product once, remove, merge up to the cap, attribute table.
import { describe, expect, it } from "vitest";
import {
  addToComparison,
  attributeTable,
  type ComparisonItem,
  type ComparisonState,
  mergeComparisons,
  removeFromComparison,
} from "../../src/domain/comparison";
import { expectDomainError } from "../support/domain";

const T0 = new Date("2026-01-01T00:00:00.000Z");
const ids = (prefix = "id") => {
  let next = 0;
  return () => `${prefix}-${++next}`;
};

const item = (productId: string, variantId: string | null = null): ComparisonItem => ({
  id: `item-${productId}-${variantId ?? "none"}`,
  productId,
  variantId,
  siteId: "site-a",
  addedAt: T0.toISOString(),
});

const stateOf = (...productIds: string[]): ComparisonState => ({ items: productIds.map((id) => item(id)) });

describe("addToComparison", () => {
  it("appends the product with its site and time", () => {
    const {
      state,
      item: added,
      created,
    } = addToComparison({ items: [] }, { productId: "p1", variantId: null }, 4, "s1", T0, ids());
    expect(created).toBe(true);
    expect(added).toEqual({ id: "id-1", productId: "p1", variantId: null, siteId: "s1", addedAt: T0.toISOString() });
    expect(state.items).toEqual([added]);
  });

  it("the same product+variant twice is the existing entry, state untouched", () => {
    const before = stateOf("p1");
    const again = addToComparison(before, { productId: "p1", variantId: null }, 4, "s2", T0, ids());
    expect(again.created).toBe(false);
    expect(again.state).toBe(before);
    expect(again.item).toBe(before.items[0]);
    const variant = addToComparison(before, { productId: "p1", variantId: "v1" }, 4, "s2", T0, ids());
    expect(variant.created).toBe(true);
    expect(variant.state.items).toHaveLength(2);
  });

  it("past maxItems → COMPARE_LIMIT_REACHED, but a product already there is still fine", () => {
    const full = stateOf("a", "b", "c", "d");
    expectDomainError(
      () => addToComparison(full, { productId: "e", variantId: null }, 4, null, T0, ids()),
      "COMPARE_LIMIT_REACHED",
    );
    expect(addToComparison(full, { productId: "c", variantId: null }, 4, null, T0, ids()).created).toBe(false);
    // The cap is the site's: a site allowing 2 refuses the third.
    expectDomainError(
      () => addToComparison(stateOf("a", "b"), { productId: "c", variantId: null }, 2, null, T0, ids()),
      "COMPARE_LIMIT_REACHED",
    );
  });

  it("a state above a lowered cap refuses new products", () => {
    expectDomainError(
      () => addToComparison(stateOf("a", "b", "c"), { productId: "d", variantId: null }, 2, null, T0, ids()),
      "COMPARE_LIMIT_REACHED",
    );
  });
});

describe("removeFromComparison", () => {
  it("removes exactly the item; NOT_FOUND for an unknown id", () => {
    const state = stateOf("a", "b");
    expect(removeFromComparison(state, "item-a-none").items.map((entry) => entry.productId)).toEqual(["b"]);
    expectDomainError(() => removeFromComparison(state, "nope"), "NOT_FOUND");
  });
});

describe("mergeComparisons", () => {
  it("union up to the cap, target's products first; the rest reported as dropped", () => {
    const target = stateOf("t1", "shared", "t2");
    const guest = stateOf("shared", "g1", "g2", "g3");
    const { state, added, dropped } = mergeComparisons(target, guest, 4, ids("m"));
    expect(state.items.map((entry) => entry.productId)).toEqual(["t1", "shared", "t2", "g1"]);
    expect(added.map((entry) => [entry.id, entry.productId])).toEqual([["m-1", "g1"]]);
    expect(dropped.map((entry) => entry.productId)).toEqual(["g2", "g3"]);
  });

  it("a product on both is kept once and neither added nor dropped", () => {
    const { state, added, dropped } = mergeComparisons(stateOf("a"), stateOf("a"), 4, ids());
    expect(state.items).toEqual(stateOf("a").items);
    expect(added).toEqual([]);
    expect(dropped).toEqual([]);
  });

  it("a full target drops every new guest product", () => {
    const { state, dropped } = mergeComparisons(stateOf("a", "b"), stateOf("c", "d"), 2, ids());
    expect(state.items.map((entry) => entry.productId)).toEqual(["a", "b"]);
    expect(dropped.map((entry) => entry.productId)).toEqual(["c", "d"]);
  });

  it("is idempotent", () => {
    const once = mergeComparisons(stateOf("a"), stateOf("b"), 4, ids());
    const twice = mergeComparisons(once.state, stateOf("b"), 4, ids("x"));
    expect(twice.state).toEqual(once.state);
    expect(twice.added).toEqual([]);
  });
});

describe("attributeTable", () => {
  const product = (productId: string, attributes: Record<string, string | number | boolean | null>) => ({
    productId,
    variantId: null,
    name: productId,
    attributes,
  });

  it("one row per key of the union (sorted), one value per product, explicit null where missing", () => {
    const rows = attributeTable([
      product("a", { color: "red", weight: 2 }),
      product("b", { color: "blue", waterproof: true }),
      product("c", {}),
    ]);
    expect(rows).toEqual([
      { key: "color", values: ["red", "blue", null] },
      { key: "waterproof", values: [null, true, null] },
      { key: "weight", values: [2, null, null] },
    ]);
  });

  it("keeps falsy values (0, false, empty string) and a stored null", () => {
    const rows = attributeTable([
      product("a", { size: 0, eco: false, tag: "", gone: null }),
      product("b", { size: 1 }),
    ]);
    expect(rows).toEqual([
      { key: "eco", values: [false, null] },
      { key: "gone", values: [null, null] },
      { key: "size", values: [0, 1] },
      { key: "tag", values: ["", null] },
    ]);
  });

  it("no products or no attributes → no rows", () => {
    expect(attributeTable([])).toEqual([]);
    expect(attributeTable([product("a", {}), product("b", {})])).toEqual([]);
  });

  it("an attribute named like an Object.prototype member is a plain key", () => {
    const rows = attributeTable([product("a", { constructor: "x" }), product("b", {})]);
    expect(rows).toEqual([{ key: "constructor", values: ["x", null] }]);
  });
});
