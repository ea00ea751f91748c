import type { ErrorCode } from "./contract";

/**
 * Codes the client raises itself, beside the API's closed set: the API could not be reached
 * (after the retries), it answered something that is not problem+json (a proxy's 502 page), or
 * a call needs a session the client does not have.
 */
export type ClientErrorCode = "NETWORK_ERROR" | "UNEXPECTED_RESPONSE" | "NO_SESSION";

export interface FieldError {
  field: string;
  message: string;
}

interface CrosscartErrorInit {
  status: number;
  code: ErrorCode | ClientErrorCode;
  detail: string;
  errors?: FieldError[];
  requestId?: string;
  retryAfter?: number;
  problem?: Record<string, unknown>;
  cause?: unknown;
}

/** Every failure of the client: an RFC 9457 problem of the API, or one of the client's own codes (status 0). */
export class CrosscartError extends Error {
  // Set explicitly: a minifier renames the class, and callers test `name`.
  override readonly name = "CrosscartError";
  /** HTTP status of the problem; 0 when no answer came (NETWORK_ERROR, NO_SESSION). */
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;
  readonly detail: string;
  /** One entry per invalid field of a 400 VALIDATION_FAILED. */
  readonly errors: FieldError[];
  /** The API's request id (problem `requestId`, else the `x-request-id` header): quote it to support. */
  readonly requestId: string | undefined;
  /** Seconds, from `Retry-After` (429 RATE_LIMITED, 503). */
  readonly retryAfter: number | undefined;
  /** The whole problem document, with its extensions (a 412 carries the current `version`). */
  readonly problem: Record<string, unknown>;

  constructor(init: CrosscartErrorInit) {
    super(`${init.detail} (${init.status} ${init.code})`, init.cause === undefined ? {} : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.errors = init.errors ?? [];
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.problem = init.problem ?? {};
  }
}
