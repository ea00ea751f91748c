import { beforeAll, describe, expect, it } from "vitest";
import { SessionAnalyticsSchema } from "../../../src/modules/analytics/schema";
import { type AnalyticsDataset, fetchAnalytics, loadAnalyticsDataset, RANGE } from "../../support/analytics";

let f: AnalyticsDataset;
beforeAll(async () => {
  f = await loadAnalyticsDataset();
});

const sessionAnalytics = (query: string) =>
  fetchAnalytics(SessionAnalyticsSchema, "cross-site-sessions", query, f.adminToken);

describe("GET /api/analytics/ecommerce/cross-site-sessions", () => {
  it("counts sessions by status, merge and transfer rates, sites per session and site pairs, by hand", async () => {
    const body = await sessionAnalytics(RANGE);
    const [A1, A2] = f.siteIds;
    expect(body).toEqual({
      companyId: f.companyId,
      siteId: null,
      startDate: "2025-03-01",
      endDate: "2025-03-03",
      interval: "day",
      timeZone: "UTC",
      generatedAt: expect.any(String),
      // s1 A1→A2 (1 transfer), s2 merged, s3 expired, s5 A1→A2 (2), s4 A2→A1 (3, received a merge)
      sessions: {
        created: 5,
        active: 3,
        expired: 1,
        merged: 1,
        mergeRate: 0.2,
        transfers: 6,
        sessionsWithTransfers: 3,
        transferRate: 0.6,
        mergesReceived: 1,
        averageSitesPerSession: 1.6,
      },
      sitesPerSession: [
        { sites: 1, sessions: 2 },
        { sites: 2, sessions: 3 },
      ],
      sitePairs: [
        { fromSiteId: A1, toSiteId: A2, sessions: 2 },
        { fromSiteId: A2, toSiteId: A1, sessions: 1 },
      ],
      series: [
        { bucket: "2025-03-01", created: 2, active: 1, merged: 1, expired: 0, mergeRate: 0.5, transfers: 1 },
        { bucket: "2025-03-02", created: 2, active: 1, merged: 0, expired: 1, mergeRate: 0, transfers: 2 },
        { bucket: "2025-03-03", created: 1, active: 1, merged: 0, expired: 0, mergeRate: 0, transfers: 3 },
      ],
    });
  });

  it("with siteId counts the sessions that started on the site or visited it", async () => {
    const body = await sessionAnalytics(`${RANGE}&siteId=${f.siteIds[1]}`);
    // s1, s2, s4, s5 — not s3 (A1 only); never the other company's session that visited A1
    expect(body.sessions).toEqual({
      created: 4,
      active: 3,
      expired: 0,
      merged: 1,
      mergeRate: 0.25,
      transfers: 6,
      sessionsWithTransfers: 3,
      transferRate: 0.75,
      mergesReceived: 1,
      averageSitesPerSession: 1.75,
    });
    expect(body.sitesPerSession).toEqual([
      { sites: 1, sessions: 1 },
      { sites: 2, sessions: 3 },
    ]);
  });

  it("is zeros and nulls on an empty range", async () => {
    const body = await sessionAnalytics("startDate=2025-05-01&endDate=2025-05-02");
    expect(body.sessions).toEqual({
      created: 0,
      active: 0,
      expired: 0,
      merged: 0,
      mergeRate: null,
      transfers: 0,
      sessionsWithTransfers: 0,
      transferRate: null,
      mergesReceived: 0,
      averageSitesPerSession: null,
    });
    expect(body.sitesPerSession).toEqual([]);
    expect(body.sitePairs).toEqual([]);
    expect(body.series.map((point) => point.mergeRate)).toEqual([null, null]);
  });
});
