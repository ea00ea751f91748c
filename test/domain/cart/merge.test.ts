import { describe, expect, it } from "vitest";
import {
  type AppliedDiscount,
  addBundle,
  addLine,
  type BundleDefinition,
  type CartState,
  MAX_DISCOUNT_CODES,
  MAX_LINES,
  type MergeStrategy,
  mergeCarts,
  type SavedLine,
} from "../../../src/domain/cart";
import { deepFreeze, NOW, pricedItem, sequence } from "../../support/domain";

const MERGED_AT = new Date("2025-06-05T09:30:00.000Z");

const item = (productId: string, variantId: string | null = null, unitPrice = 1000) =>
  pricedItem(productId, unitPrice, { variantId });

function bundle(id: string, productIds: string[]): BundleDefinition {
  return {
    id,
    companyId: "c1",
    name: id,
    active: true,
    discountType: "NONE",
    discountValue: 0,
    items: productIds.map((productId) => ({ productId, variantId: null, quantity: 1, item: item(productId) })),
  };
}

function discount(code: string, stackable = true, type: AppliedDiscount["type"] = "PERCENT"): AppliedDiscount {
  return { code, type, value: 10, amount: 0, stackable, minSubtotal: 0 };
}

function savedLine(productId: string, id = `saved-${productId}`): SavedLine {
  return {
    id,
    productId,
    variantId: null,
    sku: productId,
    name: productId,
    quantity: 1,
    unitPrice: 1000,
    siteId: null,
    addedAt: NOW.toISOString(),
    savedAt: NOW.toISOString(),
  };
}

interface CartSpec {
  currency?: string;
  lines?: [string, string | null, number][];
  bundles?: [string, string[]][];
  saved?: SavedLine[];
  discounts?: AppliedDiscount[];
}

/** Builds a frozen cart; `prefix` keeps the two carts' ids apart. */
function cart(prefix: string, spec: CartSpec): CartState {
  const newId = sequence(prefix);
  let state: CartState = { currency: "USD", lines: [], savedLines: spec.saved ?? [], discounts: spec.discounts ?? [] };
  for (const [productId, variantId, quantity] of spec.lines ?? []) {
    state = addLine(state, item(productId, variantId), quantity, `${prefix}-site`, NOW, newId).state;
  }
  for (const [bundleId, productIds] of spec.bundles ?? []) {
    state = addBundle(state, bundle(bundleId, productIds), 1, `${prefix}-site`, NOW, newId).state;
  }
  return deepFreeze({ ...state, currency: spec.currency ?? "USD" });
}

const merge = (target: CartState, guest: CartState, strategy: MergeStrategy) =>
  mergeCarts(target, guest, strategy, sequence("new"), MERGED_AT);

const quantities = (state: CartState) =>
  state.lines.map((line) => `${line.productId}/${line.variantId ?? "-"}×${line.quantity}`);

const customer = cart("t", {
  lines: [
    ["a", null, 2],
    ["b", "red", 5],
    ["c", null, 1],
  ],
});
const guest = cart("g", {
  lines: [
    ["a", null, 4],
    ["b", "red", 1],
    ["b", "blue", 1],
    ["d", null, 3],
  ],
});

describe("mergeCarts strategies", () => {
  it("max keeps the larger quantity per product+variant and adds the rest", () => {
    const { result, diff } = merge(customer, guest, "max");
    expect(quantities(result)).toEqual(["a/-×4", "b/red×5", "c/-×1", "b/blue×1", "d/-×3"]);
    expect(diff.quantityChanged).toEqual([{ productId: "a", variantId: null, from: 2, to: 4 }]);
    expect(diff.added).toEqual([
      { productId: "b", variantId: "blue", quantity: 1, bundleGroupId: null },
      { productId: "d", variantId: null, quantity: 3, bundleGroupId: null },
    ]);
    expect(diff.dropped).toEqual([]);
  });

  it("sum adds quantities", () => {
    const { result, diff } = merge(customer, guest, "sum");
    expect(quantities(result)).toEqual(["a/-×6", "b/red×6", "c/-×1", "b/blue×1", "d/-×3"]);
    expect(diff.quantityChanged.map((entry) => [entry.productId, entry.from, entry.to])).toEqual([
      ["a", 2, 6],
      ["b", 5, 6],
    ]);
    expect(result.lines[0]?.lineTotal).toBe(6000);
  });

  it("sum caps at 999 and reports the excess as dropped", () => {
    const big = cart("t", { lines: [["a", null, 900]] });
    const { result, diff } = merge(big, cart("g", { lines: [["a", null, 150]] }), "sum");
    expect(result.lines[0]?.quantity).toBe(999);
    expect(diff.quantityChanged).toEqual([{ productId: "a", variantId: null, from: 900, to: 999 }]);
    expect(diff.dropped).toEqual([
      { productId: "a", variantId: null, quantity: 51, bundleGroupId: null, reason: "QUANTITY_LIMIT" },
    ]);
  });

  it("replace makes the guest's lines the cart's, keeping ids of lines both had", () => {
    const { result, diff } = merge(customer, guest, "replace");
    expect(quantities(result)).toEqual(["a/-×4", "b/red×1", "b/blue×1", "d/-×3"]);
    expect(result.lines[0]?.id).toBe(customer.lines[0]?.id);
    expect(diff.quantityChanged.map((entry) => [entry.productId, entry.from, entry.to])).toEqual([
      ["a", 2, 4],
      ["b", 5, 1],
    ]);
    expect(diff.dropped).toEqual([
      { productId: "c", variantId: null, quantity: 1, bundleGroupId: null, reason: "REPLACED" },
    ]);
  });

  it("gives lines taken from the guest fresh ids and addedAt = merge time, keeping their site", () => {
    const { result } = merge(customer, guest, "max");
    const added = result.lines.slice(3);
    expect(added.map((line) => line.id)).toEqual(["new-1", "new-2"]);
    expect(added.every((line) => line.addedAt === MERGED_AT.toISOString() && line.siteId === "g-site")).toBe(true);
  });

  it("merging into an empty cart copies the guest cart", () => {
    const empty = cart("t", {});
    for (const strategy of ["max", "sum", "replace"] as const) {
      expect(quantities(merge(empty, guest, strategy).result)).toEqual(quantities(guest));
    }
  });
});

