// Finding 9 (the audit's 10th): a body is read only as JSON. A form post or text/plain body
// used to be read as `{}`, so a cross-site <form> (which cannot send application/json without
// a CORS preflight) could make a change with every field defaulted.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { products } from "../../../src/db/schema";
import { api, bearer, problemOf, tokenFor } from "../../support/app";
import { readCart } from "../../support/cart";
import { createCompany, seedProducts } from "../../support/catalog";
import { withDatabase } from "../../support/db";
import { newGuest, newShopper, VARIANTS, type Variant } from "../../support/sessions";

const refused = [
  ["text/plain", "text/plain"],
  ["form", "application/x-www-form-urlencoded"],
  ["multipart", "multipart/form-data; boundary=x"],
  ["a JSON look-alike", "application/json-patch+json"],
  ["text/json", "text/json"],
] as const;

/** A shopper of a fresh company, and a cart add of its product sent with this Content-Type (none: no header). */
async function addWithType(variant: Variant, type: string | undefined) {
  const company = await createCompany();
  const [productId] = await seedProducts(company.companyId, [{}]);
  const shopper = await newShopper(variant, company);
  const response = await api(shopper.cartPath("/items"), {
    method: "POST",
    headers: { ...shopper.headers, ...(type === undefined ? {} : { "content-type": type }) },
    // Bytes, so that fetch adds no Content-Type of its own.
    body: new TextEncoder().encode(JSON.stringify({ productId, quantity: 2 })),
  });
  return { shopper, response };
}

describe.each(VARIANTS)("%s shopper", (variant) => {
  for (const [name, type] of refused) {
    it(`a body sent as ${name} is a 415 UNSUPPORTED_MEDIA_TYPE and changes nothing`, async () => {
      const { shopper, response } = await addWithType(variant, type);
      const problem = await problemOf(response, 415, "UNSUPPORTED_MEDIA_TYPE");
      expect(problem.detail).toMatch(/application\/json/);
      expect((await readCart(shopper)).items).toEqual([]);
    });
  }

  it("a body without any content type is a 415", async () => {
    const { shopper, response } = await addWithType(variant, undefined);
    await problemOf(response, 415, "UNSUPPORTED_MEDIA_TYPE");
    expect((await readCart(shopper)).items).toEqual([]);
  });

  for (const type of ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"]) {
    it(`accepts ${type}`, async () => {
      const { response } = await addWithType(variant, type);
      expect(response.status, await response.text()).toBe(201);
    });
  }

  it("a bodiless DELETE works with or without a content type", async () => {
    const company = await createCompany();
    const [productId] = await seedProducts(company.companyId, [{}]);
    const shopper = await newShopper(variant, company);
    for (const headers of [{}, { "content-type": "text/plain" }] as Record<string, string>[]) {
      const added = await api(shopper.cartPath("/items"), {
        method: "POST",
        headers: { ...shopper.headers, "content-type": "application/json" },
        body: JSON.stringify({ productId }),
      });
      const cart = (await added.json()) as { items: { id: string }[] };
      const line = cart.items[0]?.id;
      const removed = await api(shopper.cartPath(`/items/${line}`), {
        method: "DELETE",
        headers: { ...shopper.headers, ...headers },
      });
      expect(removed.status, await removed.text()).toBe(200);
    }
  });
});

describe("bodiless POSTs", () => {
  it("a guest's session and cross-site ticket are made without a body or content type", async () => {
    const company = await createCompany();
    const created = await api("/api/public/session", {
      method: "POST",
      headers: { "x-company-id": company.companyId },
    });
    expect(created.status, await created.text()).toBe(201);
    const guest = await newGuest(company);
    const ticket = await api("/api/public/session/ticket", { method: "POST", headers: guest.headers });
    expect(ticket.status, await ticket.text()).toBeLessThan(300);
  });
});

describe("catalog feed", () => {
  it("a feed write sent as text/plain is a 415 and writes nothing", async () => {
    const { companyId } = await createCompany();
    const token = await tokenFor(companyId);
    const product = { id: crypto.randomUUID(), sku: "CT-1", name: "Kettle", price: 1000, currency: "USD" };
    const response = await api("/api/catalog/products", {
      method: "PUT",
      headers: { ...bearer(token), "content-type": "text/plain" },
      body: JSON.stringify({ products: [product] }),
    });
    await problemOf(response, 415, "UNSUPPORTED_MEDIA_TYPE");
    const written = await withDatabase((db) => db.select().from(products).where(eq(products.id, product.id)));
    expect(written).toEqual([]);
  });
});
