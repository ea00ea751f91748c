// One request to the API: JSON in and out, problem+json turned into CrosscartError, an
// Idempotency-Key on every change, and network failures retried with that same key.
import { CrosscartError, type FieldError } from "./errors";

export type FetchLike = (request: Request) => Promise<Response>;

/** Per-call options of every change. */
export interface CallOptions {
  /** Makes the change conditional: the version from the resource (its `version`, or its ETag). A stale one is 412 VERSION_MISMATCH. */
  ifMatch?: number | string;
  /** Your own key (e.g. kept across a page reload); by default each call draws a fresh one. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface ApiRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  headers: Record<string, string>;
  body?: unknown;
  options?: CallOptions;
  /**
   * false for the one change a replay cannot answer: claiming a transfer code (single use, and
   * the claim keeps no idempotency record), where a retry after a lost answer would be a 404.
   */
  retryable?: boolean;
}

export interface RetryPolicy {
  /** Further attempts after a network failure (default 2). */
  retries: number;
  /** Wait before the first retry, doubled for each next one (default 300 ms). */
  delayMs: number;
  /** An attempt unanswered for this long counts as a network failure (default 15 s). */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, delayMs: 300, timeoutMs: 15_000 };

const PROBLEM = "application/problem+json";

export function createTransport(baseUrl: string, fetchImpl: FetchLike, retry: RetryPolicy) {
  const origin = baseUrl.replace(/\/+$/, "");

  /** Sends the request; resolves the parsed JSON body of a 2xx, rejects with CrosscartError. */
  async function send<T>(request: ApiRequest): Promise<T> {
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers["content-type"] = "application/json";
    if (request.method !== "GET") headers["idempotency-key"] = request.options?.idempotencyKey ?? randomKey();
    const ifMatch = request.options?.ifMatch;
    if (ifMatch !== undefined) headers["if-match"] = typeof ifMatch === "number" ? `"${ifMatch}"` : ifMatch;
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const attempts = request.retryable === false ? 1 : retry.retries + 1;

    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      try {
        const response = await fetchImpl(
          new Request(`${origin}${request.path}`, {
            method: request.method,
            headers,
            // A shopper's state is never served from a cache (the API says no-store too; this also
            // keeps one storefront from being handed another site's cached answer).
            cache: "no-store",
            ...(body === undefined ? {} : { body }),
            signal: attemptSignal(request.options?.signal, retry.timeoutMs),
          }),
        );
        if (!isGatewayFailure(response)) return await readResponse<T>(response);
        failure = new Error(`HTTP ${response.status} from a gateway, without a problem document`);
        await response.body?.cancel();
      } catch (error) {
        if (error instanceof CrosscartError) throw error;
        failure = error;
      }
      // The caller gave up: no retry, and say so.
      if (request.options?.signal?.aborted || attempt >= attempts) {
        throw new CrosscartError({
          status: 0,
          code: "NETWORK_ERROR",
          detail: `The API could not be reached (${request.method} ${request.path}, ${attempt} attempt(s))`,
          cause: failure,
        });
      }
      // Safe to send again: a change carries the same Idempotency-Key, so the API applies it
      // at most once and replays its stored answer when the first attempt did arrive.
      await sleep(retry.delayMs * 2 ** (attempt - 1));
    }
  }

  return { send, origin };
}

export type Transport = ReturnType<typeof createTransport>;

async function readResponse<T>(response: Response): Promise<T> {
  const type = response.headers.get("content-type") ?? "";
  const text = await response.text();
  let parsed: unknown = null;
  if (text && (type.includes("json") || type.includes(PROBLEM))) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (response.ok) return parsed as T;
  throw problemError(response, parsed);
}

function problemError(response: Response, parsed: unknown): CrosscartError {
  const requestId = response.headers.get("x-request-id") ?? undefined;
  const retryAfter = Number(response.headers.get("retry-after")) || undefined;
  if (!isProblem(parsed)) {
    return new CrosscartError({
      status: response.status,
      code: "UNEXPECTED_RESPONSE",
      detail: `HTTP ${response.status} without a problem document`,
      requestId,
      retryAfter,
    });
  }
  return new CrosscartError({
    status: parsed.status,
    code: parsed.code as CrosscartError["code"],
    detail: parsed.detail,
    errors: parsed.errors,
    requestId: parsed.requestId ?? requestId,
    retryAfter,
    problem: parsed,
  });
}

interface ProblemDocument extends Record<string, unknown> {
  status: number;
  code: string;
  detail: string;
  requestId?: string;
  errors?: FieldError[];
}

function isProblem(value: unknown): value is ProblemDocument {
  if (typeof value !== "object" || value === null) return false;
  const problem = value as Record<string, unknown>;
  return typeof problem.code === "string" && typeof problem.status === "number" && typeof problem.detail === "string";
}

/** A proxy or load balancer in front of a stopped Worker: the request may never have arrived. */
function isGatewayFailure(response: Response): boolean {
  const type = response.headers.get("content-type") ?? "";
  return [502, 503, 504].includes(response.status) && !type.includes(PROBLEM);
}

function attemptSignal(callerSignal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A random Idempotency-Key; crypto.randomUUID is missing outside secure contexts (http://192.168…). */
export function randomKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
