// GET /api/comparison and GET /api/public/comparison: happy, error, security; a customer's
// comparison follows them across sites, devices and tokens; comparisons live 90 days.
import { describe, expect, it } from "vitest";
import { api, bearer, customerToken, problemOf, signToken } from "../../support/app";
import { createCompany, seedProducts } from "../../support/catalog";
import { addToComparison, comparisonOf, readComparison } from "../../support/lists";
import { newCustomer, newGuest, newShopper, send, VARIANTS } from "../../support/sessions";

const DAY_MS = 86_400_000;

describe.each(VARIANTS)("GET comparison (%s) — happy", (variant) => {
  it("an empty comparison with the site's cap, expiring 90 days after creation", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const comparison = await readComparison(shopper);
    expect(comparison).toMatchObject({
      companyId: company.companyId,
      items: [],
      itemCount: 0,
      maxItems: 4,
      attributes: [],
      shared: false,
      sharedAt: null,
    });
    expect(Date.parse(comparison.expiresAt) - Date.parse(comparison.createdAt)).toBe(90 * DAY_MS);
    expect(await readComparison(shopper)).toEqual(comparison);
  });

  it("shows each product's catalog facts and the attribute table, in the order added", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [a, b] = await seedProducts(company.companyId, [
      { name: "Boot", price: 12000, attributes: { color: "brown", waterproof: true } },
      { name: "Sneaker", price: 8000, attributes: { color: "white", weight: 300 } },
    ]);
    await addToComparison(shopper, a as string);
    await addToComparison(shopper, b as string);
    const comparison = await readComparison(shopper);
    expect(comparison.items.map((item) => [item.productId, item.product?.name, item.product?.price])).toEqual([
      [a, "Boot", 12000],
      [b, "Sneaker", 8000],
    ]);
    expect(comparison.attributes).toEqual([
      { key: "color", values: ["brown", "white"] },
      { key: "waterproof", values: [true, null] },
      { key: "weight", values: [null, 300] },
    ]);
  });
});

describe("GET /api/comparison — a customer's comparison persists", () => {
  it("the same comparison from two compare-enabled sites and from a freshly signed token", async () => {
    const company = await createCompany({ enableCompare: true }, { enableCompare: true });
    const customerId = crypto.randomUUID();
    const onSiteA = await newCustomer(company, customerId);
    const [a, b] = await seedProducts(company.companyId, [{}, {}]);
    const first = await addToComparison(onSiteA, a as string);
    const siteB = { "x-site-id": company.siteIds[1] };
    const added = await comparisonOf(
      await send(onSiteA, "POST", "/api/comparison/items", { productId: b }, siteB),
      201,
    );
    expect(added.id).toBe(first.id);
    expect(added.items.map((item) => [item.productId, item.siteId])).toEqual([
      [a, company.siteIds[0]],
      [b, company.siteIds[1]],
    ]);
    // Another device: another token (another subject) for the same customer.
    const phone = bearer(await signToken({ companyId: company.companyId, role: "customer", customerId, sub: "phone" }));
    expect(phone.Authorization).not.toBe(onSiteA.headers.Authorization);
    const again = await comparisonOf(await send({ headers: phone }, "GET", "/api/comparison", undefined, siteB), 200);
    expect(again).toMatchObject({ id: first.id, version: added.version, itemCount: 2, expiresAt: first.expiresAt });
  });
});

describe("GET /api/comparison — errors", () => {
  it("401 without a token (never 404), with an expired or forged token", async () => {
    const { companyId } = await createCompany();
    await problemOf(await api("/api/comparison"), 401, "UNAUTHORIZED");
    const claims = { companyId, role: "customer", customerId: crypto.randomUUID() };
    await problemOf(
      await api("/api/comparison", { headers: bearer(await signToken(claims, { expiresIn: -10 })) }),
      401,
    );
    const forged = await signToken(claims, { secret: "another-secret-that-is-at-least-32-bytes" });
    await problemOf(await api("/api/comparison", { headers: bearer(forged) }), 401, "UNAUTHORIZED");
  });

  it("400 for a non-UUID x-site-id; 404 for a site of another company", async () => {
    const customer = await newCustomer(await createCompany());
    const other = await createCompany();
    await problemOf(await send(customer, "GET", "/api/comparison", undefined, { "x-site-id": "nope" }), 400);
    await problemOf(await send(customer, "GET", "/api/comparison", undefined, { "x-site-id": other.siteIds[0] }), 404);
  });
});

describe("GET /api/comparison — security", () => {
  for (const role of ["admin", "service"]) {
    it(`403 FORBIDDEN for an ${role} JWT`, async () => {
      const { companyId } = await createCompany();
      const headers = bearer(await signToken({ companyId, role }));
      await problemOf(await api("/api/comparison", { headers }), 403, "FORBIDDEN");
      await problemOf(await send({ headers }, "POST", "/api/comparison/share"), 403, "FORBIDDEN");
    });
  }

  it("the same customer id in another company has its own comparison", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const customerId = crypto.randomUUID();
    const inA = await newCustomer(a, customerId);
    const comparisonA = await addToComparison(inA, (await seedProducts(a.companyId, [{}]))[0] as string);
    const comparisonB = await readComparison(await newCustomer(b, customerId));
    expect(comparisonB.id).not.toBe(comparisonA.id);
    expect(comparisonB).toMatchObject({ companyId: b.companyId, items: [] });
    const bToken = await customerToken(b.companyId, customerId);
    // A company-B token never reaches company A, whatever site it names.
    await problemOf(await api("/api/comparison", { headers: { ...bearer(bToken), "x-site-id": a.siteIds[0] } }), 404);
  });
});

describe("GET /api/public/comparison — errors and security", () => {
  it("400 for a missing or malformed session token; 404 for one that names no session", async () => {
    const { companyId } = await createCompany();
    await problemOf(await api("/api/public/comparison", { headers: { "x-company-id": companyId } }), 400);
    await problemOf(
      await api("/api/public/comparison", { headers: { "x-company-id": companyId, "x-session-token": "xyz" } }),
      400,
      "VALIDATION_FAILED",
    );
    await problemOf(
      await api("/api/public/comparison", {
        headers: { "x-company-id": companyId, "x-session-token": "a".repeat(64) },
      }),
      404,
      "NOT_FOUND",
    );
  });

  it("company A's session token with company B's id is a 404", async () => {
    const company = await createCompany();
    const guest = await newGuest(company);
    await addToComparison(guest, (await seedProducts(company.companyId, [{}]))[0] as string);
    const other = await createCompany();
    await problemOf(
      await api("/api/public/comparison", {
        headers: { "x-company-id": other.companyId, "x-session-token": guest.sessionToken as string },
      }),
      404,
      "NOT_FOUND",
    );
  });
});
