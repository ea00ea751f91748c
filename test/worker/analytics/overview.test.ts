import { beforeAll, describe, expect, it } from "vitest";
import { OverviewSchema } from "../../../src/modules/analytics/schema";
import { type AnalyticsDataset, fetchAnalytics, loadAnalyticsDataset, RANGE } from "../../support/analytics";
import { api, bearer } from "../../support/app";

let f: AnalyticsDataset;
beforeAll(async () => {
  f = await loadAnalyticsDataset();
});

const overview = (query: string, token = f.adminToken) => fetchAnalytics(OverviewSchema, "overview", query, token);

describe("GET /api/analytics/ecommerce/overview", () => {
  it("computes every metric of the range, by hand (3 daily buckets, UTC)", async () => {
    const body = await overview(RANGE);
    expect(body).toEqual({
      companyId: f.companyId,
      siteId: null,
      startDate: "2025-03-01",
      endDate: "2025-03-03",
      interval: "day",
      timeZone: "UTC",
      generatedAt: expect.any(String),
      // 7 carts created; MERGED c4 is left out of the rates' denominator (6)
      carts: {
        created: 7,
        active: 1,
        converted: 2,
        abandoned: 2,
        merged: 1,
        abandonmentRate: 0.3333,
        conversionRate: 0.3333,
        // (2 + 3 + 1 + 2 + 4) items / 5 non-empty counted carts
        averageItems: 2.4,
      },
      money: [
        {
          currency: "EUR",
          convertedCarts: 1,
          revenue: 7000,
          averageConvertedCartValue: 7000,
          averageCartValue: 7000,
        },
        // non-empty USD carts: 5000 + 3000 + 2000 + 4000 = 14000 / 4
        {
          currency: "USD",
          convertedCarts: 1,
          revenue: 5000,
          averageConvertedCartValue: 5000,
          averageCartValue: 3500,
        },
      ],
      wishlist: { itemsAdded: 4 },
      comparison: { created: 2 },
      crossSiteSessions: { created: 5, active: 3, mergeRate: 0.2, transfers: 6 },
      series: [
        {
          bucket: "2025-03-01",
          cartsCreated: 2,
          convertedCarts: 1,
          abandonedCarts: 1,
          abandonmentRate: 0.5,
          conversionRate: 0.5,
          revenue: [
            { currency: "EUR", amount: 0 },
            { currency: "USD", amount: 5000 },
          ],
          wishlistItemsAdded: 1,
          comparisonsCreated: 1,
          sessionsCreated: 2,
          transfers: 1,
        },
        {
          bucket: "2025-03-02",
          cartsCreated: 4,
          convertedCarts: 0,
          abandonedCarts: 1,
          abandonmentRate: 0.3333,
          conversionRate: 0,
          revenue: [
            { currency: "EUR", amount: 0 },
            { currency: "USD", amount: 0 },
          ],
          wishlistItemsAdded: 1,
          comparisonsCreated: 0,
          sessionsCreated: 2,
          transfers: 2,
        },
        {
          bucket: "2025-03-03",
          cartsCreated: 1,
          convertedCarts: 1,
          abandonedCarts: 0,
          abandonmentRate: 0,
          conversionRate: 1,
          revenue: [
            { currency: "EUR", amount: 7000 },
            { currency: "USD", amount: 0 },
          ],
          wishlistItemsAdded: 2,
          comparisonsCreated: 1,
          sessionsCreated: 1,
          transfers: 3,
        },
      ],
    });
  });

  it("puts 23:59:59Z and 00:00:00Z the next day in different day buckets, and drops the second outside either end", async () => {
    const day = await overview("startDate=2025-03-01&endDate=2025-03-01");
    // c1 10:00 and c2 23:59:59 — not c8 (02-28 23:59:59) nor c3 (03-02 00:00:00)
    expect(day.carts.created).toBe(2);
    expect(day.series.map((point) => point.bucket)).toEqual(["2025-03-01"]);
    const next = await overview("startDate=2025-03-02&endDate=2025-03-02");
    expect(next.carts.created).toBe(4);
    const last = await overview("startDate=2025-03-03&endDate=2025-03-03");
    // c9 at 03-04 00:00:00 is not in
    expect(last.carts).toMatchObject({ created: 1, converted: 1 });
  });

  it("zero-fills an empty range; every rate and average is null, never 0 or NaN", async () => {
    const body = await overview("startDate=2024-01-01&endDate=2024-01-03");
    expect(body.carts).toEqual({
      created: 0,
      active: 0,
      converted: 0,
      abandoned: 0,
      merged: 0,
      abandonmentRate: null,
      conversionRate: null,
      averageItems: null,
    });
    expect(body.money).toEqual([]);
    expect(body.wishlist).toEqual({ itemsAdded: 0 });
    expect(body.comparison).toEqual({ created: 0 });
    expect(body.crossSiteSessions).toEqual({ created: 0, active: 0, mergeRate: null, transfers: 0 });
    expect(body.series).toEqual(
      ["2024-01-01", "2024-01-02", "2024-01-03"].map((bucket) => ({
        bucket,
        cartsCreated: 0,
        convertedCarts: 0,
        abandonedCarts: 0,
        abandonmentRate: null,
        conversionRate: null,
        revenue: [],
        wishlistItemsAdded: 0,
        comparisonsCreated: 0,
        sessionsCreated: 0,
        transfers: 0,
      })),
    );
  });

  it("buckets by ISO week (Monday) and by month; partial buckets hold only the range's data", async () => {
    const weekly = await overview(`${RANGE}&interval=week`);
    // 2025-03-01 is a Saturday: its week starts 02-24 (c8 of 02-28 is in that week but not in the range)
    expect(
      weekly.series.map(({ bucket, cartsCreated, convertedCarts, abandonedCarts, conversionRate }) => ({
        bucket,
        cartsCreated,
        convertedCarts,
        abandonedCarts,
        conversionRate,
      })),
    ).toEqual([
      { bucket: "2025-02-24", cartsCreated: 6, convertedCarts: 1, abandonedCarts: 2, conversionRate: 0.2 },
      { bucket: "2025-03-03", cartsCreated: 1, convertedCarts: 1, abandonedCarts: 0, conversionRate: 1 },
    ]);
    const monthly = await overview(`${RANGE}&interval=month`);
    expect(monthly.interval).toBe("month");
    expect(monthly.series).toHaveLength(1);
    expect(monthly.series[0]).toMatchObject({ bucket: "2025-03-01", cartsCreated: 7, wishlistItemsAdded: 4 });
  });

  it("narrows every metric to one site with siteId", async () => {
    const body = await overview(`${RANGE}&siteId=${f.siteIds[1].toUpperCase()}`);
    expect(body.siteId).toBe(f.siteIds[1]);
    // A2: c3 active, c5 expired with items, c7 converted (EUR)
    expect(body.carts).toEqual({
      created: 3,
      active: 1,
      converted: 1,
      abandoned: 1,
      merged: 0,
      abandonmentRate: 0.3333,
      conversionRate: 0.3333,
      averageItems: 2.33,
    });
    expect(body.money.map((entry) => entry.currency)).toEqual(["EUR", "USD"]);
    // w2's P1 (added 03-03); sessions that started on or visited A2: s1, s2, s4, s5
    expect(body.wishlist.itemsAdded).toBe(1);
    expect(body.comparison.created).toBe(0);
    expect(body.crossSiteSessions).toEqual({ created: 4, active: 3, mergeRate: 0.25, transfers: 6 });
    expect(body.series.map((point) => point.cartsCreated)).toEqual([0, 2, 1]);
  });

  it("answers the runbook smoke test's Test 3: no parameters, admin JWT → 200 over the last 30 days", async () => {
    const response = await api("/api/analytics/ecommerce/overview", { headers: bearer(f.adminToken) });
    expect(response.status).toBe(200);
    const body = OverviewSchema.parse(await response.json());
    const today = new Date().toISOString().slice(0, 10);
    expect(body.endDate).toBe(today);
    expect(body.series).toHaveLength(30);
    expect(body.series.at(-1)?.bucket).toBe(today);
    expect(body.startDate).toBe(body.series[0]?.bucket);
  });
});
