import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { carts } from "../../../src/db/schema";
import { AnalyticsBusy, MAX_CONCURRENT_COMPUTATIONS, singleFlight } from "../../../src/modules/analytics/cache";
import { OverviewSchema, WishlistAnalyticsSchema } from "../../../src/modules/analytics/schema";
import { type AnalyticsDataset, loadAnalyticsDataset, RANGE } from "../../support/analytics";
import { api, bearer, signToken } from "../../support/app";
import { withDatabase } from "../../support/db";

let f: AnalyticsDataset;
beforeAll(async () => {
  f = await loadAnalyticsDataset();
});

async function get(path: string, token = f.adminToken) {
  const response = await api(`/api/analytics/ecommerce/${path}`, { headers: bearer(token) });
  expect(response.status).toBe(200);
  return { response, body: OverviewSchema.parse(await response.json()) };
}

/** The cache is written after the response (waitUntil): ask until the entry is there. */
async function untilCached(path: string, token = f.adminToken) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const result = await api(`/api/analytics/ecommerce/${path}`, { headers: bearer(token) });
    if (result.headers.get("x-analytics-cache") === "HIT") return { response: result, body: await result.json() };
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`${path} never came from the cache`);
}

describe("analytics cache (5 minutes, Cache API)", () => {
  it("serves the same body (same generatedAt) until fresh=1 replaces it", async () => {
    const query = `overview?${RANGE}&interval=week`;
    const first = await get(query);
    expect(first.response.headers.get("x-analytics-cache")).toBe("MISS");
    expect(first.response.headers.get("cache-control")).toBe("private, max-age=300");

    const second = await untilCached(query);
    expect(OverviewSchema.parse(second.body).generatedAt).toBe(first.body.generatedAt);
    expect(second.response.headers.get("cache-control")).toMatch(/^private, max-age=(29\d|300)$/);

    // A change in Postgres is not seen from the cache, but is with fresh=1, which refreshes the entry.
    await withDatabase(async (db) => {
      await db.update(carts).set({ status: "CONVERTED" }).where(eq(carts.companyId, f.companyId));
    });
    expect(OverviewSchema.parse((await untilCached(query)).body).carts.converted).toBe(2);
    const fresh = await get(`${query}&fresh=1`);
    expect(fresh.response.headers.get("x-analytics-cache")).toBe("BYPASS");
    expect(fresh.body.generatedAt).not.toBe(first.body.generatedAt);
    expect(fresh.body.carts.converted).toBe(7);

    for (let attempt = 0; attempt < 20; attempt++) {
      const again = await untilCached(query);
      if (OverviewSchema.parse(again.body).generatedAt === fresh.body.generatedAt) return;
      await new Promise((done) => setTimeout(done, 50));
    }
    throw new Error("fresh=1 did not refresh the cached entry");
  });

  it("keeps one entry per endpoint, company and normalized parameters", async () => {
    const overview = await get(`overview?${RANGE}&interval=month`);
    await untilCached(`overview?${RANGE}&interval=month`);
    // same parameters spelled differently (order, an upper-case site id) hit the same entry
    const site = await get(`overview?interval=month&siteId=${f.siteIds[0]}&${RANGE}`);
    expect(site.response.headers.get("x-analytics-cache")).toBe("MISS");
    const sameSite = await untilCached(`overview?${RANGE}&siteId=${f.siteIds[0].toUpperCase()}&interval=month`);
    expect(OverviewSchema.parse(sameSite.body).generatedAt).toBe(site.body.generatedAt);
    expect(site.body.generatedAt).not.toBe(overview.body.generatedAt);

    // another endpoint with the same parameters is its own entry
    const wishlist = await api(`/api/analytics/ecommerce/wishlist?${RANGE}&interval=month`, {
      headers: bearer(f.adminToken),
    });
    expect(wishlist.headers.get("x-analytics-cache")).toBe("MISS");
    WishlistAnalyticsSchema.parse(await wishlist.json());

    // another company with the same parameters never gets this company's entry
    const other = await get(`overview?${RANGE}&interval=month`, f.otherAdminToken);
    expect(other.response.headers.get("x-analytics-cache")).toBe("MISS");
    expect(other.body.companyId).toBe(f.otherCompanyId);
    expect(other.body.carts.created).toBe(1);

    // a second admin of the same company (another JWT) shares the entry: the key has no token in it
    const colleague = await signToken({ companyId: f.companyId, role: "admin", sub: "admin-2" });
    const shared = await untilCached(`overview?${RANGE}&interval=month`, colleague);
    expect(OverviewSchema.parse(shared.body).generatedAt).toBe(overview.body.generatedAt);
  });

  it("does not cache errors", async () => {
    const bad = `overview?${RANGE}&siteId=${f.otherSiteIds[0]}`;
    expect((await api(`/api/analytics/ecommerce/${bad}`, { headers: bearer(f.adminToken) })).status).toBe(404);
    const again = await api(`/api/analytics/ecommerce/${bad}`, { headers: bearer(f.adminToken) });
    expect(again.status).toBe(404);
    expect(again.headers.get("x-analytics-cache")).toBeNull();
  });

  it("computes identical concurrent requests once, fresh=1 ones included", async () => {
    const query = `overview?${RANGE}&interval=day&fresh=1`;
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => api(`/api/analytics/ecommerce/${query}`, { headers: bearer(f.adminToken) })),
    );
    const statuses = responses.map((response) => response.headers.get("x-analytics-cache"));
    const bodies = await Promise.all(responses.map(async (response) => OverviewSchema.parse(await response.json())));
    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(200));
    // One computed (BYPASS); the others joined it, so every body is the very same computation.
    expect(statuses.filter((status) => status === "BYPASS")).toHaveLength(1);
    expect(statuses.filter((status) => status === "COALESCED")).toHaveLength(7);
    expect(new Set(bodies.map((body) => body.generatedAt)).size).toBe(1);
  });
});

describe("analytics single flight (one isolate)", () => {
  it("joins a computation in flight, refuses one too many at once, and never waits past its deadline", async () => {
    const gates: (() => void)[] = [];
    const held = (value: string) => () =>
      new Promise<string>((resolve) => {
        gates.push(() => resolve(value));
      });
    const first = Array.from({ length: MAX_CONCURRENT_COMPUTATIONS }, (_, index) =>
      singleFlight(`key-${index}`, held(`value-${index}`), { deadlineMs: 5_000 }),
    );
    let ran = false;
    const joined = singleFlight(
      "key-0",
      async () => {
        ran = true;
        return "never";
      },
      { deadlineMs: 5_000 },
    );
    await expect(singleFlight("key-new", async () => "x", { deadlineMs: 5_000 })).rejects.toEqual(
      new AnalyticsBusy("busy"),
    );
    for (const open of gates) open();
    expect(await Promise.all(first)).toEqual(
      Array.from({ length: MAX_CONCURRENT_COMPUTATIONS }, (_, index) => ({ value: `value-${index}`, joined: false })),
    );
    expect(await joined).toEqual({ value: "value-0", joined: true });
    expect(ran).toBe(false);

    // A computation that does not end answers AnalyticsBusy("deadline") to its callers, and frees its key after all.
    const stuck = singleFlight("key-stuck", () => new Promise<string>(() => {}), { deadlineMs: 20 });
    await expect(stuck).rejects.toMatchObject({ reason: "deadline" });
    // With the slots back, a new key computes.
    expect(await singleFlight("key-after", async () => "after", { deadlineMs: 1_000 })).toEqual({
      value: "after",
      joined: false,
    });
  });
});
