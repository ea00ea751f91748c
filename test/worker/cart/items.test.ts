// Cart lines: POST/PATCH/DELETE items, save for later, restore, delete saved — for the
// customer routes (/api/cart/...) and the public ones (/api/public/cart/{id}/...).
import { describe, expect, it } from "vitest";
import { bearer, problemOf, signToken } from "../../support/app";
import { addItem, cartOf, readCart } from "../../support/cart";
import { createCompany, seedProduct, seedVariant } from "../../support/catalog";
import { newGuest, newShopper, type Shopper, send, VARIANTS } from "../../support/sessions";

const MISSING = "00000000-0000-4000-8000-000000000000";

/** Asserts nothing changed: same version, same lines. */
async function expectUnchanged(shopper: Shopper, before: { version: number; items: unknown[] }) {
  const after = await readCart(shopper);
  expect(after.version).toBe(before.version);
  expect(after.items).toEqual(before.items);
}

describe.each(VARIANTS)("cart items (%s) — happy", (variant) => {
  it("POST items adds a product line (201), with totals, site and a version bump", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId, { price: 1250, name: "Mug" });
    const cart = await addItem(shopper, productId, 3);
    expect(cart.version).toBe(shopper.version + 1);
    expect(cart.items).toEqual([
      expect.objectContaining({
        productId,
        variantId: null,
        name: "Mug",
        quantity: 3,
        unitPrice: 1250,
        lineTotal: 3750,
        bundleGroupId: null,
        siteId: shopper.siteIds[0],
        unavailable: false,
      }),
    ]);
    expect(cart.totals).toEqual({
      subtotal: 3750,
      discountTotal: 0,
      taxTotal: 0,
      shippingTotal: 0,
      grandTotal: 3750,
      itemCount: 3,
    });
  });

  it("quantity defaults to 1 and the line remembers the site it was added on", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const cart = await cartOf(
      await send(shopper, "POST", shopper.cartPath("/items"), { productId }, { "x-site-id": shopper.siteIds[1] }),
      201,
    );
    expect(cart.items[0]).toMatchObject({ quantity: 1, siteId: shopper.siteIds[1] });
  });

  it("adds a variant at the variant's price (or the product's when it has none)", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId, { price: 2000, name: "Shirt" });
    const large = await seedVariant(shopper.companyId, productId, { price: 2400, name: "Large" });
    const small = await seedVariant(shopper.companyId, productId, { price: null, name: "Small" });
    await addItem(shopper, productId, 1, large);
    const cart = await addItem(shopper, productId, 2, small);
    expect(
      cart.items.map(({ variantId, unitPrice, lineTotal, name }) => ({ variantId, unitPrice, lineTotal, name })),
    ).toEqual([
      { variantId: large, unitPrice: 2400, lineTotal: 2400, name: "Shirt – Large" },
      { variantId: small, unitPrice: 2000, lineTotal: 4000, name: "Shirt – Small" },
    ]);
    expect(cart.totals.subtotal).toBe(6400);
  });

  it("the same product+variant twice grows one line; the bare product is its own line", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const variantId = await seedVariant(shopper.companyId, productId);
    const first = await addItem(shopper, productId, 2, variantId);
    const second = await addItem(shopper, productId, 3, variantId);
    expect(second.items).toHaveLength(1);
    expect(second.items[0]).toMatchObject({ id: first.items[0]?.id, quantity: 5 });
    const third = await addItem(shopper, productId, 1);
    expect(third.items).toHaveLength(2);
    expect(third.totals.itemCount).toBe(6);
  });

  it("PATCH items/{id} sets the quantity (200)", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId, { price: 500 });
    const added = await addItem(shopper, productId, 1);
    const itemId = added.items[0]?.id as string;
    const cart = await cartOf(await send(shopper, "PATCH", shopper.cartPath(`/items/${itemId}`), { quantity: 7 }), 200);
    expect(cart.items[0]).toMatchObject({ id: itemId, quantity: 7, lineTotal: 3500 });
    expect(cart.version).toBe(added.version + 1);
  });

  it("DELETE items/{id} removes the line (200)", async () => {
    const shopper = await newShopper(variant);
    const [a, b] = [await seedProduct(shopper.companyId), await seedProduct(shopper.companyId)];
    await addItem(shopper, a);
    const added = await addItem(shopper, b, 2);
    const itemId = added.items[0]?.id as string;
    const cart = await cartOf(await send(shopper, "DELETE", shopper.cartPath(`/items/${itemId}`)), 200);
    expect(cart.items.map((item) => item.productId)).toEqual([b]);
    expect(cart.totals.itemCount).toBe(2);
  });

  it("save → restore → delete saved moves a line out of the cart and back", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId, { price: 900 });
    const added = await addItem(shopper, productId, 2);
    const itemId = added.items[0]?.id as string;

    const saved = await cartOf(await send(shopper, "POST", shopper.cartPath(`/items/${itemId}/save`)), 200);
    expect(saved.items).toEqual([]);
    expect(saved.savedItems).toEqual([expect.objectContaining({ id: itemId, productId, quantity: 2, unitPrice: 900 })]);
    expect(saved.totals.subtotal).toBe(0);

    const restored = await cartOf(await send(shopper, "POST", shopper.cartPath(`/saved/${itemId}/restore`)), 200);
    expect(restored.savedItems).toEqual([]);
    expect(restored.items).toEqual([expect.objectContaining({ productId, quantity: 2, lineTotal: 1800 })]);

    const restoredId = restored.items[0]?.id as string;
    await cartOf(await send(shopper, "POST", shopper.cartPath(`/items/${restoredId}/save`)), 200);
    const deleted = await cartOf(await send(shopper, "DELETE", shopper.cartPath(`/saved/${restoredId}`)), 200);
    expect(deleted.savedItems).toEqual([]);
    expect(deleted.items).toEqual([]);
    expect(deleted.version).toBe(added.version + 4);
  });
});

