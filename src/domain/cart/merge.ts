import { allocateDiscounts } from "./discounts";
import { MAX_DISCOUNT_CODES, MAX_LINES, MAX_QUANTITY, MAX_SAVED_LINES } from "./limits";
import { findLooseLine, sameProduct, subtotalOf } from "./lines";
import type { AppliedDiscount, CartLine, CartState, SavedLine } from "./types";

export type MergeStrategy = "max" | "sum" | "replace";

export type LineDropReason =
  | "CURRENCY_MISMATCH"
  | "LINE_LIMIT"
  /** `sum` went past the per-line cap; `quantity` is the excess. */
  | "QUANTITY_LIMIT"
  /** `max`: the customer's cart already holds this bundle. */
  | "DUPLICATE_BUNDLE"
  /** `replace`: a line of the customer's cart the guest cart did not have. */
  | "REPLACED";

export type DiscountDropReason = "CURRENCY_MISMATCH" | "NOT_STACKABLE" | "LIMIT" | "REPLACED";

export interface MergeLineChange {
  productId: string;
  variantId: string | null;
  quantity: number;
  bundleGroupId: string | null;
}

export interface MergeDiff {
  added: MergeLineChange[];
  quantityChanged: { productId: string; variantId: string | null; from: number; to: number }[];
  dropped: (MergeLineChange & { reason: LineDropReason })[];
  discountsAdded: string[];
  discountsDropped: { code: string; reason: DiscountDropReason }[];
  savedAdded: { productId: string; variantId: string | null; quantity: number }[];
  savedDropped: { productId: string; variantId: string | null; quantity: number; reason: LineDropReason }[];
}

const change = (line: CartLine, quantity = line.quantity): MergeLineChange => ({
  productId: line.productId,
  variantId: line.variantId,
  quantity,
  bundleGroupId: line.bundleGroupId,
});

/** What every step of one merge shares. */
interface MergeContext {
  target: CartState;
  guest: CartState;
  strategy: MergeStrategy;
  /** False when the guest cart is in another currency: then nothing of it can come over. */
  sameCurrency: boolean;
  newId: () => string;
  addedAt: string;
  diff: MergeDiff;
}

/**
 * Folds a guest cart into a customer's cart and says what changed relative to the
 * customer's cart. Pure: nothing is mutated and the same inputs (and ids from `newId`) give the
 * same result, so a dry run is just a call whose result is not stored.
 *
 * - Ordinary lines match on product+variant. `max` keeps the larger quantity, `sum` adds up to
 *   the per-line cap (the excess is reported dropped), `replace` takes the guest's lines only.
 * - Bundle groups move whole under fresh ids and never merge with another group. Under `max` a
 *   guest group is dropped when the customer already has a group of the same bundle (taking the
 *   larger of two groups would mean swapping whole groups); `sum` adds it.
 * - The result keeps the customer cart's currency. A guest cart in another currency contributes
 *   nothing (its prices and thresholds are in the wrong unit): every guest line, saved line and
 *   code is reported dropped, and `replace` then keeps the customer's cart rather than empty it.
 * - Lines (and whole bundle groups) that do not fit under the line limit are dropped.
 * - Saved-for-later lists are a union under every strategy: losing saved items helps no one.
 *   A product saved in both keeps the customer's entry.
 * - Codes are a union in order, customer's first, within the stacking and count rules; `replace`
 *   takes the guest's codes instead.
 * - Lines taken from the guest get `addedAt = now`: that is when they entered this cart.
 */
/**
 * A guest cart a merge takes nothing from: its order was placed (CONVERTED: the lines would come
 * back, and the conversion would be lost) or it is gone (EXPIRED). The customer's cart stays as it
 * is, under every strategy (`replace` too).
 */
export function guestCartEnded(status: string): boolean {
  return status === "CONVERTED" || status === "EXPIRED";
}

/** A merge that changed nothing (a retried merge reports this). */
export function emptyMergeDiff(): MergeDiff {
  return {
    added: [],
    quantityChanged: [],
    dropped: [],
    discountsAdded: [],
    discountsDropped: [],
    savedAdded: [],
    savedDropped: [],
  };
}

export function mergeCarts(
  target: CartState,
  guest: CartState,
  strategy: MergeStrategy,
  newId: () => string,
  now: Date,
): { result: CartState; diff: MergeDiff } {
  const ctx: MergeContext = {
    target,
    guest,
    strategy,
    sameCurrency: guest.currency === target.currency,
    newId,
    addedAt: now.toISOString(),
    diff: emptyMergeDiff(),
  };
  const lines = mergeLines(ctx);
  const savedLines = mergeSaved(ctx);
  const discounts = mergeDiscounts(ctx);
  return {
    result: {
      currency: target.currency,
      lines,
      savedLines,
      discounts: allocateDiscounts(subtotalOf(lines), discounts),
    },
    diff: ctx.diff,
  };
}

