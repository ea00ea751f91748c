import { beforeAll, describe, expect, it } from "vitest";
import { ComparisonAnalyticsSchema } from "../../../src/modules/analytics/schema";
import { type AnalyticsDataset, fetchAnalytics, loadAnalyticsDataset, RANGE } from "../../support/analytics";

let f: AnalyticsDataset;
beforeAll(async () => {
  f = await loadAnalyticsDataset();
});

const comparisonAnalytics = (query: string) =>
  fetchAnalytics(ComparisonAnalyticsSchema, "comparison", query, f.adminToken);

describe("GET /api/analytics/ecommerce/comparison", () => {
  it("counts comparisons, average items, share rate and top compared products, by hand", async () => {
    const body = await comparisonAnalytics(RANGE);
    const [P1, P2, P3] = f.productIds;
    expect(body).toEqual({
      companyId: f.companyId,
      siteId: null,
      startDate: "2025-03-01",
      endDate: "2025-03-03",
      interval: "day",
      timeZone: "UTC",
      generatedAt: expect.any(String),
      // pc1 (shared, 3 items) and pc2 (03-03 23:59:59Z, 1 item); pc3 at 03-04 00:00:00Z is out
      comparisons: { created: 2, shared: 1, shareRate: 0.5, averageItems: 2, itemsAdded: 4 },
      topProducts: [
        { productId: P1, sku: "SKU-P1", name: "Product 1", comparisons: 2, itemsAdded: 2 },
        { productId: P2, sku: "SKU-P2", name: "Product 2", comparisons: 1, itemsAdded: 1 },
        { productId: P3, sku: "SKU-P3", name: "Product 3", comparisons: 1, itemsAdded: 1 },
      ],
      series: [
        { bucket: "2025-03-01", created: 1, shared: 1, itemsAdded: 2 },
        { bucket: "2025-03-02", created: 0, shared: 0, itemsAdded: 1 },
        { bucket: "2025-03-03", created: 1, shared: 0, itemsAdded: 1 },
      ],
    });
  });

  it("narrows to a site without comparisons: zeros and nulls", async () => {
    const body = await comparisonAnalytics(`${RANGE}&siteId=${f.siteIds[1]}&interval=month`);
    expect(body.comparisons).toEqual({ created: 0, shared: 0, shareRate: null, averageItems: null, itemsAdded: 0 });
    expect(body.topProducts).toEqual([]);
    expect(body.series).toEqual([{ bucket: "2025-03-01", created: 0, shared: 0, itemsAdded: 0 }]);
  });
});
