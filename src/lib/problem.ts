import { ERROR_STATUS, type ErrorCode, type FieldError } from "./errors";

const TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: "Validation failed",
  UNAUTHORIZED: "Unauthorized",
  FORBIDDEN: "Forbidden",
  FEATURE_DISABLED: "Feature disabled for this site",
  NOT_FOUND: "Not found",
  METHOD_NOT_ALLOWED: "Method not allowed",
  COMPARE_LIMIT_REACHED: "Comparison limit reached",
  SESSION_MERGED: "Session merged",
  CONFLICT: "Conflict",
  SESSION_EXPIRED: "Session expired",
  VERSION_MISMATCH: "Version mismatch",
  PAYLOAD_TOO_LARGE: "Payload too large",
  UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
  IDEMPOTENCY_KEY_REUSED: "Idempotency key reused",
  DISCOUNT_INVALID: "Discount code invalid",
  DISCOUNT_NOT_STACKABLE: "Discount code not stackable",
  CART_LIMIT: "Cart limit reached",
  WISHLIST_LIMIT: "Wishlist limit reached",
  PRODUCT_UNAVAILABLE: "Product unavailable",
  CURRENCY_MISMATCH: "Currency mismatch",
  BUNDLE_UNAVAILABLE: "Bundle unavailable",
  BUNDLE_LINE_LOCKED: "Bundle line locked",
  RATE_LIMITED: "Too many requests",
  INTERNAL: "Internal error",
  UNAVAILABLE: "Service unavailable",
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** Builds an RFC 9457 problem document; `type` is a stable, documented URI per code. */
export function problem(
  code: ErrorCode,
  detail: string,
  requestId: string,
  errors?: FieldError[],
  extensions: Record<string, unknown> = {},
): Problem {
  return {
    ...extensions,
    type: `https://crosscart.dev/problems/${code.toLowerCase().replaceAll("_", "-")}`,
    title: TITLES[code],
    status: ERROR_STATUS[code],
    detail,
    code,
    requestId,
    ...(errors?.length ? { errors } : {}),
  };
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
