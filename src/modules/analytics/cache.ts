// The 5-minute cache of analytics responses, in the Workers Cache API (caches.default) of the
// data centre serving the request. One entry per endpoint, company and normalized parameter
// set, under a synthetic URL that never carries the JWT. Note: caches.default stores nothing
// on *.workers.dev hostnames; deployed there, every request reads Postgres.
import type { Logger } from "../../lib/logger";
import { VERSION } from "../../version";
import type { AnalyticsParams } from "./range";

export const CACHE_TTL_SECONDS = 300;
const CACHE_ORIGIN = "https://analytics-cache.crosscart.internal";

export type CacheStatus = "HIT" | "MISS" | "BYPASS";

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
 * The cached body under `key`, unless `fresh` or absent: then `compute()`, stored for 5
 * minutes after the response. A broken cache is logged and treated as a miss, never an error.
 */
export async function cachedBody<T>(options: {
  key: string;
  fresh: boolean;
  ctx: { waitUntil(promise: Promise<unknown>): void };
  logger: Logger;
  compute: () => Promise<T>;
}): Promise<{ body: T; status: CacheStatus }> {
  const { key, fresh, ctx, logger, compute } = options;
  const cache = caches.default;
  if (!fresh) {
    try {
      const hit = await cache.match(key);
      if (hit) return { body: (await hit.json()) as T, status: "HIT" };
    } catch (error) {
      logger.warn("analytics cache read failed", { error });
    }
  }
  const body = await compute();
  // The stored copy says max-age only: the Cache API does not store `private` responses. The
  // client gets `private` (set by the route).
  const stored = new Response(JSON.stringify(body), {
    headers: { "Content-Type": "application/json", "Cache-Control": `max-age=${CACHE_TTL_SECONDS}` },
  });
  ctx.waitUntil(
    cache.put(key, stored).catch((error: unknown) => {
      logger.warn("analytics cache write failed", { error });
    }),
  );
  return { body, status: fresh ? "BYPASS" : "MISS" };
}
