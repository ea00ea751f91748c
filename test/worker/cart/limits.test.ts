// What the catalog, the site and the limits refuse: unavailable and foreign products, another
// currency, the line cap, a site without the cart, oversized bodies. A refusal changes nothing.
import { describe, expect, it } from "vitest";
import { api, bearer, customerToken, problemOf } from "../../support/app";
import { addItem, readCart } from "../../support/cart";
import { createCompany, seedManyProducts, seedProduct, seedVariant } from "../../support/catalog";
import { newShopper, send, VARIANTS } from "../../support/sessions";

describe.each(VARIANTS)("catalog refusals (%s)", (variant) => {
  it("an inactive product → 422 PRODUCT_UNAVAILABLE, nothing changed", async () => {
    const shopper = await newShopper(variant);
    const before = await addItem(shopper, await seedProduct(shopper.companyId));
    const inactive = await seedProduct(shopper.companyId, { active: false });
    await problemOf(
      await send(shopper, "POST", shopper.cartPath("/items"), { productId: inactive }),
      422,
      "PRODUCT_UNAVAILABLE",
    );
    const after = await readCart(shopper);
    expect(after.version).toBe(before.version);
    expect(after.items).toEqual(before.items);
  });

  it("an inactive variant of an active product → 422 PRODUCT_UNAVAILABLE", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const variantId = await seedVariant(shopper.companyId, productId, { active: false });
    await problemOf(
      await send(shopper, "POST", shopper.cartPath("/items"), { productId, variantId }),
      422,
      "PRODUCT_UNAVAILABLE",
    );
    expect((await readCart(shopper)).version).toBe(shopper.version);
  });

  it("a product priced in another currency → 422 CURRENCY_MISMATCH, nothing changed", async () => {
    const shopper = await newShopper(variant);
    const euro = await seedProduct(shopper.companyId, { currency: "EUR" });
    await problemOf(
      await send(shopper, "POST", shopper.cartPath("/items"), { productId: euro }),
      422,
      "CURRENCY_MISMATCH",
    );
    expect((await readCart(shopper)).version).toBe(shopper.version);
  });
});

describe("cart limits", () => {
  it("the 251st line → 422 CART_LIMIT; the cart keeps its 250 lines", { timeout: 60_000 }, async () => {
    const shopper = await newShopper("public");
    const productIds = await seedManyProducts(shopper.companyId, 251);
    // In parallel batches: the session serializes them anyway.
    for (let start = 0; start < 250; start += 25) {
      const batch = productIds.slice(start, start + 25);
      const responses = await Promise.all(
        batch.map((productId) => send(shopper, "POST", shopper.cartPath("/items"), { productId })),
      );
      expect(responses.map((response) => response.status)).toEqual(batch.map(() => 201));
    }
    const full = await readCart(shopper);
    expect(full.items).toHaveLength(250);
    expect(full.version).toBe(shopper.version + 250);
    await problemOf(
      await send(shopper, "POST", shopper.cartPath("/items"), { productId: productIds[250] }),
      422,
      "CART_LIMIT",
    );
    // An existing line still grows: the cap is on lines, not on adds.
    const grown = await addItem(shopper, productIds[0] as string, 2);
    expect(grown.items).toHaveLength(250);
    expect(grown.items.every((item) => !item.unavailable)).toBe(true);
  });
});

describe("a site with the cart switched off", () => {
  it("public: every cart route → 403 FEATURE_DISABLED, creating one too", async () => {
    const company = await createCompany({ enableCart: false });
    const headers = { "x-company-id": company.companyId };
    await problemOf(
      await api("/api/public/cart", {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ currency: "USD" }),
      }),
      403,
      "FEATURE_DISABLED",
    );
    const token = "f".repeat(64);
    await problemOf(
      await api("/api/public/cart", { headers: { ...headers, "x-session-token": token } }),
      403,
      "FEATURE_DISABLED",
    );
    await problemOf(
      await send(
        { headers: { ...headers, "x-session-token": token } },
        "POST",
        `/api/public/cart/${crypto.randomUUID()}/items`,
        { productId: crypto.randomUUID() },
      ),
      403,
      "FEATURE_DISABLED",
    );
  });

  it("a session from the company's other site cannot use the cart on the disabled site", async () => {
    const company = await createCompany({ enableCart: false });
    // The default site has no cart, so the session starts on the other site.
    const created = await api("/api/public/cart", {
      method: "POST",
      headers: {
        "x-company-id": company.companyId,
        "x-site-id": company.siteIds[1],
        "content-type": "application/json",
      },
      body: "{}",
    });
    expect(created.status).toBe(201);
    const { sessionToken } = (await created.json()) as { sessionToken: string };
    await problemOf(
      await api("/api/public/cart", {
        headers: { "x-company-id": company.companyId, "x-session-token": sessionToken },
      }),
      403,
      "FEATURE_DISABLED",
    );
  });

  it("customer: GET and POST /api/cart → 403 FEATURE_DISABLED", async () => {
    const company = await createCompany({ enableCart: false });
    const headers = bearer(await customerToken(company.companyId, crypto.randomUUID()));
    await problemOf(await api("/api/cart", { headers }), 403, "FEATURE_DISABLED");
    await problemOf(
      await send({ headers }, "POST", "/api/cart/items", { productId: crypto.randomUUID() }),
      403,
      "FEATURE_DISABLED",
    );
    // The same customer on the site that has the cart is served.
    expect((await api("/api/cart", { headers: { ...headers, "x-site-id": company.siteIds[1] } })).status).toBe(200);
  });
});

describe("request size", () => {
  it("a body over 64 KiB → 413 PAYLOAD_TOO_LARGE, nothing changed", async () => {
    for (const variant of VARIANTS) {
      const shopper = await newShopper(variant);
      const productId = await seedProduct(shopper.companyId);
      const body = JSON.stringify({ productId, quantity: 1, padding: "x".repeat(64 * 1024) });
      const response = await api(shopper.cartPath("/items"), {
        method: "POST",
        headers: { ...shopper.headers, "content-type": "application/json" },
        body,
      });
      await problemOf(response, 413, "PAYLOAD_TOO_LARGE");
      expect((await readCart(shopper)).version).toBe(shopper.version);
    }
  });

  it("a body over 64 KiB without Content-Length (streamed) → 413 too", async () => {
    const shopper = await newShopper("public");
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await api(shopper.cartPath("/items"), {
      method: "POST",
      headers: { ...shopper.headers, "content-type": "application/json" },
      body: stream,
      // @ts-expect-error -- undici/workerd option for streamed request bodies
      duplex: "half",
    });
    await problemOf(response, 413, "PAYLOAD_TOO_LARGE");
  });
});
