import { DomainError } from "../errors";
import { MAX_DISCOUNT_CODES } from "./limits";
import { subtotalOf } from "./lines";
import { isMinorUnits, mulDivHalfUp } from "./money";
import type { AppliedDiscount, CartState, DiscountType, Promotion } from "./types";

type DiscountDefinition = Omit<AppliedDiscount, "amount">;

/**
 * Exist only outside production (the caller passes `NODE_ENV !== "production"`). They are not
 * stackable, so a demo also shows the stacking rule; a real `promotions` row with the same code
 * takes precedence.
 */
export const DEMO_CODES: Readonly<Record<string, DiscountDefinition>> = {
  SAVE10: { code: "SAVE10", type: "PERCENT", value: 10, stackable: false, minSubtotal: 0 },
  SAVE20: { code: "SAVE20", type: "PERCENT", value: 20, stackable: false, minSubtotal: 0 },
};

/** Codes are matched trimmed and upper-cased; callers look promotions up by this form too. */
export function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}

function validValue(type: DiscountType, value: number): boolean {
  return type === "PERCENT" ? Number.isInteger(value) && value >= 1 && value <= 100 : isMinorUnits(value) && value > 0;
}

function toTime(value: Date | string | null): number | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).getTime();
}

/** The promotion's window is [startsAt, endsAt): it starts on the instant and is over at endsAt. */
function promotionProblem(promotion: Promotion, now: Date): string | undefined {
  const code = normalizeCode(promotion.code);
  if (!promotion.active) return `code ${code} is not active`;
  const startsAt = toTime(promotion.startsAt);
  const endsAt = toTime(promotion.endsAt);
  if (Number.isNaN(startsAt) || Number.isNaN(endsAt) || !validValue(promotion.type, promotion.value)) {
    return `code ${code} is misconfigured`;
  }
  if (!isMinorUnits(promotion.minSubtotal)) return `code ${code} is misconfigured`;
  if (startsAt !== null && now.getTime() < startsAt) return `code ${code} is not valid yet`;
  if (endsAt !== null && now.getTime() >= endsAt) return `code ${code} has expired`;
  return undefined;
}

function resolveDiscount(
  code: string,
  promotion: Promotion | undefined,
  now: Date,
  allowDemoCodes: boolean,
): DiscountDefinition {
  if (promotion && normalizeCode(promotion.code) === code) {
    const problem = promotionProblem(promotion, now);
    if (problem) throw new DomainError("DISCOUNT_INVALID", problem);
    const { type, value, stackable, minSubtotal } = promotion;
    return { code, type, value, stackable, minSubtotal };
  }
  const demo = allowDemoCodes ? DEMO_CODES[code] : undefined;
  if (demo) return demo;
  throw new DomainError("DISCOUNT_INVALID", `code ${code} does not exist`);
}

function assertCanJoin(applied: readonly AppliedDiscount[], joining: DiscountDefinition): void {
  const exclusive = applied.find((discount) => !discount.stackable);
  if (exclusive) {
    throw new DomainError("DISCOUNT_NOT_STACKABLE", `code ${exclusive.code} cannot be combined with other codes`);
  }
  if (!joining.stackable && applied.length > 0) {
    throw new DomainError("DISCOUNT_NOT_STACKABLE", `code ${joining.code} cannot be combined with other codes`);
  }
}

/**
 * Each code's amount, in the order applied. PERCENT is taken of the whole subtotal (half-up);
 * FIXED is its value. A code whose minSubtotal the cart no longer meets stays applied at 0, so it
 * comes back when the shopper adds items again instead of silently vanishing. Each amount is
 * capped at what is left of the subtotal, so the total never exceeds it.
 */
export function allocateDiscounts(subtotal: number, discounts: readonly AppliedDiscount[]): AppliedDiscount[] {
  let left = subtotal;
  return discounts.map((discount) => {
    const eligible = subtotal >= discount.minSubtotal;
    const full = discount.type === "PERCENT" ? mulDivHalfUp(subtotal, discount.value, 100) : discount.value;
    const amount = eligible ? Math.min(full, left) : 0;
    left -= amount;
    return { ...discount, amount };
  });
}

/**
 * Applies a code. `promotion` is the caller's `promotions` row for the normalized code, if any.
 * Applying a code that is already applied is a no-op, so retries are harmless.
 */
export function applyDiscount(
  state: CartState,
  code: string,
  promotion: Promotion | undefined,
  now: Date,
  allowDemoCodes: boolean,
): CartState {
  const normalized = normalizeCode(code);
  if (normalized === "") throw new DomainError("VALIDATION_FAILED", "discount code must not be empty");
  if (state.discounts.some((discount) => discount.code === normalized)) return state;

  const definition = resolveDiscount(normalized, promotion, now, allowDemoCodes);
  const subtotal = subtotalOf(state.lines);
  if (subtotal < definition.minSubtotal) {
    throw new DomainError(
      "DISCOUNT_INVALID",
      `code ${normalized} needs a subtotal of at least ${definition.minSubtotal}; the cart's is ${subtotal}`,
    );
  }
  assertCanJoin(state.discounts, definition);
  if (state.discounts.length >= MAX_DISCOUNT_CODES) {
    throw new DomainError("CART_LIMIT", `a cart holds at most ${MAX_DISCOUNT_CODES} discount codes`);
  }
  const discounts = allocateDiscounts(subtotal, [...state.discounts, { ...definition, amount: 0 }]);
  return { ...state, discounts };
}

export function removeDiscount(state: CartState, code: string): CartState {
  const normalized = normalizeCode(code);
  const kept = state.discounts.filter((discount) => discount.code !== normalized);
  if (kept.length === state.discounts.length) {
    throw new DomainError("NOT_FOUND", `code ${normalized} is not applied to this cart`);
  }
  return { ...state, discounts: allocateDiscounts(subtotalOf(state.lines), kept) };
}
