import { beforeAll, describe, expect, it } from "vitest";
import { WishlistAnalyticsSchema } from "../../../src/modules/analytics/schema";
import { type AnalyticsDataset, fetchAnalytics, loadAnalyticsDataset, RANGE } from "../../support/analytics";

let f: AnalyticsDataset;
beforeAll(async () => {
  f = await loadAnalyticsDataset();
});

const wishlistAnalytics = (query: string) => fetchAnalytics(WishlistAnalyticsSchema, "wishlist", query, f.adminToken);

describe("GET /api/analytics/ecommerce/wishlist", () => {
  it("counts wishlists by created_at and items by added_at, by hand", async () => {
    const body = await wishlistAnalytics(RANGE);
    const [P1, P2, P3] = f.productIds;
    expect(body).toEqual({
      companyId: f.companyId,
      siteId: null,
      startDate: "2025-03-01",
      endDate: "2025-03-03",
      interval: "day",
      timeZone: "UTC",
      generatedAt: expect.any(String),
      // w1 (shared, 2 items), w2 (1 item), w4 (shared, empty); w3 was created in February
      wishlists: { created: 3, shared: 2, shareRate: 0.6667, averageItems: 1, itemsAdded: 4 },
      // items added in range: w1 P1, w1 P2, w2 P1, w3 P3 (w3's February P1 is out)
      topProducts: [
        { productId: P1, sku: "SKU-P1", name: "Product 1", wishlists: 2, itemsAdded: 2 },
        { productId: P2, sku: "SKU-P2", name: "Product 2", wishlists: 1, itemsAdded: 1 },
        { productId: P3, sku: "SKU-P3", name: "Product 3", wishlists: 1, itemsAdded: 1 },
      ],
      series: [
        { bucket: "2025-03-01", created: 1, shared: 1, itemsAdded: 1 },
        // w2 at 23:59:59Z; w2's P1 at 00:00:00Z the next day is in 03-03
        { bucket: "2025-03-02", created: 1, shared: 0, itemsAdded: 1 },
        { bucket: "2025-03-03", created: 1, shared: 1, itemsAdded: 2 },
      ],
    });
  });

  it("narrows to the wishlists of one site", async () => {
    const body = await wishlistAnalytics(`${RANGE}&siteId=${f.siteIds[1]}`);
    expect(body.wishlists).toEqual({ created: 1, shared: 0, shareRate: 0, averageItems: 1, itemsAdded: 1 });
    expect(body.topProducts.map((product) => product.productId)).toEqual([f.productIds[0]]);
  });

  it("answers null share rate and average on an empty range", async () => {
    const body = await wishlistAnalytics("startDate=2025-01-01&endDate=2025-01-31&interval=week");
    expect(body.wishlists).toEqual({ created: 0, shared: 0, shareRate: null, averageItems: null, itemsAdded: 0 });
    expect(body.topProducts).toEqual([]);
    // 2025-01-01 is a Wednesday: weeks from Monday 2024-12-30 to Monday 2025-01-27
    expect(body.series.map((point) => point.bucket)).toEqual([
      "2024-12-30",
      "2025-01-06",
      "2025-01-13",
      "2025-01-20",
      "2025-01-27",
    ]);
  });
});
