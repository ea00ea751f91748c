// A wishlist holds at most 500 items: the 501st is 422 WISHLIST_LIMIT and changes nothing.
import { describe, expect, it } from "vitest";
import { loadProducts } from "../../../src/catalog/products";
import { MAX_WISHLIST_ITEMS } from "../../../src/domain/wishlist";
import { problemOf } from "../../support/app";
import { createCompany, seedManyProducts } from "../../support/catalog";
import { withDatabase } from "../../support/db";
import { addToWishlist, readWishlist, wishlistOf } from "../../support/lists";
import { newShopper, type Shopper, send, VARIANTS } from "../../support/sessions";

/**
 * Loads the products into the catalog cache in one query. The Worker and the Durable Object
 * run in this test's isolate and share its module-level cache, so the 500 adds below skip
 * one Postgres round trip each (without it the test is only slower, not different).
 */
async function warmCatalog(companyId: string, productIds: string[]) {
  await withDatabase(async (db) => {
    await loadProducts(() => db, companyId, productIds);
  });
}

/** Adds the products, 25 requests at a time (the session object serializes them). */
async function addAll(shopper: Shopper, productIds: string[]) {
  for (let start = 0; start < productIds.length; start += 25) {
    const responses = await Promise.all(
      productIds
        .slice(start, start + 25)
        .map((productId) => send(shopper, "POST", shopper.path("wishlist", "/items"), { productId })),
    );
    for (const response of responses) expect(response.status).toBe(201);
  }
}

describe.each(VARIANTS)("wishlist limit (%s)", (variant) => {
  it(`item ${MAX_WISHLIST_ITEMS + 1} → 422 WISHLIST_LIMIT, nothing changed; existing items still update`, async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const productIds = await seedManyProducts(company.companyId, MAX_WISHLIST_ITEMS + 1);
    await warmCatalog(company.companyId, productIds);
    const last = productIds[MAX_WISHLIST_ITEMS] as string;
    await addAll(shopper, productIds.slice(0, MAX_WISHLIST_ITEMS));

    const full = await readWishlist(shopper);
    expect(full.itemCount).toBe(MAX_WISHLIST_ITEMS);
    expect(new Set(full.items.map((item) => item.productId)).size).toBe(MAX_WISHLIST_ITEMS);

    const problem = await problemOf(
      await send(shopper, "POST", shopper.path("wishlist", "/items"), { productId: last }),
      422,
      "WISHLIST_LIMIT",
    );
    expect(problem.detail).toContain(String(MAX_WISHLIST_ITEMS));
    const after = await readWishlist(shopper);
    expect(after.version).toBe(full.version);
    expect(after.itemCount).toBe(MAX_WISHLIST_ITEMS);

    // At the limit an item already there can still change; removing one makes room.
    const updated = await addToWishlist(shopper, { productId: productIds[7] as string, priority: 100 }, 200);
    expect(updated.items[0]).toMatchObject({ productId: productIds[7], priority: 100 });
    const removed = await wishlistOf(
      await send(shopper, "DELETE", shopper.path("wishlist", `/items/${updated.items[0]?.id}`)),
      200,
    );
    expect(removed.itemCount).toBe(MAX_WISHLIST_ITEMS - 1);
    expect((await addToWishlist(shopper, { productId: last })).itemCount).toBe(MAX_WISHLIST_ITEMS);
  }, 60_000);
});
