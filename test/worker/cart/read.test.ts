// GET /api/cart, GET /api/public/cart and POST /api/public/cart: happy, error, security.
import { describe, expect, it } from "vitest";
import { CartSchema, CreatedCartSchema } from "../../../src/modules/cart/schema";
import { api, bearer, customerToken, problemOf, signToken } from "../../support/app";
import { addItem, cartOf, readCart } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { newCustomer, newGuest, send } from "../../support/sessions";

const createPublicCart = (headers: Record<string, string>, body: unknown = { currency: "USD" }) =>
  api("/api/public/cart", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("GET /api/cart — happy", () => {
  it("creates the customer's empty cart on first read and returns the same cart afterwards", async () => {
    const company = await createCompany();
    const customerId = crypto.randomUUID();
    const headers = bearer(await customerToken(company.companyId, customerId));
    const first = await cartOf(await api("/api/cart", { headers }), 200);
    expect(first).toMatchObject({
      companyId: company.companyId,
      customerId,
      siteId: company.siteIds[0],
      status: "ACTIVE",
      currency: "USD",
      items: [],
      savedItems: [],
      discounts: [],
      orderId: null,
      totals: { subtotal: 0, discountTotal: 0, taxTotal: 0, shippingTotal: 0, grandTotal: 0, itemCount: 0 },
    });
    const again = await cartOf(await api("/api/cart", { headers }), 200);
    expect(again).toEqual(first);
  });

  it("is the same cart on every site of the company (x-site-id)", async () => {
    const customer = await newCustomer();
    const productId = await seedProduct(customer.companyId);
    const added = await cartOf(
      await send(customer, "POST", "/api/cart/items", { productId }, { "x-site-id": customer.siteIds[1] }),
      201,
    );
    expect(added.items[0]?.siteId).toBe(customer.siteIds[1]);
    const onSiteA = await cartOf(
      await send(customer, "GET", "/api/cart", undefined, { "x-site-id": customer.siteIds[0] }),
      200,
    );
    expect(onSiteA.id).toBe(customer.cartId);
    expect(onSiteA.items).toHaveLength(1);
  });
});

describe("GET /api/cart — errors", () => {
  it("401 without a token (never 404)", async () => {
    await problemOf(await api("/api/cart"), 401, "UNAUTHORIZED");
  });

  it("401 with an expired token", async () => {
    const { companyId } = await createCompany();
    const token = await signToken({ companyId, role: "customer", customerId: crypto.randomUUID() }, { expiresIn: -10 });
    await problemOf(await api("/api/cart", { headers: bearer(token) }), 401, "UNAUTHORIZED");
  });

  it("400 naming header.x-site-id when it is not a UUID", async () => {
    const customer = await newCustomer();
    const problem = await problemOf(
      await send(customer, "GET", "/api/cart", undefined, { "x-site-id": "site-1" }),
      400,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.map((error) => error.field)).toEqual(["header.x-site-id"]);
  });

  it("404 for a site of another company", async () => {
    const customer = await newCustomer();
    const other = await createCompany();
    await problemOf(await send(customer, "GET", "/api/cart", undefined, { "x-site-id": other.siteIds[0] }), 404);
  });
});

describe("GET /api/cart — security", () => {
  for (const role of ["admin", "service"]) {
    it(`403 for an ${role} JWT`, async () => {
      const { companyId } = await createCompany();
      const token = await signToken({ companyId, role });
      await problemOf(await api("/api/cart", { headers: bearer(token) }), 403, "FORBIDDEN");
    });
  }

  it("a customer id in company B never reaches the same customer id's cart in company A", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const customerId = crypto.randomUUID();
    const inA = await newCustomer(a, customerId);
    await addItem(inA, await seedProduct(a.companyId));
    const inB = await newCustomer(b, customerId);
    const cartB = await readCart(inB);
    expect(cartB.id).not.toBe(inA.cartId);
    expect(cartB.companyId).toBe(b.companyId);
    expect(cartB.items).toEqual([]);
  });

  it("401 for a token signed with another secret", async () => {
    const { companyId } = await createCompany();
    const token = await signToken(
      { companyId, role: "customer", customerId: crypto.randomUUID() },
      { secret: "another-secret-that-is-at-least-32-bytes" },
    );
    await problemOf(await api("/api/cart", { headers: bearer(token) }), 401);
  });
});

