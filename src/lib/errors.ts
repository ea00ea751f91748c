import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The closed set of error codes the API returns, each with its one HTTP status.
 * Storefronts switch on `code`; the status follows from it.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  FEATURE_DISABLED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  COMPARE_LIMIT_REACHED: 409,
  SESSION_MERGED: 409,
  CONFLICT: 409,
  SESSION_EXPIRED: 410,
  VERSION_MISMATCH: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  DISCOUNT_INVALID: 422,
  DISCOUNT_NOT_STACKABLE: 422,
  CART_LIMIT: 422,
  WISHLIST_LIMIT: 422,
  PRODUCT_UNAVAILABLE: 422,
  CURRENCY_MISMATCH: 422,
  BUNDLE_UNAVAILABLE: 422,
  BUNDLE_LINE_LOCKED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export interface FieldError {
  /** dotted path of the offending field, prefixed by where it came from: `body.quantity`, `header.x-company-id` */
  field: string;
  message: string;
}

export interface ApiErrorOptions {
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** extra members of the problem document, e.g. the current `version` on a 412 */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error type of the API; `app.onError` renders it as RFC 9457 problem+json. */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, options: ApiErrorOptions = {}) {
    super(ERROR_STATUS[code], { message: detail, cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.detail = detail;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}

export const notFound = (what: string) => new ApiError("NOT_FOUND", `${what} not found`);