describe("mergeCarts bundles", () => {
  const customerWithKit = cart("t", { lines: [["a", null, 1]], bundles: [["kit", ["x", "y"]]] });
  const guestWithKits = cart("g", {
    bundles: [
      ["kit", ["x", "y"]],
      ["other", ["x", "z"]],
    ],
  });

  it("moves guest groups whole under fresh group ids, never merging them into ordinary lines", () => {
    const { result, diff } = merge(cart("t", { lines: [["x", null, 1]] }), guestWithKits, "sum");
    expect(result.lines).toHaveLength(5);
    const groups = new Set(result.lines.map((line) => line.bundleGroupId).filter((id) => id !== null));
    expect(groups.size).toBe(2);
    expect(result.lines[0]).toMatchObject({ productId: "x", quantity: 1, bundleGroupId: null });
    expect(diff.added).toHaveLength(4);
    expect(diff.quantityChanged).toEqual([]);
  });

  it("max drops a guest group whose bundle the customer already has; sum keeps it", () => {
    const max = merge(customerWithKit, guestWithKits, "max");
    expect(max.result.lines.filter((line) => line.bundleId === "kit")).toHaveLength(2);
    expect(max.diff.dropped.map((entry) => [entry.productId, entry.reason])).toEqual([
      ["x", "DUPLICATE_BUNDLE"],
      ["y", "DUPLICATE_BUNDLE"],
    ]);
    const sum = merge(customerWithKit, guestWithKits, "sum");
    expect(sum.result.lines.filter((line) => line.bundleId === "kit")).toHaveLength(4);
  });

  it("replace drops the customer's groups and takes the guest's", () => {
    const { result, diff } = merge(customerWithKit, guestWithKits, "replace");
    expect(result.lines.map((line) => line.bundleId)).toEqual(["kit", "kit", "other", "other"]);
    expect(diff.dropped.map((entry) => [entry.productId, entry.reason])).toEqual([
      ["a", "REPLACED"],
      ["x", "REPLACED"],
      ["y", "REPLACED"],
    ]);
  });
});

describe("mergeCarts limits and currency", () => {
  const nearlyFull = (free: number) =>
    cart("t", {
      lines: Array.from({ length: MAX_LINES - free }, (_, i): [string, null, number] => [`t${i}`, null, 1]),
    });

  it("drops lines beyond 250 and reports them", () => {
    const { result, diff } = merge(
      nearlyFull(1),
      cart("g", {
        lines: [
          ["n1", null, 1],
          ["n2", null, 2],
        ],
      }),
      "max",
    );
    expect(result.lines).toHaveLength(MAX_LINES);
    expect(diff.added.map((entry) => entry.productId)).toEqual(["n1"]);
    expect(diff.dropped).toEqual([
      { productId: "n2", variantId: null, quantity: 2, bundleGroupId: null, reason: "LINE_LIMIT" },
    ]);
  });

  it("never splits a bundle group to fit, but a later smaller line can still fit", () => {
    const guestCart = cart("g", { bundles: [["kit", ["x", "y"]]], lines: [["n1", null, 1]] });
    const { result, diff } = merge(nearlyFull(1), guestCart, "sum");
    expect(result.lines).toHaveLength(MAX_LINES);
    expect(diff.added.map((entry) => entry.productId)).toEqual(["n1"]);
    expect(diff.dropped.map((entry) => [entry.productId, entry.reason])).toEqual([
      ["x", "LINE_LIMIT"],
      ["y", "LINE_LIMIT"],
    ]);
  });

  it("drops everything of a guest cart in another currency and keeps the customer's cart, even under replace", () => {
    const euroGuest = cart("g", {
      currency: "EUR",
      lines: [["a", null, 9]],
      bundles: [["kit", ["x"]]],
      saved: [savedLine("s")],
      discounts: [discount("EURO")],
    });
    for (const strategy of ["max", "sum", "replace"] as const) {
      const { result, diff } = merge(customer, euroGuest, strategy);
      expect(result.currency).toBe("USD");
      expect(quantities(result)).toEqual(quantities(customer));
      expect(diff.dropped.map((entry) => [entry.productId, entry.reason])).toEqual([
        ["a", "CURRENCY_MISMATCH"],
        ["x", "CURRENCY_MISMATCH"],
      ]);
      expect(diff.savedDropped.map((entry) => entry.reason)).toEqual(["CURRENCY_MISMATCH"]);
      expect(diff.discountsDropped).toEqual([{ code: "EURO", reason: "CURRENCY_MISMATCH" }]);
    }
  });
});

