import { describe, expect, it } from "vitest";
import {
  type AppliedDiscount,
  addLine,
  applyDiscount,
  type CartState,
  DomainError,
  MAX_DISCOUNT_CODES,
  normalizeCode,
  type Promotion,
  removeDiscount,
} from "../../../src/domain/cart";
import { deepFreeze, NOW } from "../../support/domain";

function cartWithSubtotal(subtotal: number): CartState {
  const empty: CartState = { currency: "USD", lines: [], savedLines: [], discounts: [] };
  if (subtotal === 0) return empty;
  const item = {
    productId: "p1",
    variantId: null,
    companyId: "c1",
    sku: "S",
    name: "Item",
    unitPrice: subtotal,
    currency: "USD",
    active: true,
  };
  return addLine(empty, item, 1, null, NOW, () => "l1").state;
}

function promotion(overrides: Partial<Promotion> = {}): Promotion {
  return {
    code: "SPRING",
    type: "PERCENT",
    value: 15,
    minSubtotal: 0,
    startsAt: null,
    endsAt: null,
    stackable: true,
    active: true,
    ...overrides,
  };
}

function applied(code: string, overrides: Partial<AppliedDiscount> = {}): AppliedDiscount {
  return { code, type: "FIXED", value: 100, amount: 0, stackable: true, minSubtotal: 0, ...overrides };
}

function failure(run: () => unknown): { code: string; detail: string } | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, detail: error.detail };
    throw error;
  }
  return undefined;
}

const base = deepFreeze(cartWithSubtotal(10_000));

describe("demo codes", () => {
  it("SAVE10 and SAVE20 work outside production, in any case and with spaces", () => {
    expect(applyDiscount(base, " save10 ", undefined, NOW, true).discounts).toEqual([
      { code: "SAVE10", type: "PERCENT", value: 10, amount: 1000, stackable: false, minSubtotal: 0 },
    ]);
    expect(applyDiscount(base, "SAVE20", undefined, NOW, true).discounts[0]?.amount).toBe(2000);
  });

  it("do not exist in production", () => {
    expect(failure(() => applyDiscount(base, "SAVE10", undefined, NOW, false))).toEqual({
      code: "DISCOUNT_INVALID",
      detail: "code SAVE10 does not exist",
    });
  });

  it("give way to a real promotion row with the same code", () => {
    const row = promotion({ code: "SAVE10", type: "FIXED", value: 300, stackable: true });
    expect(applyDiscount(base, "save10", row, NOW, true).discounts[0]).toMatchObject({ type: "FIXED", amount: 300 });
    expect(applyDiscount(base, "save10", row, NOW, false).discounts[0]).toMatchObject({ type: "FIXED", amount: 300 });
  });
});

describe("applyDiscount validity", () => {
  it("normalizes codes (trim, upper case)", () => {
    expect(normalizeCode("  spring\t")).toBe("SPRING");
    expect(applyDiscount(base, "spring", promotion(), NOW, false).discounts[0]?.code).toBe("SPRING");
  });

  it("rejects an empty code as bad input", () => {
    expect(failure(() => applyDiscount(base, "   ", undefined, NOW, true))?.code).toBe("VALIDATION_FAILED");
  });

  it("rejects an unknown code, and ignores a promotion row for a different code", () => {
    expect(failure(() => applyDiscount(base, "NOPE", undefined, NOW, true))?.code).toBe("DISCOUNT_INVALID");
    expect(failure(() => applyDiscount(base, "NOPE", promotion(), NOW, true))?.code).toBe("DISCOUNT_INVALID");
  });

  it("rejects an inactive code", () => {
    expect(failure(() => applyDiscount(base, "SPRING", promotion({ active: false }), NOW, false))).toEqual({
      code: "DISCOUNT_INVALID",
      detail: "code SPRING is not active",
    });
  });

  it("honours the window [startsAt, endsAt)", () => {
    const at = (iso: string) => new Date(iso);
    const future = promotion({ startsAt: "2025-06-02T00:00:00.000Z" });
    expect(failure(() => applyDiscount(base, "SPRING", future, NOW, false))?.detail).toBe(
      "code SPRING is not valid yet",
    );
    const past = promotion({ endsAt: new Date("2025-05-31T00:00:00.000Z") });
    expect(failure(() => applyDiscount(base, "SPRING", past, NOW, false))?.detail).toBe("code SPRING has expired");

    const window = promotion({ startsAt: NOW, endsAt: "2025-06-01T13:00:00.000Z" });
    expect(applyDiscount(base, "SPRING", window, NOW, false).discounts).toHaveLength(1);
    expect(failure(() => applyDiscount(base, "SPRING", window, at("2025-06-01T13:00:00.000Z"), false))?.detail).toBe(
      "code SPRING has expired",
    );
    expect(failure(() => applyDiscount(base, "SPRING", window, at("2025-06-01T11:59:59.999Z"), false))?.detail).toBe(
      "code SPRING is not valid yet",
    );
  });

  it("enforces minSubtotal at the boundary", () => {
    const row = promotion({ minSubtotal: 10_000 });
    expect(applyDiscount(base, "SPRING", row, NOW, false).discounts).toHaveLength(1);
    expect(failure(() => applyDiscount(cartWithSubtotal(9_999), "SPRING", row, NOW, false))).toEqual({
      code: "DISCOUNT_INVALID",
      detail: "code SPRING needs a subtotal of at least 10000; the cart's is 9999",
    });
  });

  it.each([
    ["a PERCENT over 100", { value: 101 }],
    ["a fractional PERCENT", { value: 12.5 }],
    ["a zero FIXED", { type: "FIXED" as const, value: 0 }],
    ["an unparseable date", { endsAt: "soon" }],
    ["a negative minSubtotal", { minSubtotal: -1 }],
  ])("treats %s as misconfigured", (_, overrides) => {
    expect(failure(() => applyDiscount(base, "SPRING", promotion(overrides), NOW, false))).toEqual({
      code: "DISCOUNT_INVALID",
      detail: "code SPRING is misconfigured",
    });
  });
});

