import { describe, expect, it } from "vitest";
import { analyticsCacheKey, remainingMaxAge } from "../../../src/modules/analytics/cache";
import {
  average,
  type CartBucketRow,
  cartMoney,
  cartSummary,
  foldCartRows,
  rate,
  toNumber,
  zeroCartCounters,
} from "../../../src/modules/analytics/metrics";
import { analyticsParams } from "../../../src/modules/analytics/range";

describe("rate and average", () => {
  it("divide by zero into null", () => {
    expect(rate(0, 0)).toBeNull();
    expect(rate(5, 0)).toBeNull();
    expect(average(0, 0, 2)).toBeNull();
  });

  it("round rates to 4 decimals and averages to the given decimals", () => {
    expect(rate(1, 3)).toBe(0.3333);
    expect(rate(2, 3)).toBe(0.6667);
    expect(rate(0, 7)).toBe(0);
    expect(rate(7, 7)).toBe(1);
    expect(average(14_000, 4, 0)).toBe(3500);
    expect(average(10_001, 3, 0)).toBe(3334);
    expect(average(7, 3, 2)).toBe(2.33);
  });

  it("read Postgres bigint strings and nulls", () => {
    expect(toNumber("9007199254740991")).toBe(9_007_199_254_740_991);
    expect(toNumber(null)).toBe(0);
    expect(toNumber("12.5")).toBe(12.5);
    expect(toNumber("x")).toBe(0);
  });
});

const row = (
  bucket: string,
  currency: string | null,
  counters: Partial<CartBucketRow["counters"]> = {},
  money = {},
) => ({
  bucket,
  currency,
  counters: { ...zeroCartCounters(), ...counters },
  money: { convertedCarts: 0, revenue: 0, nonEmptyCarts: 0, nonEmptyValue: 0, ...money },
});

describe("foldCartRows", () => {
  it("sums buckets and currencies, keeps empty buckets and lists every currency in every bucket", () => {
    const folded = foldCartRows([
      row("2025-03-01", "USD", { created: 2, counted: 2, converted: 1 }, { convertedCarts: 1, revenue: 500 }),
      row("2025-03-01", "EUR", { created: 1, counted: 1 }, { nonEmptyCarts: 1, nonEmptyValue: 300 }),
      row("2025-03-02", null),
      row("2025-03-03", "USD", { created: 1, counted: 1, converted: 1 }, { convertedCarts: 1, revenue: 700 }),
    ]);
    expect(folded.buckets).toEqual(["2025-03-01", "2025-03-02", "2025-03-03"]);
    expect(folded.total).toMatchObject({ created: 4, counted: 4, converted: 2 });
    expect(folded.byBucket.get("2025-03-02")).toEqual(zeroCartCounters());
    expect(folded.money.map(cartMoney)).toEqual([
      { currency: "EUR", convertedCarts: 0, revenue: 0, averageConvertedCartValue: null, averageCartValue: 300 },
      { currency: "USD", convertedCarts: 2, revenue: 1200, averageConvertedCartValue: 600, averageCartValue: null },
    ]);
    expect([...(folded.revenueByBucket.get("2025-03-02") ?? [])]).toEqual([
      ["EUR", 0],
      ["USD", 0],
    ]);
    expect(cartSummary(folded.total)).toMatchObject({ conversionRate: 0.5, abandonmentRate: 0, averageItems: null });
  });

  it("folds nothing into zeros and nulls", () => {
    const folded = foldCartRows([row("2025-03-01", null)]);
    expect(cartSummary(folded.total)).toEqual({
      created: 0,
      active: 0,
      converted: 0,
      abandoned: 0,
      merged: 0,
      abandonmentRate: null,
      conversionRate: null,
      averageItems: null,
    });
    expect(folded.money).toEqual([]);
  });
});

describe("cache key", () => {
  const params = analyticsParams("c1", null, { startDate: "2025-03-01", endDate: "2025-03-03" }, "day");

  it("holds the endpoint, company and every normalized parameter, and nothing else", () => {
    const key = new URL(analyticsCacheKey("overview", params));
    expect(key.pathname).toMatch(/\/overview$/);
    expect(Object.fromEntries(key.searchParams)).toEqual({
      companyId: "c1",
      siteId: "all",
      startDate: "2025-03-01",
      endDate: "2025-03-03",
      interval: "day",
    });
  });

  it("differs by company, site, dates and interval", () => {
    const keys = new Set([
      analyticsCacheKey("overview", params),
      analyticsCacheKey("cart", params),
      analyticsCacheKey("overview", { ...params, companyId: "c2" }),
      analyticsCacheKey("overview", { ...params, siteId: "s1" }),
      analyticsCacheKey("overview", { ...params, endDate: "2025-03-04" }),
      analyticsCacheKey("overview", { ...params, interval: "week" }),
    ]);
    expect(keys.size).toBe(6);
  });

  it("tells the client how long the body stays fresh", () => {
    const now = new Date("2025-03-01T00:05:00Z");
    expect(remainingMaxAge("2025-03-01T00:05:00Z", now)).toBe(300);
    expect(remainingMaxAge("2025-03-01T00:03:00Z", now)).toBe(180);
    expect(remainingMaxAge("2025-03-01T00:00:00Z", now)).toBe(0);
    expect(remainingMaxAge("2025-02-28T00:00:00Z", now)).toBe(0);
  });
});