describe.each(VARIANTS)("cart items (%s) — errors", (variant) => {
  for (const quantity of [0, 1000, 1.5, -1, "2"]) {
    it(`POST items with quantity ${JSON.stringify(quantity)} → 400 naming body.quantity`, async () => {
      const shopper = await newShopper(variant);
      const productId = await seedProduct(shopper.companyId);
      const problem = await problemOf(
        await send(shopper, "POST", shopper.cartPath("/items"), { productId, quantity }),
        400,
        "VALIDATION_FAILED",
      );
      expect(problem.errors?.map((error) => error.field)).toEqual(["body.quantity"]);
    });
  }

  for (const quantity of [0, 1000, 1.5]) {
    it(`PATCH items with quantity ${quantity} → 400 naming body.quantity, nothing changed`, async () => {
      const shopper = await newShopper(variant);
      const before = await addItem(shopper, await seedProduct(shopper.companyId), 2);
      const problem = await problemOf(
        await send(shopper, "PATCH", shopper.cartPath(`/items/${before.items[0]?.id}`), { quantity }),
        400,
      );
      expect(problem.errors?.map((error) => error.field)).toEqual(["body.quantity"]);
      await expectUnchanged(shopper, before);
    });
  }

  it("400 naming body.productId when it is not a UUID, and for a missing body", async () => {
    const shopper = await newShopper(variant);
    const problem = await problemOf(await send(shopper, "POST", shopper.cartPath("/items"), { productId: "42" }), 400);
    expect(problem.errors?.map((error) => error.field)).toEqual(["body.productId"]);
    await problemOf(await send(shopper, "POST", shopper.cartPath("/items")), 400, "VALIDATION_FAILED");
  });

  it("404 for a product the catalog does not have, and for an unknown variant", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const before = await readCart(shopper);
    await problemOf(await send(shopper, "POST", shopper.cartPath("/items"), { productId: MISSING }), 404, "NOT_FOUND");
    await problemOf(
      await send(shopper, "POST", shopper.cartPath("/items"), { productId, variantId: MISSING }),
      404,
      "NOT_FOUND",
    );
    await expectUnchanged(shopper, before);
  });

  it("422 CART_LIMIT when adding up goes past 999 on one line", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const before = await addItem(shopper, productId, 998);
    await problemOf(
      await send(shopper, "POST", shopper.cartPath("/items"), { productId, quantity: 2 }),
      422,
      "CART_LIMIT",
    );
    await expectUnchanged(shopper, before);
  });

  it("404 for unknown item and saved ids; 400 for ids that are not UUIDs", async () => {
    const shopper = await newShopper(variant);
    await addItem(shopper, await seedProduct(shopper.companyId));
    const before = await readCart(shopper);
    await problemOf(await send(shopper, "PATCH", shopper.cartPath(`/items/${MISSING}`), { quantity: 2 }), 404);
    await problemOf(await send(shopper, "DELETE", shopper.cartPath(`/items/${MISSING}`)), 404);
    await problemOf(await send(shopper, "POST", shopper.cartPath(`/items/${MISSING}/save`)), 404);
    await problemOf(await send(shopper, "POST", shopper.cartPath(`/saved/${MISSING}/restore`)), 404);
    await problemOf(await send(shopper, "DELETE", shopper.cartPath(`/saved/${MISSING}`)), 404);
    const problem = await problemOf(await send(shopper, "DELETE", shopper.cartPath("/items/line-1")), 400);
    expect(problem.errors?.map((error) => error.field)).toEqual(["param.itemId"]);
    await expectUnchanged(shopper, before);
  });
});