describe("GET /api/public/cart — happy", () => {
  it("returns the session's cart", async () => {
    const guest = await newGuest();
    const cart = await readCart(guest);
    expect(cart).toMatchObject({ id: guest.cartId, version: guest.version, customerId: null, status: "ACTIVE" });
  });

  it("the same token on the company's other site sees the same cart", async () => {
    const guest = await newGuest();
    await addItem(guest, await seedProduct(guest.companyId));
    const onB = await cartOf(
      await send(guest, "GET", "/api/public/cart", undefined, { "x-site-id": guest.siteIds[1] }),
      200,
    );
    expect(onB.id).toBe(guest.cartId);
    expect(onB.items).toHaveLength(1);
  });
});

describe("GET /api/public/cart — errors", () => {
  it("400 naming header.x-session-token when the token is missing", async () => {
    const { companyId } = await createCompany();
    const problem = await problemOf(await api("/api/public/cart", { headers: { "x-company-id": companyId } }), 400);
    expect(problem.errors?.map((error) => error.field)).toEqual(["header.x-session-token"]);
  });

  it("400 for a malformed token, before any lookup", async () => {
    const { companyId } = await createCompany();
    const problem = await problemOf(
      await api("/api/public/cart", { headers: { "x-company-id": companyId, "x-session-token": "A".repeat(64) } }),
      400,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.map((error) => error.field)).toEqual(["header.x-session-token"]);
  });

  it("400 without x-company-id", async () => {
    const problem = await problemOf(
      await api("/api/public/cart", { headers: { "x-session-token": "a".repeat(64) } }),
      400,
    );
    expect(problem.errors?.map((error) => error.field)).toEqual(["header.x-company-id"]);
  });

  it("404 for a well-formed token that names no session", async () => {
    const { companyId } = await createCompany();
    await problemOf(
      await api("/api/public/cart", { headers: { "x-company-id": companyId, "x-session-token": "b".repeat(64) } }),
      404,
      "NOT_FOUND",
    );
  });

  it("404 for an unknown company", async () => {
    await problemOf(
      await api("/api/public/cart", {
        headers: { "x-company-id": crypto.randomUUID(), "x-session-token": "c".repeat(64) },
      }),
      404,
    );
  });
});

describe("GET /api/public/cart — security", () => {
  it("company A's token with company B's id never shows A's cart", async () => {
    const guest = await newGuest();
    await addItem(guest, await seedProduct(guest.companyId));
    const other = await createCompany();
    const response = await api("/api/public/cart", {
      headers: { "x-company-id": other.companyId, "x-session-token": guest.sessionToken as string },
    });
    await problemOf(response, 404, "NOT_FOUND");
  });

  it("a customer JWT does not open an anonymous session's cart", async () => {
    const guest = await newGuest();
    const token = await customerToken(guest.companyId, crypto.randomUUID());
    // Public routes ignore Authorization: without the session token there is no cart to show.
    const problem = await problemOf(
      await api("/api/public/cart", { headers: { ...bearer(token), "x-company-id": guest.companyId } }),
      400,
    );
    expect(problem.errors?.[0]?.field).toBe("header.x-session-token");
  });
});

