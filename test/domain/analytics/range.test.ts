import { describe, expect, it } from "vitest";
import {
  analyticsParams,
  bucketStart,
  bucketStarts,
  MAX_RANGE_DAYS,
  parseIsoDate,
  resolveRange,
} from "../../../src/modules/analytics/range";

const NOW = new Date("2026-03-15T23:59:59.999Z");

describe("parseIsoDate", () => {
  it("reads YYYY-MM-DD as UTC midnight", () => {
    expect(parseIsoDate("2024-02-29")?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
  });

  it.each(["2025-02-29", "2025-13-01", "2025-00-10", "2025-1-01", "2025-01-01T00:00:00Z", "", "today", "2025-01-01 "])(
    "refuses %j",
    (value) => {
      expect(parseIsoDate(value)).toBeNull();
    },
  );
});

describe("resolveRange", () => {
  it("defaults to the last 30 days ending today (UTC)", () => {
    expect(resolveRange({}, NOW)).toEqual({ ok: true, range: { startDate: "2026-02-14", endDate: "2026-03-15" } });
  });

  it("defaults the start to 29 days before a given end, and the end to today", () => {
    expect(resolveRange({ endDate: "2025-03-01" }, NOW)).toEqual({
      ok: true,
      range: { startDate: "2025-01-31", endDate: "2025-03-01" },
    });
    expect(resolveRange({ startDate: "2026-03-01" }, NOW)).toEqual({
      ok: true,
      range: { startDate: "2026-03-01", endDate: "2026-03-15" },
    });
  });

  it("accepts a single day and a range of exactly 366 days", () => {
    expect(resolveRange({ startDate: "2025-03-01", endDate: "2025-03-01" }, NOW).ok).toBe(true);
    expect(resolveRange({ startDate: "2024-01-01", endDate: "2024-12-31" }, NOW).ok).toBe(true);
    expect(MAX_RANGE_DAYS).toBe(366);
  });

  it("names endDate when the range is reversed or too long", () => {
    expect(resolveRange({ startDate: "2025-03-02", endDate: "2025-03-01" }, NOW)).toMatchObject({
      ok: false,
      field: "endDate",
    });
    expect(resolveRange({ startDate: "2024-01-01", endDate: "2025-01-01" }, NOW)).toMatchObject({
      ok: false,
      field: "endDate",
      message: expect.stringContaining("366"),
    });
    expect(resolveRange({ startDate: "2026-03-16" }, NOW)).toMatchObject({
      ok: false,
      field: "endDate",
      message: expect.stringContaining("today"),
    });
  });

  it("names the field of a date that is not one", () => {
    expect(resolveRange({ startDate: "2025-02-30" }, NOW)).toMatchObject({ ok: false, field: "startDate" });
    expect(resolveRange({ endDate: "nope" }, NOW)).toMatchObject({ ok: false, field: "endDate" });
  });
});

describe("buckets (UTC)", () => {
  it("truncates to the day, the ISO week (Monday) and the month", () => {
    const saturdayLate = new Date("2025-03-01T23:59:59Z");
    expect(bucketStart(saturdayLate, "day").toISOString()).toBe("2025-03-01T00:00:00.000Z");
    expect(bucketStart(saturdayLate, "week").toISOString()).toBe("2025-02-24T00:00:00.000Z");
    expect(bucketStart(new Date("2025-03-03T00:00:00Z"), "week").toISOString()).toBe("2025-03-03T00:00:00.000Z");
    expect(bucketStart(new Date("2025-03-09T12:00:00Z"), "week").toISOString()).toBe("2025-03-03T00:00:00.000Z");
    expect(bucketStart(saturdayLate, "month").toISOString()).toBe("2025-03-01T00:00:00.000Z");
  });

  it("lists every bucket touching the range", () => {
    const range = { startDate: "2025-01-30", endDate: "2025-03-02" };
    expect(bucketStarts(range, "day")).toHaveLength(32);
    expect(bucketStarts(range, "week")).toEqual(["2025-01-27", "2025-02-03", "2025-02-10", "2025-02-17", "2025-02-24"]);
    expect(bucketStarts(range, "month")).toEqual(["2025-01-01", "2025-02-01", "2025-03-01"]);
    expect(bucketStarts({ startDate: "2024-12-31", endDate: "2025-01-01" }, "month")).toEqual([
      "2024-12-01",
      "2025-01-01",
    ]);
  });

  it("turns a range into the bound values the SQL uses", () => {
    expect(analyticsParams("c", null, { startDate: "2025-03-01", endDate: "2025-03-03" }, "week")).toEqual({
      companyId: "c",
      siteId: null,
      startDate: "2025-03-01",
      endDate: "2025-03-03",
      interval: "week",
      from: "2025-03-01T00:00:00.000Z",
      to: "2025-03-04T00:00:00.000Z",
      firstBucket: "2025-02-24",
      lastBucket: "2025-03-03",
    });
  });
});
