// Wishlist items: POST /items, PATCH /items/:itemId, DELETE /items/:itemId — for customers
// (/api/wishlist/...) and anonymous sessions (/api/public/wishlist/...).
import { describe, expect, it } from "vitest";
import { api, problemOf } from "../../support/app";
import { createCompany, seedProduct, seedProducts, seedVariant } from "../../support/catalog";
import { addToWishlist, MISSING_ID, readWishlist, type Wishlist, wishlistOf } from "../../support/lists";
import { newGuest, newShopper, type Shopper, send, VARIANTS } from "../../support/sessions";

const patch = (shopper: Shopper, itemId: string, body: unknown) =>
  send(shopper, "PATCH", shopper.path("wishlist", `/items/${itemId}`), body);
const remove = (shopper: Shopper, itemId: string) =>
  send(shopper, "DELETE", shopper.path("wishlist", `/items/${itemId}`));

/** Asserts nothing changed: same version, same items. */
async function expectUnchanged(shopper: Shopper, before: Wishlist) {
  const after = await readWishlist(shopper);
  expect(after.version).toBe(before.version);
  expect(after.items).toEqual(before.items);
}

const productIds = (wishlist: Wishlist) => wishlist.items.map((item) => item.productId);

describe.each(VARIANTS)("POST wishlist items (%s) — happy", (variant) => {
  it("201 adds the product with its catalog name and price, the site, and a version bump", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const productId = await seedProduct(company.companyId, { name: "Lamp", price: 4990 });
    const before = await readWishlist(shopper);
    const wishlist = await addToWishlist(shopper, { productId, priority: 3, note: "for the desk" });
    expect(wishlist.version).toBeGreaterThan(before.version);
    expect(wishlist).toMatchObject({ id: before.id, companyId: company.companyId, itemCount: 1, shared: false });
    expect(wishlist.items).toEqual([
      expect.objectContaining({
        productId,
        variantId: null,
        priority: 3,
        note: "for the desk",
        siteId: company.siteIds[0],
        product: {
          name: "Lamp",
          sku: `SKU-${productId}`,
          price: 4990,
          currency: "USD",
          imageUrl: null,
          available: true,
        },
      }),
    ]);
  });

  it("adding the same product again updates priority/note (200), never a second item", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const productId = await seedProduct(company.companyId);
    const first = await addToWishlist(shopper, { productId, priority: 1, note: "maybe" });
    const again = await addToWishlist(shopper, { productId, priority: 9 }, 200);
    expect(again.items).toHaveLength(1);
    expect(again.items[0]).toMatchObject({ id: first.items[0]?.id, priority: 9, note: "maybe" });
    expect(again.version).toBeGreaterThan(first.version);
  });

  it("keys items by product+variant: each variant is its own item, the same variant is one", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const productId = await seedProduct(company.companyId, { name: "Shirt", price: 2000 });
    const large = await seedVariant(company.companyId, productId, { name: "Large", price: 2400 });
    await addToWishlist(shopper, { productId });
    await addToWishlist(shopper, { productId, variantId: large });
    const wishlist = await addToWishlist(shopper, { productId, variantId: large, note: "L" }, 200);
    expect(
      wishlist.items.map(({ variantId, note, product }) => ({
        variantId,
        note,
        name: product?.name,
        price: product?.price,
      })),
    ).toEqual([
      { variantId: null, note: null, name: "Shirt", price: 2000 },
      { variantId: large, note: "L", name: "Shirt – Large", price: 2400 },
    ]);
  });

  it("lists by priority (higher first), ties in the order they were added", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [a, b, c, d] = (await seedProducts(company.companyId, [{}, {}, {}, {}])) as [string, string, string, string];
    for (const [productId, priority] of [
      [a, 1],
      [b, 5],
      [c, 1],
      [d, 0],
    ] as const) {
      await addToWishlist(shopper, { productId, priority });
    }
    expect(productIds(await readWishlist(shopper))).toEqual([b, a, c, d]);
  });
});

describe.each(VARIANTS)("POST wishlist items (%s) — errors", (variant) => {
  it("400 naming the fields for a bad body (productId not a UUID, priority out of range, note too long)", async () => {
    const shopper = await newShopper(variant, await createCompany());
    const before = await readWishlist(shopper);
    const problem = await problemOf(
      await send(shopper, "POST", shopper.path("wishlist", "/items"), {
        productId: "p-1",
        priority: 101,
        note: "x".repeat(501),
      }),
      400,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.map((error) => error.field).sort()).toEqual([
      "body.note",
      "body.priority",
      "body.productId",
    ]);
    await problemOf(
      await send(shopper, "POST", shopper.path("wishlist", "/items"), { productId: MISSING_ID, priority: 1.5 }),
      400,
    );
    await problemOf(
      await send(shopper, "POST", shopper.path("wishlist", "/items"), { productId: MISSING_ID, priority: -1 }),
      400,
    );
    await expectUnchanged(shopper, before);
  });

  it("400 for malformed JSON or a missing body, never a 5xx", async () => {
    const shopper = await newShopper(variant, await createCompany());
    const malformed = await api(shopper.path("wishlist", "/items"), {
      method: "POST",
      headers: { ...shopper.headers, "content-type": "application/json" },
      body: "{not json",
    });
    await problemOf(malformed, 400, "VALIDATION_FAILED");
    await problemOf(await send(shopper, "POST", shopper.path("wishlist", "/items")), 400);
  });

  it("404 for an unknown product or a variant of another product; 422 for an inactive product", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [productId, otherId, inactiveId] = await seedProducts(company.companyId, [{}, {}, { active: false }]);
    const otherVariant = await seedVariant(company.companyId, otherId as string);
    const before = await readWishlist(shopper);
    await problemOf(
      await send(shopper, "POST", shopper.path("wishlist", "/items"), { productId: MISSING_ID }),
      404,
      "NOT_FOUND",
    );
    await problemOf(
      await send(shopper, "POST", shopper.path("wishlist", "/items"), { productId, variantId: otherVariant }),
      404,
      "NOT_FOUND",
    );
    await problemOf(
      await send(shopper, "POST", shopper.path("wishlist", "/items"), { productId: inactiveId }),
      422,
      "PRODUCT_UNAVAILABLE",
    );
    await expectUnchanged(shopper, before);
  });
});

