// The 5-minute cache of analytics responses, in the Workers Cache API (caches.default) of the
// data centre serving the request. One entry per endpoint, company and normalized parameter
// set, under a synthetic URL that never carries the JWT. Note: caches.default stores nothing
// on *.workers.dev hostnames; deployed there, every request reads Postgres.
import type { Logger } from "../../lib/logger";
import { VERSION } from "../../version";
import type { AnalyticsParams } from "./range";

export const CACHE_TTL_SECONDS = 300;
const CACHE_ORIGIN = "https://analytics-cache.crosscart.internal";

/** COALESCED: answered by a computation another request of this isolate had already started. */
export type CacheStatus = "HIT" | "MISS" | "BYPASS" | "COALESCED";

/**
 * At most this many distinct analytics computations run at once in an isolate; one more is
 * turned away with a 503 and Retry-After at once rather than queued behind them (each holds
 * Postgres connections, and queued ones would only time out later). Two dashboards' worth:
 * the dashboard asks its five endpoints at once.
 */
export const MAX_CONCURRENT_COMPUTATIONS = 10;
/** Seconds a client turned away (busy, timed out, Postgres down) is asked to wait. */
export const RETRY_AFTER_SECONDS = 5;

/** Thrown when the isolate computes too much already, or a computation outlived its deadline. */
export class AnalyticsBusy extends Error {
  constructor(readonly reason: "busy" | "deadline") {
    super(reason === "busy" ? "analytics computations are at their limit" : "analytics computation past its deadline");
  }
}

/**
 * The computations in flight in this isolate, by cache key: identical requests that arrive
 * while one runs await it instead of running their own (a hundred dashboards opening at once
 * cost one set of queries). Module scope on purpose: it outlives requests, like IsolateCache's
 * `loading` map; it holds promises of plain data, never an I/O object.
 */
const inFlight = new Map<string, Promise<unknown>>();
let computing = 0;

/** For tests: how many computations run now. */
export const computationsInFlight = () => computing;

/**
 * `compute()` once per `key` at a time: a caller finding it in flight joins it. A new key
 * beyond `maxConcurrent` computations is refused (AnalyticsBusy "busy"); any caller waits at
 * most `deadlineMs` (AnalyticsBusy "deadline"), so no request hangs on a computation that
 * does not end (the statement_timeout should end it first).
 */
export async function singleFlight<T>(
  key: string,
  compute: () => Promise<T>,
  options: { maxConcurrent?: number; deadlineMs: number },
): Promise<{ value: T; joined: boolean }> {
  const running = inFlight.get(key) as Promise<T> | undefined;
  if (running) return { value: await withDeadline(running, options.deadlineMs), joined: true };
  if (computing >= (options.maxConcurrent ?? MAX_CONCURRENT_COMPUTATIONS)) throw new AnalyticsBusy("busy");
  computing += 1;
  const promise = (async () => {
    try {
      return await compute();
    } finally {
      computing -= 1;
      inFlight.delete(key);
    }
  })();
  inFlight.set(key, promise);
  return { value: await withDeadline(promise, options.deadlineMs), joined: false };
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AnalyticsBusy("deadline")), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Pure: the cache key of one endpoint for one company and parameter set (defaults already applied). */
export function analyticsCacheKey(endpoint: string, p: AnalyticsParams): string {
  // The version is part of the key so a release that changes a body never serves the old shape.
  const url = new URL(`/v${VERSION}/${endpoint}`, CACHE_ORIGIN);
  url.searchParams.set("companyId", p.companyId);
  url.searchParams.set("siteId", p.siteId ?? "all");
  url.searchParams.set("startDate", p.startDate);
  url.searchParams.set("endDate", p.endDate);
  url.searchParams.set("interval", p.interval);
  return url.toString();
}

/** Seconds a client may still keep a body generated at `generatedAt` (0–300). */
export function remainingMaxAge(generatedAt: string, now: Date): number {
  const age = Math.floor((now.getTime() - Date.parse(generatedAt)) / 1000);
  return Math.min(CACHE_TTL_SECONDS, Math.max(0, CACHE_TTL_SECONDS - (Number.isFinite(age) ? age : 0)));
}

/**
 * The cached body under `key`, unless `fresh` or absent: then `compute()` — once for every
 * identical request of the isolate meanwhile (`singleFlight`), `fresh` ones included: what is
 * being computed now is as fresh as they ask — stored for 5 minutes after the response. A
 * broken cache is logged and treated as a miss, never an error.
 */
export async function cachedBody<T>(options: {
  key: string;
  fresh: boolean;
  ctx: { waitUntil(promise: Promise<unknown>): void };
  logger: Logger;
  compute: () => Promise<T>;
  /** the longest any caller waits for a computation */
  deadlineMs: number;
}): Promise<{ body: T; status: CacheStatus }> {
  const { key, fresh, ctx, logger, deadlineMs } = options;
  const cache = caches.default;
  if (!fresh) {
    try {
      const hit = await cache.match(key);
      if (hit) return { body: (await hit.json()) as T, status: "HIT" };
    } catch (error) {
      logger.warn("analytics cache read failed", { error });
    }
  }
  const { value: body, joined } = await singleFlight(
    key,
    async () => {
      const computed = await options.compute();
      // The stored copy says max-age only: the Cache API does not store `private` responses.
      // The client gets `private` (set by the route).
      const stored = new Response(JSON.stringify(computed), {
        headers: { "Content-Type": "application/json", "Cache-Control": `max-age=${CACHE_TTL_SECONDS}` },
      });
      ctx.waitUntil(
        cache.put(key, stored).catch((error: unknown) => {
          logger.warn("analytics cache write failed", { error });
        }),
      );
      return computed;
    },
    { deadlineMs },
  );
  return { body, status: joined ? "COALESCED" : fresh ? "BYPASS" : "MISS" };
}