describe("applyDiscount amounts", () => {
  it("rounds percent half-up", () => {
    const tenPercent = promotion({ value: 10 });
    expect(applyDiscount(cartWithSubtotal(1005), "SPRING", tenPercent, NOW, false).discounts[0]?.amount).toBe(101);
    expect(applyDiscount(cartWithSubtotal(1004), "SPRING", tenPercent, NOW, false).discounts[0]?.amount).toBe(100);
  });

  it("caps a FIXED code larger than the subtotal at the subtotal", () => {
    const big = promotion({ type: "FIXED", value: 50_000 });
    expect(applyDiscount(base, "SPRING", big, NOW, false).discounts[0]?.amount).toBe(10_000);
  });

  it("applies codes in order, each capped by what is left", () => {
    let state = applyDiscount(base, "A", promotion({ code: "A", value: 60 }), NOW, false);
    state = applyDiscount(state, "B", promotion({ code: "B", value: 60 }), NOW, false);
    expect(state.discounts.map((discount) => discount.amount)).toEqual([6000, 4000]);
  });
});

describe("stacking", () => {
  const exclusive = promotion({ code: "SOLO", stackable: false });

  it("a non-stackable code cannot join others", () => {
    const withOne = deepFreeze(applyDiscount(base, "A", promotion({ code: "A" }), NOW, false));
    expect(failure(() => applyDiscount(withOne, "SOLO", exclusive, NOW, false))).toEqual({
      code: "DISCOUNT_NOT_STACKABLE",
      detail: "code SOLO cannot be combined with other codes",
    });
  });

  it("others cannot join a non-stackable code", () => {
    const withSolo = deepFreeze(applyDiscount(base, "SOLO", exclusive, NOW, false));
    expect(failure(() => applyDiscount(withSolo, "A", promotion({ code: "A" }), NOW, false))).toEqual({
      code: "DISCOUNT_NOT_STACKABLE",
      detail: "code SOLO cannot be combined with other codes",
    });
    expect(failure(() => applyDiscount(withSolo, "SAVE20", undefined, NOW, true))?.code).toBe("DISCOUNT_NOT_STACKABLE");
  });

  it("demo codes do not stack with each other", () => {
    const withSave10 = applyDiscount(base, "SAVE10", undefined, NOW, true);
    expect(failure(() => applyDiscount(withSave10, "SAVE20", undefined, NOW, true))?.code).toBe(
      "DISCOUNT_NOT_STACKABLE",
    );
  });

  it("re-applying an applied code is a no-op, even a non-stackable one", () => {
    const withSolo = deepFreeze(applyDiscount(base, "SOLO", exclusive, NOW, false));
    expect(applyDiscount(withSolo, " solo", exclusive, NOW, false)).toBe(withSolo);
  });

  it("allows 10 codes and refuses the 11th", () => {
    let state = base;
    for (let i = 0; i < MAX_DISCOUNT_CODES; i++) {
      state = applyDiscount(state, `C${i}`, promotion({ code: `C${i}`, type: "FIXED", value: 1 }), NOW, false);
    }
    deepFreeze(state);
    expect(state.discounts).toHaveLength(MAX_DISCOUNT_CODES);
    expect(failure(() => applyDiscount(state, "C10", promotion({ code: "C10" }), NOW, false))?.code).toBe("CART_LIMIT");
    expect(applyDiscount(state, "C3", promotion({ code: "C3" }), NOW, false)).toBe(state);
  });
});

describe("removeDiscount", () => {
  it("removes by normalized code and recomputes the remaining amounts", () => {
    const state = deepFreeze({
      ...base,
      discounts: [applied("A", { type: "PERCENT", value: 80 }), applied("B", { type: "PERCENT", value: 50 })],
    });
    expect(removeDiscount(state, " a ").discounts).toEqual([
      applied("B", { type: "PERCENT", value: 50, amount: 5000 }),
    ]);
  });

  it("is NOT_FOUND for a code that is not applied", () => {
    expect(failure(() => removeDiscount(base, "SAVE10"))?.code).toBe("NOT_FOUND");
  });
});
