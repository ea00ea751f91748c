import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CartAnalyticsSchema,
  OverviewSchema,
  SessionAnalyticsSchema,
  WishlistAnalyticsSchema,
} from "../../../src/modules/analytics/schema";
import { type AnalyticsDataset, fetchAnalytics, loadAnalyticsDataset, RANGE } from "../../support/analytics";
import { api, apiWithEnv, bearer, problemOf, signToken } from "../../support/app";
import { withDatabase } from "../../support/db";

const ENDPOINTS = ["overview", "cart", "wishlist", "comparison", "cross-site-sessions"];
const SESSION_TABLES = [
  "carts",
  "cart_items",
  "saved_cart_items",
  "wishlists",
  "wishlist_items",
  "product_comparisons",
  "product_comparison_items",
  "cross_site_sessions",
];

let f: AnalyticsDataset;
beforeAll(async () => {
  f = await loadAnalyticsDataset();
});

const get = (endpoint: string, query: string, token?: string) =>
  api(`/api/analytics/ecommerce/${endpoint}?${query}`, { headers: token ? bearer(token) : {} });

async function rowCounts(): Promise<Record<string, number>> {
  return withDatabase(async (db) => {
    const counts: Record<string, number> = {};
    for (const table of SESSION_TABLES) {
      const { rows } = await db.execute(sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`);
      counts[table] = Number(rows[0]?.n);
    }
    return counts;
  });
}

describe("analytics access", () => {
  it.each(ENDPOINTS)("%s: 401 without a token, 403 for a customer and for a service token", async (endpoint) => {
    expect((await problemOf(await get(endpoint, RANGE), 401)).code).toBe("UNAUTHORIZED");
    const customer = await signToken({ companyId: f.companyId, role: "customer", customerId: crypto.randomUUID() });
    expect((await problemOf(await get(endpoint, RANGE, customer), 403)).code).toBe("FORBIDDEN");
    const service = await signToken({ companyId: f.companyId, role: "service" });
    expect((await problemOf(await get(endpoint, RANGE, service), 403)).code).toBe("FORBIDDEN");
  });

  it("shows each company only its own rows", async () => {
    const mine = await fetchAnalytics(OverviewSchema, "overview", RANGE, f.adminToken);
    const theirs = await fetchAnalytics(OverviewSchema, "overview", RANGE, f.otherAdminToken);
    expect(mine.carts.created).toBe(7);
    expect(mine.money.find((entry) => entry.currency === "USD")?.revenue).toBe(5000);
    expect(theirs).toMatchObject({
      companyId: f.otherCompanyId,
      carts: { created: 1, converted: 1 },
      money: [{ currency: "USD", revenue: 100_000 }],
      wishlist: { itemsAdded: 1 },
      comparison: { created: 1 },
      crossSiteSessions: { created: 1, active: 0, mergeRate: 1, transfers: 7 },
    });
    const cart = await fetchAnalytics(CartAnalyticsSchema, "cart", RANGE, f.otherAdminToken);
    expect(cart.discounts).toEqual([
      {
        code: "SAVE10",
        currency: "USD",
        carts: 1,
        convertedCarts: 1,
        totalDiscount: 10_000,
        convertedDiscount: 10_000,
      },
    ]);
    // the product ids are shared, but the catalog names of company A never show for company B
    expect(cart.topProducts).toEqual([{ productId: f.productIds[0], sku: null, name: null, quantity: 50, lines: 1 }]);
    const wishlist = await fetchAnalytics(WishlistAnalyticsSchema, "wishlist", RANGE, f.otherAdminToken);
    expect(wishlist.wishlists).toMatchObject({ created: 1, shared: 1 });
    const sessions = await fetchAnalytics(SessionAnalyticsSchema, "cross-site-sessions", RANGE, f.otherAdminToken);
    expect(sessions.sitePairs.map((pair) => pair.toSiteId).sort()).toEqual([f.siteIds[0], f.otherSiteIds[1]].sort());
  });

  it.each(ENDPOINTS)("%s: a site of another company, or no site at all, is a 404", async (endpoint) => {
    for (const siteId of [f.otherSiteIds[0], crypto.randomUUID()]) {
      const problem = await problemOf(await get(endpoint, `${RANGE}&siteId=${siteId}`, f.adminToken), 404);
      expect(problem.code).toBe("NOT_FOUND");
    }
  });
});

describe("analytics query validation", () => {
  const invalid: Array<[string, string, string]> = [
    ["startDate=2025-02-30", "query.startDate", "not a calendar date"],
    ["startDate=2025-3-1", "query.startDate", "not YYYY-MM-DD"],
    ["endDate=20250301", "query.endDate", "not YYYY-MM-DD"],
    ["startDate=2025-03-03&endDate=2025-03-01", "query.endDate", "end before start"],
    ["startDate=2099-01-01", "query.endDate", "start after the default end (today)"],
    ["startDate=2024-01-01&endDate=2025-01-01", "query.endDate", "367 days"],
    ["interval=hour", "query.interval", "unknown interval"],
    ["siteId=site-1", "query.siteId", "not a uuid"],
    ["fresh=yes", "query.fresh", "not a flag"],
    ["startDate=2025-03-01&startDate=2025-03-02", "query.startDate", "repeated"],
  ];
  it.each(invalid)("%s → 400 naming %s (%s)", async (query, field) => {
    const problem = await problemOf(await get("overview", query, f.adminToken), 400);
    expect(problem.code).toBe("VALIDATION_FAILED");
    expect(problem.errors?.map((error) => error.field)).toContain(field);
  });

  it("accepts a full leap year: 366 days, both ends included", async () => {
    const body = await fetchAnalytics(
      OverviewSchema,
      "overview",
      "startDate=2024-01-01&endDate=2024-12-31",
      f.adminToken,
    );
    expect(body.series).toHaveLength(366);
  });

  const injections: Array<[string, string]> = [
    ["startDate", "2026-01-01'; DROP TABLE carts;--"],
    ["endDate", "2026-01-01' OR '1'='1"],
    ["siteId", "' OR 1=1 --"],
    ["siteId", "00000000-0000-0000-0000-000000000000'; DELETE FROM carts; --"],
    ["interval", "day;select"],
    ["interval", "day') ; DROP TABLE cross_site_sessions; --"],
    ["fresh", "1; DROP TABLE wishlists"],
  ];
  it.each(injections)(
    "SQL in %s (%s) is a 400 on every endpoint, never a 500, and changes nothing",
    async (name, value) => {
      const before = await rowCounts();
      for (const endpoint of ENDPOINTS) {
        const response = await get(endpoint, `${RANGE}&${name}=${encodeURIComponent(value)}`, f.adminToken);
        const problem = await problemOf(response, 400);
        expect(problem.errors?.map((error) => error.field)).toContain(`query.${name}`);
      }
      expect(await rowCounts()).toEqual(before);
    },
  );

  it("ignores unknown parameters and treats a quoted companyId in the query as nothing (the token decides)", async () => {
    const body = await fetchAnalytics(
      OverviewSchema,
      "overview",
      `${RANGE}&companyId=${f.otherCompanyId}'--&company_id=1`,
      f.adminToken,
    );
    expect(body.companyId).toBe(f.companyId);
    expect(body.carts.created).toBe(7);
  });
});

