// The cart's pure core: plain functions over plain data, no I/O and no runtime imports. The
// ShopperSession DO loads a CartState, calls these, reprices, computes totals and stores the result.

export { DOMAIN_ERROR_CODES, DomainError, type DomainErrorCode, isDomainError } from "../errors";
export { addBundle, type BundleQuote, type BundleQuoteLine, quoteBundle, removeBundle } from "./bundles";
export { allocateDiscounts, applyDiscount, DEMO_CODES, normalizeCode, removeDiscount } from "./discounts";
export * from "./limits";
export { addLine, removeLine, subtotalOf, updateQuantity } from "./lines";
export {
  type DiscountDropReason,
  emptyMergeDiff,
  guestCartEnded,
  type LineDropReason,
  type MergeDiff,
  type MergeLineChange,
  type MergeStrategy,
  mergeCarts,
} from "./merge";
export { repriceLines } from "./reprice";
export { removeSaved, restoreSaved, saveForLater } from "./saved";
export { computeTotals } from "./totals";
export type * from "./types";
