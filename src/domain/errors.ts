// Domain failures (cart, wishlist, comparison) carry a code from a closed set and a sentence for the shopper. The HTTP layer
// owns the code → status table; nothing here knows about HTTP.

export const DOMAIN_ERROR_CODES = [
  "VALIDATION_FAILED",
  "NOT_FOUND",
  "CART_LIMIT",
  "DISCOUNT_INVALID",
  "DISCOUNT_NOT_STACKABLE",
  "CURRENCY_MISMATCH",
  "BUNDLE_LINE_LOCKED",
  "BUNDLE_UNAVAILABLE",
  "PRODUCT_UNAVAILABLE",
  "COMPARE_LIMIT_REACHED",
  "WISHLIST_LIMIT",
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError extends Error {
  override readonly name = "DomainError";

  constructor(
    readonly code: DomainErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