function mergeLines(ctx: MergeContext): CartLine[] {
  const { target, guest, diff } = ctx;
  const replacing = ctx.strategy === "replace" && ctx.sameCurrency;
  // `replace` keeps only the customer's ordinary lines the guest also has; their quantities are set below.
  const lines = replacing
    ? target.lines.filter((line) => line.bundleGroupId === null && findLooseLine(guest.lines, line) !== undefined)
    : [...target.lines];
  if (replacing) {
    for (const line of target.lines) {
      if (!lines.includes(line)) diff.dropped.push({ ...change(line), reason: "REPLACED" });
    }
  }

  const seenGroups = new Set<string>();
  for (const line of guest.lines) {
    if (line.bundleGroupId === null) {
      mergeLooseLine(ctx, lines, line);
    } else if (!seenGroups.has(line.bundleGroupId)) {
      seenGroups.add(line.bundleGroupId);
      mergeGroup(
        ctx,
        lines,
        guest.lines.filter((candidate) => candidate.bundleGroupId === line.bundleGroupId),
      );
    }
  }
  return lines;
}

function mergeLooseLine(ctx: MergeContext, lines: CartLine[], line: CartLine): void {
  const { diff } = ctx;
  if (!ctx.sameCurrency) {
    diff.dropped.push({ ...change(line), reason: "CURRENCY_MISMATCH" });
    return;
  }
  const existing = findLooseLine(lines, line);
  if (!existing) {
    if (lines.length >= MAX_LINES) {
      diff.dropped.push({ ...change(line), reason: "LINE_LIMIT" });
      return;
    }
    lines.push({ ...line, id: ctx.newId(), addedAt: ctx.addedAt });
    diff.added.push(change(line));
    return;
  }

  let quantity = existing.quantity;
  if (ctx.strategy === "max") quantity = Math.max(existing.quantity, line.quantity);
  if (ctx.strategy === "replace") quantity = line.quantity;
  if (ctx.strategy === "sum") {
    const sum = existing.quantity + line.quantity;
    quantity = Math.min(sum, MAX_QUANTITY);
    if (sum > MAX_QUANTITY) diff.dropped.push({ ...change(line, sum - MAX_QUANTITY), reason: "QUANTITY_LIMIT" });
  }
  if (quantity === existing.quantity) return;
  lines[lines.indexOf(existing)] = { ...existing, quantity, lineTotal: existing.unitPrice * quantity };
  diff.quantityChanged.push({
    productId: existing.productId,
    variantId: existing.variantId,
    from: existing.quantity,
    to: quantity,
  });
}

function groupDropReason(ctx: MergeContext, lines: CartLine[], group: CartLine[]): LineDropReason | undefined {
  if (!ctx.sameCurrency) return "CURRENCY_MISMATCH";
  const bundleId = group[0]?.bundleId ?? null;
  if (ctx.strategy === "max" && bundleId !== null && ctx.target.lines.some((line) => line.bundleId === bundleId)) {
    return "DUPLICATE_BUNDLE";
  }
  if (lines.length + group.length > MAX_LINES) return "LINE_LIMIT";
  return undefined;
}

function mergeGroup(ctx: MergeContext, lines: CartLine[], group: CartLine[]): void {
  const reason = groupDropReason(ctx, lines, group);
  if (reason) {
    for (const line of group) ctx.diff.dropped.push({ ...change(line), reason });
    return;
  }

  const bundleGroupId = ctx.newId();
  for (const line of group) {
    const moved = { ...line, id: ctx.newId(), bundleGroupId, addedAt: ctx.addedAt };
    lines.push(moved);
    ctx.diff.added.push(change(moved));
  }
}

function mergeSaved(ctx: MergeContext): SavedLine[] {
  const savedLines = [...ctx.target.savedLines];
  for (const saved of ctx.guest.savedLines) {
    const { productId, variantId, quantity } = saved;
    if (!ctx.sameCurrency) {
      ctx.diff.savedDropped.push({ productId, variantId, quantity, reason: "CURRENCY_MISMATCH" });
    } else if (savedLines.some((candidate) => sameProduct(candidate, saved))) {
      // Already saved by the customer: nothing is lost by keeping their entry.
    } else if (savedLines.length >= MAX_SAVED_LINES) {
      ctx.diff.savedDropped.push({ productId, variantId, quantity, reason: "LINE_LIMIT" });
    } else {
      savedLines.push({ ...saved, id: ctx.newId() });
      ctx.diff.savedAdded.push({ productId, variantId, quantity });
    }
  }
  return savedLines;
}

function mergeDiscounts(ctx: MergeContext): AppliedDiscount[] {
  const { target, guest, diff } = ctx;
  const replacing = ctx.strategy === "replace" && ctx.sameCurrency;
  const discounts = replacing ? [] : [...target.discounts];
  if (replacing) {
    for (const { code } of target.discounts) {
      if (!guest.discounts.some((discount) => discount.code === code)) {
        diff.discountsDropped.push({ code, reason: "REPLACED" });
      }
    }
  }
  for (const discount of guest.discounts) {
    const { code } = discount;
    if (!ctx.sameCurrency) {
      diff.discountsDropped.push({ code, reason: "CURRENCY_MISMATCH" });
    } else if (discounts.some((candidate) => candidate.code === code)) {
      // Already applied: a union keeps one copy.
    } else if (discounts.some((candidate) => !candidate.stackable) || (!discount.stackable && discounts.length > 0)) {
      diff.discountsDropped.push({ code, reason: "NOT_STACKABLE" });
    } else if (discounts.length >= MAX_DISCOUNT_CODES) {
      diff.discountsDropped.push({ code, reason: "LIMIT" });
    } else {
      discounts.push(discount);
      if (!target.discounts.some((candidate) => candidate.code === code)) diff.discountsAdded.push(code);
    }
  }
  return discounts;
}
