// E-commerce analytics (runbook §8.1): GET /api/analytics/ecommerce/{overview,cart,wishlist,
// comparison,cross-site-sessions}. Mounted behind `authenticate` + `requireRole("admin")`;
// every query is scoped to the token's company. Definitions: DEFINITIONS.md.
import { createRoute, type z } from "@hono/zod-openapi";
import { type SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import { findCompany } from "../../catalog/lookup";
import { CONNECT_TIMEOUT_MS, type Database } from "../../db/client";
import { sqlStateOf } from "../../db/errors";
import { ApiError, notFound } from "../../lib/errors";
import { bearerAuth, jsonContent, problemResponses } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import type { AppEnv } from "../../types";
import {
  AnalyticsBusy,
  analyticsCacheKey,
  CACHE_TTL_SECONDS,
  cachedBody,
  RETRY_AFTER_SECONDS,
  remainingMaxAge,
} from "./cache";
import { type AnalyticsParams, analyticsParams, resolveRange } from "./range";
import { cartReport, comparisonReport, overviewReport, sessionReport, wishlistReport } from "./reports";
import {
  type AnalyticsMeta,
  type AnalyticsQuery,
  AnalyticsQuerySchema,
  type CartAnalytics,
  CartAnalyticsSchema,
  type ComparisonAnalytics,
  ComparisonAnalyticsSchema,
  type Overview,
  OverviewSchema,
  type SessionAnalytics,
  SessionAnalyticsSchema,
  type WishlistAnalytics,
  WishlistAnalyticsSchema,
} from "./schema";
import type { Run } from "./sql/definitions";
import { pendingRollupsQuery, refreshRollups } from "./sql/rollups";

const route = <T extends z.ZodType>(path: string, summary: string, schema: T) =>
  createRoute({
    method: "get",
    path,
    tags: ["analytics"],
    summary,
    description: `Admin only, the token's company only. Dates are UTC; default the last ${30} days; cached ${CACHE_TTL_SECONDS / 60} minutes per company and parameters (\`fresh=1\` bypasses). A siteId that is not one of the company's active sites is a 404.`,
    security: bearerAuth,
    request: { query: AnalyticsQuerySchema },
    responses: { 200: jsonContent(schema, summary), ...problemResponses(400, 401, 403, 404) },
  });

export const analytics = createRouter()
  .openapi(route("/overview", "Dashboard overview", OverviewSchema), async (c) => {
    const { body, headers } = await serve<Overview>(c, "overview", c.req.valid("query"), overviewReport);
    return c.json(body, 200, headers);
  })
  .openapi(route("/cart", "Cart analytics", CartAnalyticsSchema), async (c) => {
    const { body, headers } = await serve<CartAnalytics>(c, "cart", c.req.valid("query"), cartReport);
    return c.json(body, 200, headers);
  })
  .openapi(route("/wishlist", "Wishlist analytics", WishlistAnalyticsSchema), async (c) => {
    const { body, headers } = await serve<WishlistAnalytics>(c, "wishlist", c.req.valid("query"), wishlistReport);
    return c.json(body, 200, headers);
  })
  .openapi(route("/comparison", "Comparison analytics", ComparisonAnalyticsSchema), async (c) => {
    const { body, headers } = await serve<ComparisonAnalytics>(c, "comparison", c.req.valid("query"), comparisonReport);
    return c.json(body, 200, headers);
  })
  .openapi(route("/cross-site-sessions", "Cross-site session analytics", SessionAnalyticsSchema), async (c) => {
    const { body, headers } = await serve<SessionAnalytics>(
      c,
      "cross-site-sessions",
      c.req.valid("query"),
      sessionReport,
    );
    return c.json(body, 200, headers);
  });

/** Validated query → params, cache or Postgres → body with its meta, and the caching headers. */
async function serve<T extends AnalyticsMeta>(
  c: Context<AppEnv>,
  endpoint: string,
  query: AnalyticsQuery,
  report: (run: Run, p: AnalyticsParams) => Promise<Omit<T, keyof AnalyticsMeta>>,
) {
  const p = await resolveParams(c, query);
  const started = Date.now();
  const timeoutMs = c.var.config.ANALYTICS_STATEMENT_TIMEOUT_MS;
  const { body, status } = await cachedBody<T>({
    key: analyticsCacheKey(endpoint, p),
    fresh: query.fresh === "1" || query.fresh === "true",
    ctx: c.executionCtx,
    logger: c.var.logger,
    // The refresh and the report each run under the statement_timeout; a connection that does
    // not come is given up by the pool. Past this, the caller is answered 503 whatever happens.
    deadlineMs: 2 * timeoutMs + CONNECT_TIMEOUT_MS,
    compute: async () => {
      const generatedAt = new Date().toISOString();
      const meta: AnalyticsMeta = {
        companyId: p.companyId,
        siteId: p.siteId,
        startDate: p.startDate,
        endDate: p.endDate,
        interval: p.interval,
        timeZone: "UTC",
        generatedAt,
      };
      let fields: Omit<T, keyof AnalyticsMeta>;
      try {
        await refreshPendingRollups(c.var.db(), p.companyId, c.var.config.ANALYTICS_STATEMENT_TIMEOUT_MS);
        fields = await report(runner(c), p);
      } catch (error) {
        // Bad input never gets here (it is a 400 before any query); this is Postgres failing,
        // or a query cancelled by the statement_timeout.
        const detail =
          sqlStateOf(error) === QUERY_CANCELED
            ? `The analytics query took too long (over ${c.var.config.ANALYTICS_STATEMENT_TIMEOUT_MS} ms) and was cancelled; retry shortly or ask for a shorter range`
            : "The analytics could not be read from Postgres; retry shortly";
        throw new ApiError("UNAVAILABLE", detail, {
          cause: error,
          headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
        });
      }
      // The meta fields plus the report's own fields make exactly T.
      return { ...meta, ...fields } as T;
    },
  }).catch((error: unknown) => {
    if (!(error instanceof AnalyticsBusy)) throw error;
    const detail =
      error.reason === "busy"
        ? "The analytics are busy computing other questions; retry shortly"
        : "The analytics took too long to compute; retry shortly";
    c.var.logger.warn("analytics turned away", { endpoint, reason: error.reason });
    throw new ApiError("UNAVAILABLE", detail, { headers: { "Retry-After": String(RETRY_AFTER_SECONDS) } });
  });
  if (status !== "HIT")
    c.var.logger.info("analytics computed", { endpoint, cache: status, durationMs: Date.now() - started });
  const headers = {
    "Cache-Control": `private, max-age=${remainingMaxAge(body.generatedAt, new Date())}`,
    "x-analytics-cache": status,
  };
  return { body, headers };
}

async function resolveParams(c: Context<AppEnv>, query: AnalyticsQuery): Promise<AnalyticsParams> {
  const resolved = resolveRange(query, new Date());
  if (!resolved.ok) {
    throw new ApiError("VALIDATION_FAILED", "The request query is invalid", {
      errors: [{ field: `query.${resolved.field}`, message: resolved.message }],
    });
  }
  const { companyId } = c.var.auth;
  if (query.siteId) {
    // Another company's site is as unknown as a made-up id: 404 either way.
    const company = await findCompany(c.var.db, companyId);
    if (!company?.sites.some((site) => site.id === query.siteId)) throw notFound("Site");
  }
  return analyticsParams(companyId, query.siteId ?? null, resolved.range, query.interval);
}

/** SQLSTATE 57014: Postgres cancelled the query at its statement_timeout. */
const QUERY_CANCELED = "57014";

function runner(c: Context<AppEnv>): Run {
  return analyticsRunner(c.var.db(), c.var.config.ANALYTICS_STATEMENT_TIMEOUT_MS);
}

/**
 * Runs each analytics query under `statement_timeout` = `timeoutMs`: Postgres cancels a query
 * past it (SQLSTATE 57014) and frees the connection. SET LOCAL in a transaction of its own, so
 * the limit ends with the query whatever the connection serves next (and holds behind a
 * transaction-mode pooler such as Neon's, where a session setting would not).
 */
export function analyticsRunner(db: Database, timeoutMs: number): Run {
  return <Row>(query: SQL) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`SELECT set_config('statement_timeout', ${`${timeoutMs}ms`}, true)`);
      return (await tx.execute(query)).rows as Row[];
    });
}

/**
 * The rollups read exact figures once every day marked by a write is recomputed. Replication
 * recomputes a company's marks at most every 30 s (design 106); whatever is still marked, by
 * replication in between or by other writers (the jobs' updates and deletes, erasure), is
 * recomputed here, before the first read that needs it: one cheap EXISTS when there is none.
 */
export async function refreshPendingRollups(db: Database, companyId: string, timeoutMs: number): Promise<number> {
  const [row] = (await db.execute(pendingRollupsQuery(companyId))).rows;
  if (!row?.pending) return 0;
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('statement_timeout', ${`${timeoutMs}ms`}, true)`);
    return refreshRollups(async (query) => (await tx.execute(query)).rows, [companyId]);
  });
}