describe("POST /api/public/cart — happy", () => {
  it("201 with a top-level id and a new sessionToken", async () => {
    const company = await createCompany();
    const response = await createPublicCart({ "x-company-id": company.companyId });
    expect(response.status).toBe(201);
    const created = CreatedCartSchema.parse(await response.json());
    expect(created.sessionToken).toMatch(/^[0-9a-f]{64}$/);
    expect(created).toMatchObject({
      companyId: company.companyId,
      siteId: company.siteIds[0],
      customerId: null,
      status: "ACTIVE",
      currency: "USD",
      items: [],
    });
    expect(response.headers.get("etag")).toBe(`"${created.version}"`);
  });

  it("creates the cart on the site named by x-site-id, and without a body currency", async () => {
    const company = await createCompany();
    const response = await createPublicCart({ "x-company-id": company.companyId, "x-site-id": company.siteIds[1] }, {});
    expect(response.status).toBe(201);
    expect(CreatedCartSchema.parse(await response.json())).toMatchObject({
      siteId: company.siteIds[1],
      currency: "USD",
    });
  });

  it("200 with the same cart (and no new token) when a valid session token is sent", async () => {
    const guest = await newGuest();
    const response = await createPublicCart(guest.headers);
    const cart = await cartOf(response, 200);
    expect(cart.id).toBe(guest.cartId);
    expect(CreatedCartSchema.parse(cart).sessionToken).toBeUndefined();
  });
});

describe("POST /api/public/cart — errors", () => {
  it("422 CURRENCY_MISMATCH for a currency the site does not sell in", async () => {
    const { companyId } = await createCompany();
    await problemOf(
      await createPublicCart({ "x-company-id": companyId }, { currency: "EUR" }),
      422,
      "CURRENCY_MISMATCH",
    );
  });

  it("400 naming body.currency when it is not an ISO code", async () => {
    const { companyId } = await createCompany();
    const problem = await problemOf(await createPublicCart({ "x-company-id": companyId }, { currency: "usd" }), 400);
    expect(problem.errors?.map((error) => error.field)).toEqual(["body.currency"]);
  });

  it("400 for a body that is not JSON", async () => {
    const { companyId } = await createCompany();
    const response = await api("/api/public/cart", {
      method: "POST",
      headers: { "x-company-id": companyId, "content-type": "application/json" },
      body: "{not json",
    });
    await problemOf(response, 400, "VALIDATION_FAILED");
  });

  it("404 for an unknown company", async () => {
    await problemOf(await createPublicCart({ "x-company-id": crypto.randomUUID() }), 404);
  });
});

describe("POST /api/public/cart — security", () => {
  it("company A's token with company B's id starts a fresh session in B (never A's cart)", async () => {
    const guest = await newGuest();
    await addItem(guest, await seedProduct(guest.companyId));
    const other = await createCompany();
    const response = await createPublicCart({
      "x-company-id": other.companyId,
      "x-session-token": guest.sessionToken as string,
    });
    expect(response.status).toBe(201);
    const created = CreatedCartSchema.parse(await response.json());
    expect(created.id).not.toBe(guest.cartId);
    expect(created).toMatchObject({ companyId: other.companyId, items: [] });
    expect(created.sessionToken).toMatch(/^[0-9a-f]{64}$/);
    expect(created.sessionToken).not.toBe(guest.sessionToken);
  });

  it("a token the server never issued is not adopted: a new server token is issued", async () => {
    const { companyId } = await createCompany();
    const chosen = "d".repeat(64);
    const response = await createPublicCart({ "x-company-id": companyId, "x-session-token": chosen });
    expect(response.status).toBe(201);
    const created = CreatedCartSchema.parse(await response.json());
    expect(created.sessionToken).toMatch(/^[0-9a-f]{64}$/);
    expect(created.sessionToken).not.toBe(chosen);
    // The chosen token still names no session.
    await problemOf(
      await api("/api/public/cart", { headers: { "x-company-id": companyId, "x-session-token": chosen } }),
      404,
    );
  });

  it("the response never echoes the token back in a header", async () => {
    const { companyId } = await createCompany();
    const response = await createPublicCart({ "x-company-id": companyId });
    const created = CartSchema.extend({ sessionToken: CreatedCartSchema.shape.sessionToken }).parse(
      await response.json(),
    );
    for (const [, value] of response.headers) expect(value).not.toContain(created.sessionToken);
  });
});
