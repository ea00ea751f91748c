import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { companies } from "../../../src/db/schema";
import { ProblemSchema } from "../../../src/lib/openapi";
import { CompanySchema } from "../../../src/modules/catalog/schema";
import { api, bearer, putCatalog, tokenFor } from "../../support/app";
import { createCompany } from "../../support/catalog";
import { withDatabase } from "../../support/db";

const getCompany = async (token?: string) => api("/api/catalog/company", { headers: token ? bearer(token) : {} });

const putCompany = (body: unknown, token?: string) => putCatalog("company", body, token);

async function companyRow(id: string) {
  return withDatabase(async (db) => {
    const [row] = await db.select().from(companies).where(eq(companies.id, id));
    return row;
  });
}

describe("PUT /api/catalog/company", () => {
  it("creates the caller's company with the token's id, then updates it (service and admin)", async () => {
    const companyId = crypto.randomUUID();
    const slug = `co-${companyId.slice(0, 8)}`;

    const created = await putCompany({ name: "Acme", slug: slug.toUpperCase() }, await tokenFor(companyId, "service"));
    expect(created.status).toBe(200);
    expect(CompanySchema.parse(await created.json())).toEqual({
      id: companyId,
      name: "Acme",
      slug,
      active: true,
      dataResidency: "global",
      sites: [],
    });

    const updated = await putCompany(
      { name: "Acme Outdoors", slug, active: false },
      await tokenFor(companyId, "admin"),
    );
    expect(updated.status).toBe(200);
    expect(CompanySchema.parse(await updated.json())).toMatchObject({ name: "Acme Outdoors", active: false });
    expect(await companyRow(companyId)).toMatchObject({ name: "Acme Outdoors", slug, active: false });
  });

  it("is idempotent", async () => {
    const companyId = crypto.randomUUID();
    const token = await tokenFor(companyId);
    const body = { name: "Twice", slug: `twice-${companyId.slice(0, 8)}` };
    const first = await (await putCompany(body, token)).json();
    const second = await putCompany(body, token);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual(first);
  });

  it("never takes the company id from the body", async () => {
    const other = await createCompany();
    const companyId = crypto.randomUUID();
    const response = await putCompany(
      { id: other.companyId, name: "Hijack", slug: `own-${companyId.slice(0, 8)}` },
      await tokenFor(companyId),
    );
    expect(response.status).toBe(200);
    expect(CompanySchema.parse(await response.json()).id).toBe(companyId);
    expect(await companyRow(other.companyId)).toMatchObject({ name: "Test Co" });
  });

  it("refuses a slug another company uses with 409 CONFLICT, changing nothing", async () => {
    const other = await createCompany();
    const companyId = crypto.randomUUID();
    const response = await putCompany({ name: "Copycat", slug: `test-${other.companyId}` }, await tokenFor(companyId));
    expect(response.status).toBe(409);
    const problem = ProblemSchema.parse(await response.json());
    expect(problem.code).toBe("CONFLICT");
    expect(problem.detail).toContain("slug");
    expect(await companyRow(companyId)).toBeUndefined();
  });

  it("rejects a malformed slug and a missing name with 400 naming the fields", async () => {
    const response = await putCompany({ slug: "-no spaces-" }, await tokenFor(crypto.randomUUID()));
    expect(response.status).toBe(400);
    const problem = ProblemSchema.parse(await response.json());
    expect(problem.code).toBe("VALIDATION_FAILED");
    expect(problem.errors?.map((error) => error.field).sort()).toEqual(["body.name", "body.slug"]);
  });

  it("is 403 for a customer and 401 without a token", async () => {
    const companyId = crypto.randomUUID();
    const body = { name: "Nope", slug: `nope-${companyId.slice(0, 8)}` };
    const forbidden = await putCompany(body, await tokenFor(companyId, "customer"));
    expect(forbidden.status).toBe(403);
    expect(ProblemSchema.parse(await forbidden.json()).code).toBe("FORBIDDEN");
    const anonymous = await putCompany(body);
    expect(anonymous.status).toBe(401);
    expect(ProblemSchema.parse(await anonymous.json()).code).toBe("UNAUTHORIZED");
    expect(await companyRow(companyId)).toBeUndefined();
  });
});

describe("GET /api/catalog/company", () => {
  it("returns the caller's own company with its sites, never another's", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const response = await getCompany(await tokenFor(b.companyId, "admin"));
    expect(response.status).toBe(200);
    const company = CompanySchema.parse(await response.json());
    expect(company).toMatchObject({ id: b.companyId, name: "Test Co", slug: `test-${b.companyId}`, active: true });
    expect(company.sites.map((site) => site.id).sort()).toEqual([...b.siteIds].sort());
    expect(company.sites.find((site) => site.id === b.siteIds[0])).toMatchObject({
      isDefault: true,
      enableCompare: true,
      maxCompareItems: 4,
      cartExpirationDays: 30,
      currency: "USD",
    });
    expect(JSON.stringify(company)).not.toContain(a.companyId);
    expect(company.sites.some((site) => a.siteIds.includes(site.id as never))).toBe(false);
  });

  it("is 404 when the caller's company does not exist yet", async () => {
    const response = await getCompany(await tokenFor(crypto.randomUUID()));
    expect(response.status).toBe(404);
    expect(ProblemSchema.parse(await response.json()).code).toBe("NOT_FOUND");
  });

  it("is 403 for a customer and 401 without a token", async () => {
    const { companyId } = await createCompany();
    const forbidden = await getCompany(await tokenFor(companyId, "customer"));
    expect(forbidden.status).toBe(403);
    expect(ProblemSchema.parse(await forbidden.json()).code).toBe("FORBIDDEN");
    const anonymous = await getCompany();
    expect(anonymous.status).toBe(401);
    expect(ProblemSchema.parse(await anonymous.json()).code).toBe("UNAUTHORIZED");
  });
});

describe("catalog feed in the OpenAPI document", () => {
  it("lists every route and the named schemas", async () => {
    const document = await (await api("/api/openapi.json")).json<{
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    }>();
    expect(Object.keys(document.paths["/api/catalog/company"] ?? {}).sort()).toEqual(["get", "put"]);
    for (const path of ["sites", "products", "bundles", "promotions"]) {
      expect(document.paths[`/api/catalog/${path}`]?.put).toBeDefined();
    }
    for (const name of [
      "Company",
      "Site",
      "ProductsUpsert",
      "ProductInput",
      "BundleInput",
      "PromotionInput",
      "UpsertResult",
    ]) {
      expect(document.components.schemas[name]).toBeDefined();
    }
  });
});
