import { inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sites } from "../../../src/db/schema";
import { CompanySchema, UpsertResultSchema } from "../../../src/modules/catalog/schema";
import { api, bearer, problemOf, putCatalog, tokenFor } from "../../support/app";
import { createCompany } from "../../support/catalog";
import { withDatabase } from "../../support/db";

const putSites = (body: unknown, token?: string) => putCatalog("sites", body, token);

const site = (overrides: Record<string, unknown> = {}) => ({
  id: crypto.randomUUID(),
  name: "Peak",
  domain: "peak.test",
  baseUrl: "https://peak.test",
  currency: "EUR",
  ...overrides,
});

function rows(ids: string[]) {
  return withDatabase((db) => db.select().from(sites).where(inArray(sites.id, ids)));
}

describe("PUT /api/catalog/sites", () => {
  it("upserts sites with the documented defaults, visible at once in GET /company", async () => {
    const { companyId } = await createCompany();
    const token = await tokenFor(companyId);
    const peak = site();
    const response = await putSites({ sites: [peak] }, token);
    expect(response.status).toBe(200);
    expect(UpsertResultSchema.parse(await response.json())).toEqual({ upserted: 1, ids: [peak.id] });
    expect(await rows([peak.id])).toEqual([
      expect.objectContaining({
        companyId,
        currency: "EUR",
        taxRateBps: 0,
        enableCart: true,
        enableWishlist: true,
        enableCompare: false,
        maxCompareItems: 4,
        cartExpirationDays: 30,
        isDefault: false,
        active: true,
      }),
    ]);
    const company = CompanySchema.parse(await (await api("/api/catalog/company", { headers: bearer(token) })).json());
    expect(company.sites.map((entry) => entry.id)).toContain(peak.id);
  });

  it("is idempotent and updates changed fields (admin token)", async () => {
    const { companyId } = await createCompany();
    const token = await tokenFor(companyId, "admin");
    const peak = site({ enableCompare: true, maxCompareItems: 6, taxRateBps: 825 });
    expect((await putSites({ sites: [peak] }, token)).status).toBe(200);
    expect((await putSites({ sites: [peak] }, token)).status).toBe(200);
    expect(await rows([peak.id])).toHaveLength(1);

    const response = await putSites({ sites: [{ ...peak, name: "Peak 2", cartExpirationDays: 7 }] }, token);
    expect(UpsertResultSchema.parse(await response.json()).ids).toEqual([peak.id]);
    expect(await rows([peak.id])).toEqual([
      expect.objectContaining({ name: "Peak 2", cartExpirationDays: 7, maxCompareItems: 6, taxRateBps: 825 }),
    ]);
  });

  it("a new default site displaces the old default", async () => {
    const { companyId, siteIds } = await createCompany();
    const peak = site({ isDefault: true });
    expect((await putSites({ sites: [peak] }, await tokenFor(companyId))).status).toBe(200);
    const stored = await rows([siteIds[0], peak.id]);
    expect(stored.find((row) => row.id === peak.id)?.isDefault).toBe(true);
    expect(stored.find((row) => row.id === siteIds[0])?.isDefault).toBe(false);
  });

  it("rejects two defaults, a bad currency, a bad URL and out-of-range numbers with 400s naming the fields", async () => {
    const { companyId } = await createCompany();
    const batch = [
      site({ isDefault: true, currency: "euro" }),
      site({ isDefault: true, baseUrl: "javascript:alert(1)" }),
      site({ taxRateBps: 10_001, maxCompareItems: 0 }),
    ];
    const problem = await problemOf(await putSites({ sites: batch }, await tokenFor(companyId)), 400);
    expect(problem.errors?.map((error) => error.field).sort()).toEqual([
      "body.sites",
      "body.sites.0.currency",
      "body.sites.1.baseUrl",
      "body.sites.2.maxCompareItems",
      "body.sites.2.taxRateBps",
    ]);
    expect(await rows(batch.map((entry) => entry.id))).toEqual([]);
  });

  it("101 sites is a 400 naming body.sites", async () => {
    const { companyId } = await createCompany();
    const batch = Array.from({ length: 101 }, () => site());
    const problem = await problemOf(await putSites({ sites: batch }, await tokenFor(companyId)), 400);
    expect(problem.errors?.map((error) => error.field)).toEqual(["body.sites"]);
  });

  it("is 404 when the company does not exist yet", async () => {
    const peak = site();
    const problem = await problemOf(await putSites({ sites: [peak] }, await tokenFor(crypto.randomUUID())), 404);
    expect(problem.code).toBe("NOT_FOUND");
    expect(await rows([peak.id])).toEqual([]);
  });

  it("is 403 for a customer and 401 without a token", async () => {
    const { companyId } = await createCompany();
    const peak = site();
    expect((await problemOf(await putSites({ sites: [peak] }, await tokenFor(companyId, "customer")), 403)).code).toBe(
      "FORBIDDEN",
    );
    expect((await problemOf(await putSites({ sites: [peak] }), 401)).code).toBe("UNAUTHORIZED");
    expect(await rows([peak.id])).toEqual([]);
  });

  it("company B upserting company A's site id is a 404; A's site unchanged, nothing of B's batch written", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const [before] = await rows([a.siteIds[0]]);
    const innocent = site({ isDefault: true });
    const hijack = site({ id: a.siteIds[0], name: "Hijacked", baseUrl: "https://evil.test" });
    const problem = await problemOf(await putSites({ sites: [innocent, hijack] }, await tokenFor(b.companyId)), 404);
    expect(problem.code).toBe("NOT_FOUND");
    expect(problem.detail).toContain(a.siteIds[0]);
    expect(await rows([a.siteIds[0]])).toEqual([before]);
    expect(await rows([innocent.id])).toEqual([]);
    // B's old default survived: the default switch was rolled back with the batch.
    expect((await rows([b.siteIds[0]]))[0]?.isDefault).toBe(true);
  });
});