describe.each(VARIANTS)("POST wishlist items (%s) — security", (variant) => {
  it("another company's product is a 404 (as if missing) and changes nothing", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const shopper = await newShopper(variant, company);
    const foreign = await seedProduct(other.companyId, { name: "Not yours" });
    await addToWishlist(shopper, { productId: await seedProduct(company.companyId) });
    const before = await readWishlist(shopper);
    const problem = await problemOf(
      await send(shopper, "POST", shopper.path("wishlist", "/items"), { productId: foreign }),
      404,
    );
    const missing = await problemOf(
      await send(shopper, "POST", shopper.path("wishlist", "/items"), { productId: MISSING_ID }),
      404,
    );
    expect(problem.detail).toBe(missing.detail);
    await expectUnchanged(shopper, before);
  });
});

describe.each(VARIANTS)("PATCH wishlist items (%s)", (variant) => {
  it("happy: changes priority and note, the list reorders at once", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [a, b] = await seedProducts(company.companyId, [{}, {}]);
    await addToWishlist(shopper, { productId: a as string, priority: 5 });
    const added = await addToWishlist(shopper, { productId: b as string, priority: 1, note: "old" });
    const itemB = added.items.find((item) => item.productId === b);
    const changed = await wishlistOf(await patch(shopper, itemB?.id as string, { priority: 10, note: "new" }), 200);
    expect(productIds(changed)).toEqual([b, a]);
    expect(changed.items[0]).toMatchObject({ id: itemB?.id, priority: 10, note: "new", addedAt: itemB?.addedAt });
    expect(changed.version).toBeGreaterThan(added.version);
    const noteOnly = await wishlistOf(await patch(shopper, itemB?.id as string, { note: null }), 200);
    expect(noteOnly.items[0]).toMatchObject({ priority: 10, note: null });
  });

  it("errors: 400 for an empty body, a bad priority or a non-UUID id; 404 for an unknown item", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const wishlist = await addToWishlist(shopper, { productId: await seedProduct(company.companyId) });
    const itemId = wishlist.items[0]?.id as string;
    await problemOf(await patch(shopper, itemId, {}), 400, "VALIDATION_FAILED");
    const bad = await problemOf(await patch(shopper, itemId, { priority: 1000 }), 400);
    expect(bad.errors?.map((error) => error.field)).toEqual(["body.priority"]);
    const badId = await problemOf(await patch(shopper, "item-1", { priority: 1 }), 400);
    expect(badId.errors?.map((error) => error.field)).toEqual(["param.itemId"]);
    await problemOf(await patch(shopper, MISSING_ID, { priority: 1 }), 404, "NOT_FOUND");
    await expectUnchanged(shopper, wishlist);
  });

  it("security: another shopper's item id is a 404 and leaves both wishlists alone", async () => {
    const company = await createCompany();
    const owner = await newShopper(variant, company);
    const intruder = await newGuest(company);
    const wishlist = await addToWishlist(owner, { productId: await seedProduct(company.companyId), priority: 2 });
    await problemOf(await patch(intruder, wishlist.items[0]?.id as string, { priority: 99 }), 404, "NOT_FOUND");
    await expectUnchanged(owner, wishlist);
  });
});

describe.each(VARIANTS)("DELETE wishlist items (%s)", (variant) => {
  it("happy: removes exactly the item (200) with a version bump", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [a, b] = await seedProducts(company.companyId, [{}, {}]);
    await addToWishlist(shopper, { productId: a as string });
    const added = await addToWishlist(shopper, { productId: b as string });
    const itemA = added.items.find((item) => item.productId === a);
    const after = await wishlistOf(await remove(shopper, itemA?.id as string), 200);
    expect(productIds(after)).toEqual([b]);
    expect(after.itemCount).toBe(1);
    expect(after.version).toBeGreaterThan(added.version);
  });

  it("errors: 404 for an unknown or already removed item, 400 for a non-UUID id", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const added = await addToWishlist(shopper, { productId: await seedProduct(company.companyId) });
    const itemId = added.items[0]?.id as string;
    await wishlistOf(await remove(shopper, itemId), 200);
    const after = await readWishlist(shopper);
    await problemOf(await remove(shopper, itemId), 404, "NOT_FOUND");
    await problemOf(await remove(shopper, MISSING_ID), 404, "NOT_FOUND");
    await problemOf(await remove(shopper, "not-a-uuid"), 400, "VALIDATION_FAILED");
    await expectUnchanged(shopper, after);
  });

  it("security: another shopper's item id is a 404 and their item stays", async () => {
    const company = await createCompany();
    const owner = await newShopper(variant, company);
    const intruder = await newShopper(variant, company);
    const wishlist = await addToWishlist(owner, { productId: await seedProduct(company.companyId) });
    await problemOf(await remove(intruder, wishlist.items[0]?.id as string), 404, "NOT_FOUND");
    await expectUnchanged(owner, wishlist);
  });
});