describe("mergeCarts discounts and saved lines", () => {
  it("unions stackable codes, customer's first, and recomputes amounts on the merged subtotal", () => {
    const target = cart("t", { lines: [["a", null, 1]], discounts: [discount("A")] });
    const guestCart = cart("g", { lines: [["b", null, 1]], discounts: [discount("A"), discount("B")] });
    const { result, diff } = merge(target, guestCart, "max");
    expect(result.discounts.map((entry) => [entry.code, entry.amount])).toEqual([
      ["A", 200],
      ["B", 200],
    ]);
    expect(diff.discountsAdded).toEqual(["B"]);
    expect(diff.discountsDropped).toEqual([]);
  });

  it("respects stacking in both directions", () => {
    const exclusiveTarget = cart("t", { discounts: [discount("SOLO", false)] });
    const dropped = merge(exclusiveTarget, cart("g", { discounts: [discount("B")] }), "max");
    expect(dropped.diff.discountsDropped).toEqual([{ code: "B", reason: "NOT_STACKABLE" }]);

    const exclusiveGuest = cart("g", { discounts: [discount("SOLO", false)] });
    const refused = merge(cart("t", { discounts: [discount("A")] }), exclusiveGuest, "sum");
    expect(refused.result.discounts.map((entry) => entry.code)).toEqual(["A"]);
    expect(refused.diff.discountsDropped).toEqual([{ code: "SOLO", reason: "NOT_STACKABLE" }]);
  });

  it("stops at 10 codes", () => {
    const codes = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => discount(`${prefix}${i}`));
    const { result, diff } = merge(
      cart("t", { discounts: codes("T", 9) }),
      cart("g", { discounts: codes("G", 3) }),
      "max",
    );
    expect(result.discounts).toHaveLength(MAX_DISCOUNT_CODES);
    expect(diff.discountsAdded).toEqual(["G0"]);
    expect(diff.discountsDropped).toEqual([
      { code: "G1", reason: "LIMIT" },
      { code: "G2", reason: "LIMIT" },
    ]);
  });

  it("replace takes the guest's codes and reports the customer's as replaced", () => {
    const target = cart("t", { discounts: [discount("SOLO", false), discount("SHARED")] });
    const { result, diff } = merge(target, cart("g", { discounts: [discount("SHARED"), discount("G")] }), "replace");
    expect(result.discounts.map((entry) => entry.code)).toEqual(["SHARED", "G"]);
    expect(diff.discountsDropped).toEqual([{ code: "SOLO", reason: "REPLACED" }]);
    expect(diff.discountsAdded).toEqual(["G"]);
  });

  it("unions saved lines under every strategy, keeping the customer's entry for a product saved in both", () => {
    const target = cart("t", { saved: [savedLine("s1", "t-s1")] });
    const guestCart = cart("g", { saved: [savedLine("s1", "g-s1"), savedLine("s2", "g-s2")] });
    for (const strategy of ["max", "sum", "replace"] as const) {
      const { result, diff } = merge(target, guestCart, strategy);
      expect(result.savedLines.map((line) => [line.id, line.productId])).toEqual([
        ["t-s1", "s1"],
        ["new-1", "s2"],
      ]);
      expect(diff.savedAdded).toEqual([{ productId: "s2", variantId: null, quantity: 1 }]);
    }
  });
});

describe("mergeCarts purity (dry run)", () => {
  const target = cart("t", {
    lines: [["a", null, 2]],
    bundles: [["kit", ["x", "y"]]],
    saved: [savedLine("s1")],
    discounts: [discount("A")],
  });
  const guestCart = cart("g", {
    lines: [
      ["a", null, 5],
      ["b", null, 1],
    ],
    bundles: [["other", ["z"]]],
    saved: [savedLine("s2")],
    discounts: [discount("B")],
  });

  it.each(["max", "sum", "replace"] as const)("%s leaves frozen inputs untouched and is repeatable", (strategy) => {
    const targetBefore = structuredClone(target);
    const guestBefore = structuredClone(guestCart);
    const first = mergeCarts(target, guestCart, strategy, sequence("n"), MERGED_AT);
    const second = mergeCarts(target, guestCart, strategy, sequence("n"), MERGED_AT);
    expect(second).toEqual(first);
    expect(target).toEqual(targetBefore);
    expect(guestCart).toEqual(guestBefore);
    expect(first.result.lines).not.toBe(target.lines);
  });
});