describe("cart items — security", () => {
  it("public: another company's cart id in the path → 404, nothing changed", async () => {
    const mine = await newGuest();
    const theirs = await newGuest();
    const productId = await seedProduct(mine.companyId);
    const response = await send(mine, "POST", `/api/public/cart/${theirs.cartId}/items`, { productId });
    await problemOf(response, 404, "NOT_FOUND");
    expect((await readCart(mine)).version).toBe(mine.version);
    expect((await readCart(theirs)).version).toBe(theirs.version);
  });

  it("public: company A's token and cart id sent with company B's id → 404, A's cart untouched", async () => {
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    const before = await addItem(guest, productId);
    const other = await createCompany();
    const crossed = { headers: { ...guest.headers, "x-company-id": other.companyId } };
    await problemOf(await send(crossed, "POST", guest.cartPath("/items"), { productId }), 404, "NOT_FOUND");
    await problemOf(await send(crossed, "DELETE", guest.cartPath(`/items/${before.items[0]?.id}`)), 404, "NOT_FOUND");
    expect(await readCart(guest)).toEqual(before);
  });

  it("public: a cart id of another session of the same company → 404, nothing changed", async () => {
    const company = await createCompany();
    const mine = await newGuest(company);
    const theirs = await newGuest(company);
    const productId = await seedProduct(company.companyId);
    const added = await addItem(theirs, productId);
    const itemId = added.items[0]?.id as string;
    await problemOf(await send(mine, "POST", `/api/public/cart/${theirs.cartId}/items`, { productId }), 404);
    await problemOf(await send(mine, "DELETE", `/api/public/cart/${theirs.cartId}/items/${itemId}`), 404);
    // Their item id under my own cart id is simply not one of my lines.
    await problemOf(await send(mine, "DELETE", mine.cartPath(`/items/${itemId}`)), 404);
    expect((await readCart(theirs)).items).toHaveLength(1);
  });

  it("public: a malformed cart id is a 400, a malformed token a 400", async () => {
    const guest = await newGuest();
    const problem = await problemOf(await send(guest, "POST", "/api/public/cart/not-a-uuid/items", {}), 400);
    expect(problem.errors?.map((error) => error.field)).toContain("param.id");
    const badToken = { headers: { ...guest.headers, "x-session-token": "xyz" } };
    await problemOf(await send(badToken, "POST", guest.cartPath("/items"), { productId: MISSING }), 400);
  });

  it("customer: another customer's item id is a 404 and their cart is untouched", async () => {
    const company = await createCompany();
    const alice = await newShopper("customer", company);
    const bob = await newShopper("customer", company);
    const added = await addItem(bob, await seedProduct(company.companyId), 2);
    await problemOf(await send(alice, "PATCH", `/api/cart/items/${added.items[0]?.id}`, { quantity: 9 }), 404);
    await problemOf(await send(alice, "DELETE", `/api/cart/items/${added.items[0]?.id}`), 404);
    expect((await readCart(bob)).items[0]?.quantity).toBe(2);
  });

  it("customer: admin and service JWTs are refused on mutations (403)", async () => {
    const customer = await newShopper("customer");
    const productId = await seedProduct(customer.companyId);
    for (const role of ["admin", "service"]) {
      const headers = bearer(await signToken({ companyId: customer.companyId, role }));
      await problemOf(await send({ headers }, "POST", "/api/cart/items", { productId }), 403, "FORBIDDEN");
    }
  });

  it("a product of another company → 404 (indistinguishable from a missing one), nothing changed", async () => {
    for (const variant of VARIANTS) {
      const shopper = await newShopper(variant);
      const other = await createCompany();
      const foreign = await seedProduct(other.companyId);
      const before = await readCart(shopper);
      await problemOf(
        await send(shopper, "POST", shopper.cartPath("/items"), { productId: foreign }),
        404,
        "NOT_FOUND",
      );
      await expectUnchanged(shopper, before);
    }
  });
});
