import { beforeAll, describe, expect, it } from "vitest";
import { CartAnalyticsSchema } from "../../../src/modules/analytics/schema";
import { type AnalyticsDataset, fetchAnalytics, loadAnalyticsDataset, RANGE } from "../../support/analytics";

let f: AnalyticsDataset;
beforeAll(async () => {
  f = await loadAnalyticsDataset();
});

const cartAnalytics = (query: string) => fetchAnalytics(CartAnalyticsSchema, "cart", query, f.adminToken);

describe("GET /api/analytics/ecommerce/cart", () => {
  it("computes rates, averages, bundles, discounts, top products and the series, by hand", async () => {
    const body = await cartAnalytics(RANGE);
    const [P1, P2, P3, P4] = f.productIds;
    const [B1, B2] = f.bundleIds;
    expect(body).toEqual({
      companyId: f.companyId,
      siteId: null,
      startDate: "2025-03-01",
      endDate: "2025-03-03",
      interval: "day",
      timeZone: "UTC",
      generatedAt: expect.any(String),
      carts: {
        created: 7,
        active: 1,
        converted: 2,
        abandoned: 2,
        merged: 1,
        abandonmentRate: 0.3333,
        conversionRate: 0.3333,
        averageItems: 2.4,
      },
      money: [
        { currency: "EUR", convertedCarts: 1, revenue: 7000, averageConvertedCartValue: 7000, averageCartValue: 7000 },
        { currency: "USD", convertedCarts: 1, revenue: 5000, averageConvertedCartValue: 5000, averageCartValue: 3500 },
      ],
      // groups G1 (c1), G5 (c5), G7 (c7); G4 is in the merged cart
      bundleAdditions: 3,
      topBundles: [
        { bundleId: B1, name: "Trail set", additions: 2 },
        { bundleId: B2, name: null, additions: 1 },
      ],
      // SAVE10 on c1 (converted, 500) and c2 (abandoned, 300); c4's 999 is merged, the other company's never seen
      discounts: [
        { code: "SAVE10", currency: "USD", carts: 2, convertedCarts: 1, totalDiscount: 800, convertedDiscount: 500 },
        { code: "SAVE10", currency: "EUR", carts: 1, convertedCarts: 1, totalDiscount: 700, convertedDiscount: 700 },
        { code: "WELCOME5", currency: "EUR", carts: 1, convertedCarts: 1, totalDiscount: 500, convertedDiscount: 500 },
      ],
      // P1: 1 + 3 + 2 units in 3 lines; P2 and P3 tie (2 units, 2 lines) → by id; P4 2 units in 1 line
      topProducts: [
        { productId: P1, sku: "SKU-P1", name: "Product 1", quantity: 6, lines: 3 },
        { productId: P2, sku: "SKU-P2", name: "Product 2", quantity: 2, lines: 2 },
        { productId: P3, sku: "SKU-P3", name: "Product 3", quantity: 2, lines: 2 },
        { productId: P4, sku: null, name: null, quantity: 2, lines: 1 },
      ],
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
          bundleAdditions: 1,
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
          bundleAdditions: 1,
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
          bundleAdditions: 1,
        },
      ],
    });
  });

  it("narrows lines, bundles and discounts to the carts of one site", async () => {
    const body = await cartAnalytics(`${RANGE}&siteId=${f.siteIds[1]}`);
    const [P1, P2, P3, P4] = f.productIds;
    expect(body.bundleAdditions).toBe(2);
    expect(body.discounts.map(({ code, currency, carts }) => ({ code, currency, carts }))).toEqual([
      { code: "SAVE10", currency: "EUR", carts: 1 },
      { code: "WELCOME5", currency: "EUR", carts: 1 },
    ]);
    // c3: P3×1; c5: P2×1, P3×1; c7: P1×2, P4×2
    expect(body.topProducts.map(({ productId, quantity, lines }) => ({ productId, quantity, lines }))).toEqual([
      { productId: P3, quantity: 2, lines: 2 },
      { productId: P1, quantity: 2, lines: 1 },
      { productId: P4, quantity: 2, lines: 1 },
      { productId: P2, quantity: 1, lines: 1 },
    ]);
  });

  it("is all zeros and nulls on an empty range, with every bucket present", async () => {
    const body = await cartAnalytics("startDate=2024-02-28&endDate=2024-03-01");
    expect(body).toMatchObject({
      carts: { created: 0, abandonmentRate: null, conversionRate: null, averageItems: null },
      money: [],
      bundleAdditions: 0,
      topBundles: [],
      discounts: [],
      topProducts: [],
    });
    // 2024 is a leap year
    expect(body.series.map((point) => [point.bucket, point.cartsCreated, point.bundleAdditions])).toEqual([
      ["2024-02-28", 0, 0],
      ["2024-02-29", 0, 0],
      ["2024-03-01", 0, 0],
    ]);
  });
});