describe("analytics in the OpenAPI document", () => {
  it("lists the five routes with bearer auth, the query parameters and named response schemas", async () => {
    const document = (await (await api("/api/openapi.json")).json()) as {
      paths: Record<string, { get?: { security?: unknown; parameters?: Array<{ name: string }> } }>;
      components: { schemas: Record<string, unknown> };
    };
    for (const endpoint of ENDPOINTS) {
      const operation = document.paths[`/api/analytics/ecommerce/${endpoint}`]?.get;
      expect(operation, endpoint).toBeDefined();
      expect(operation?.security).toEqual([{ bearerAuth: [] }]);
      expect(operation?.parameters?.map((parameter) => parameter.name).sort()).toEqual(
        ["endDate", "fresh", "interval", "siteId", "startDate"].sort(),
      );
    }
    for (const name of [
      "AnalyticsOverview",
      "AnalyticsCart",
      "AnalyticsWishlist",
      "AnalyticsComparison",
      "AnalyticsCrossSiteSessions",
    ]) {
      expect(document.components.schemas, name).toHaveProperty(name);
    }
  });
});

describe("analytics when Postgres fails", () => {
  it("answers 503 UNAVAILABLE with Retry-After, not a 500", async () => {
    const broken = env.DATABASE_URL.replace(/\/[^/?]+(\?|$)/, "/no_such_database$1");
    const response = await apiWithEnv({ DATABASE_URL: broken }, `/api/analytics/ecommerce/overview?${RANGE}&fresh=1`, {
      headers: bearer(f.adminToken),
    });
    const problem = await problemOf(response, 503);
    expect(problem.code).toBe("UNAVAILABLE");
    expect(response.headers.get("retry-after")).toBe("5");
  });
});
