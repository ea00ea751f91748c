// GET /api/wishlist and GET /api/public/wishlist: happy, error, security — and the
// authentication every wishlist route shares.
import { describe, expect, it } from "vitest";
import { api, bearer, customerToken, problemOf, signToken } from "../../support/app";
import { createCompany, seedProduct } from "../../support/catalog";
import { addToWishlist, readWishlist, wishlistOf } from "../../support/lists";
import { newCustomer, newGuest, send } from "../../support/sessions";

describe("GET /api/wishlist — happy", () => {
  it("an empty wishlist on first read, the same one afterwards", async () => {
    const company = await createCompany();
    const customer = await newCustomer(company);
    const first = await readWishlist(customer);
    expect(first).toMatchObject({
      companyId: company.companyId,
      customerId: customer.address.kind === "customer" ? customer.address.customerId : null,
      items: [],
      itemCount: 0,
      shared: false,
      sharedAt: null,
    });
    expect(await readWishlist(customer)).toEqual(first);
  });

  it("is the same wishlist on every site of the company and with a freshly signed token", async () => {
    const company = await createCompany();
    const customer = await newCustomer(company);
    const added = await addToWishlist(customer, { productId: await seedProduct(company.companyId) });
    const onSiteB = await wishlistOf(
      await send(customer, "GET", "/api/wishlist", undefined, { "x-site-id": company.siteIds[1] }),
      200,
    );
    expect(onSiteB.id).toBe(added.id);
    expect(onSiteB.items).toEqual(added.items);
    const customerId = customer.address.kind === "customer" ? customer.address.customerId : "";
    const otherDevice = { headers: bearer(await customerToken(company.companyId, customerId)) };
    expect((await wishlistOf(await send(otherDevice, "GET", "/api/wishlist"), 200)).id).toBe(added.id);
  });
});

describe("GET /api/wishlist — errors", () => {
  it("401 without a token (never 404), with an expired token, with a token signed by another key", async () => {
    const { companyId } = await createCompany();
    await problemOf(await api("/api/wishlist"), 401, "UNAUTHORIZED");
    const claims = { companyId, role: "customer", customerId: crypto.randomUUID() };
    const expired = await signToken(claims, { expiresIn: -10 });
    await problemOf(await api("/api/wishlist", { headers: bearer(expired) }), 401, "UNAUTHORIZED");
    const forged = await signToken(claims, { secret: "another-secret-that-is-at-least-32-bytes" });
    await problemOf(await api("/api/wishlist", { headers: bearer(forged) }), 401, "UNAUTHORIZED");
    await problemOf(await api("/api/wishlist", { headers: { Authorization: "Bearer not.a.jwt" } }), 401);
  });

  it("400 naming header.x-site-id when it is not a UUID; 404 for a site of another company", async () => {
    const customer = await newCustomer(await createCompany());
    const other = await createCompany();
    const problem = await problemOf(
      await send(customer, "GET", "/api/wishlist", undefined, { "x-site-id": "site-1" }),
      400,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.map((error) => error.field)).toEqual(["header.x-site-id"]);
    await problemOf(await send(customer, "GET", "/api/wishlist", undefined, { "x-site-id": other.siteIds[0] }), 404);
  });
});

describe("GET /api/wishlist — security", () => {
  for (const role of ["admin", "service"]) {
    it(`403 FORBIDDEN for an ${role} JWT, on reads and writes`, async () => {
      const company = await createCompany();
      const headers = { ...bearer(await signToken({ companyId: company.companyId, role })) };
      const productId = await seedProduct(company.companyId);
      await problemOf(await api("/api/wishlist", { headers }), 403, "FORBIDDEN");
      await problemOf(await send({ headers }, "POST", "/api/wishlist/items", { productId }), 403, "FORBIDDEN");
      await problemOf(await send({ headers }, "POST", "/api/wishlist/share"), 403, "FORBIDDEN");
    });
  }

  it("the same customer id in company B never reaches company A's wishlist", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const customerId = crypto.randomUUID();
    const inA = await newCustomer(a, customerId);
    const wishlistA = await addToWishlist(inA, { productId: await seedProduct(a.companyId) });
    const wishlistB = await readWishlist(await newCustomer(b, customerId));
    expect(wishlistB.id).not.toBe(wishlistA.id);
    expect(wishlistB).toMatchObject({ companyId: b.companyId, items: [] });
  });
});

describe("GET /api/public/wishlist — happy", () => {
  it("the anonymous session's wishlist, the same on the company's other site", async () => {
    const company = await createCompany();
    const guest = await newGuest(company);
    const empty = await readWishlist(guest);
    expect(empty).toMatchObject({ companyId: company.companyId, customerId: null, items: [], itemCount: 0 });
    const added = await addToWishlist(guest, { productId: await seedProduct(company.companyId) });
    const onB = await wishlistOf(
      await send(guest, "GET", "/api/public/wishlist", undefined, { "x-site-id": company.siteIds[1] }),
      200,
    );
    expect(onB).toMatchObject({ id: empty.id, version: added.version, itemCount: 1 });
  });
});

describe("GET /api/public/wishlist — errors", () => {
  it("400 naming the header when the session token is missing or malformed", async () => {
    const { companyId } = await createCompany();
    const missing = await problemOf(await api("/api/public/wishlist", { headers: { "x-company-id": companyId } }), 400);
    expect(missing.errors?.map((error) => error.field)).toEqual(["header.x-session-token"]);
    const malformed = await problemOf(
      await api("/api/public/wishlist", { headers: { "x-company-id": companyId, "x-session-token": "A".repeat(64) } }),
      400,
      "VALIDATION_FAILED",
    );
    expect(malformed.errors?.map((error) => error.field)).toEqual(["header.x-session-token"]);
  });

  it("400 without x-company-id; 404 for an unknown company or a token that names no session", async () => {
    const { companyId } = await createCompany();
    const problem = await problemOf(
      await api("/api/public/wishlist", { headers: { "x-session-token": "a".repeat(64) } }),
      400,
    );
    expect(problem.errors?.map((error) => error.field)).toEqual(["header.x-company-id"]);
    await problemOf(
      await api("/api/public/wishlist", {
        headers: { "x-company-id": crypto.randomUUID(), "x-session-token": "b".repeat(64) },
      }),
      404,
    );
    await problemOf(
      await api("/api/public/wishlist", { headers: { "x-company-id": companyId, "x-session-token": "c".repeat(64) } }),
      404,
      "NOT_FOUND",
    );
  });
});

describe("GET /api/public/wishlist — security", () => {
  it("company A's session token with company B's id never shows A's wishlist", async () => {
    const company = await createCompany();
    const guest = await newGuest(company);
    await addToWishlist(guest, { productId: await seedProduct(company.companyId) });
    const other = await createCompany();
    const headers = { "x-company-id": other.companyId, "x-session-token": guest.sessionToken as string };
    await problemOf(await api("/api/public/wishlist", { headers }), 404, "NOT_FOUND");
    await problemOf(
      await send({ headers }, "POST", "/api/public/wishlist/items", { productId: await seedProduct(other.companyId) }),
      404,
      "NOT_FOUND",
    );
  });

  it("a customer JWT on the public route does not stand in for the session token", async () => {
    const company = await createCompany();
    const token = await customerToken(company.companyId, crypto.randomUUID());
    const problem = await problemOf(
      await api("/api/public/wishlist", { headers: { ...bearer(token), "x-company-id": company.companyId } }),
      400,
    );
    expect(problem.errors?.[0]?.field).toBe("header.x-session-token");
  });
});
