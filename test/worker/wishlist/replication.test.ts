// Replication of the wishlist to Postgres (`wishlists`, `wishlist_items`) by the session's
// outbox alarm: the rows equal the Durable Object's state, and hold token digests only.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/lib/tokens";
import { WishlistShareSchema } from "../../../src/modules/wishlist/schema";
import { bodyOf } from "../../support/app";
import { createCompany, seedProducts, seedVariant } from "../../support/catalog";
import { addToWishlist, readWishlist, type Wishlist, wishlistOf, wishlistRows } from "../../support/lists";
import { newShopper, replicateNow, type Shopper, send, VARIANTS } from "../../support/sessions";

/** Asserts that Postgres holds exactly the wishlist the API shows. */
async function expectReplicated(shopper: Shopper, view: Wishlist, shareTokenHash: string | null) {
  const { wishlist, items } = await wishlistRows(view.id);
  expect(wishlist).toBeDefined();
  expect(wishlist).toMatchObject({
    id: view.id,
    companyId: view.companyId,
    siteId: shopper.siteIds[0],
    customerId: view.customerId,
    sessionId: view.sessionId,
    sessionTokenHash: shopper.sessionToken ? await sha256Hex(shopper.sessionToken) : null,
    shareTokenHash,
    itemCount: view.itemCount,
    version: view.version,
  });
  expect(wishlist?.sharedAt?.toISOString() ?? null).toBe(view.sharedAt);
  const byId = [...view.items].sort((a, b) => (a.id < b.id ? -1 : 1));
  expect(
    items.map(({ id, productId, variantId, priority, note, addedAt }) => ({
      id,
      productId,
      variantId,
      priority,
      note,
      addedAt: addedAt.toISOString(),
    })),
  ).toEqual(
    byId.map(({ id, productId, variantId, priority, note, addedAt }) => ({
      id,
      productId,
      variantId,
      priority,
      note,
      addedAt,
    })),
  );
  return { wishlist, items };
}

describe.each(VARIANTS)("wishlist replication (%s)", (variant) => {
  it("adds, priorities, notes, removals and the share reach wishlists/wishlist_items; digests only", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [a, b, c] = await seedProducts(company.companyId, [{}, {}, {}]);
    const variantId = await seedVariant(company.companyId, a as string);
    await addToWishlist(shopper, { productId: a as string, priority: 2, note: "first" });
    await addToWishlist(shopper, { productId: a as string, variantId, priority: 7 });
    const withC = await addToWishlist(shopper, { productId: c as string });
    await addToWishlist(shopper, { productId: b as string, priority: 1 });
    const itemC = withC.items.find((item) => item.productId === c);
    await wishlistOf(await send(shopper, "DELETE", shopper.path("wishlist", `/items/${itemC?.id}`)), 200);
    const itemA = withC.items.find((item) => item.productId === a && item.variantId === null);
    await wishlistOf(
      await send(shopper, "PATCH", shopper.path("wishlist", `/items/${itemA?.id}`), { note: "changed" }),
      200,
    );
    const shared = await bodyOf(
      await send(shopper, "POST", shopper.path("wishlist", "/share")),
      200,
      WishlistShareSchema,
    );

    await replicateNow(shopper);
    const view = await readWishlist(shopper);
    expect(view.itemCount).toBe(3);
    const rows = await expectReplicated(shopper, view, await sha256Hex(shared.token));

    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(shared.token);
    expect(stored).not.toContain(shared.token.slice(64));
    if (shopper.sessionToken) expect(stored).not.toContain(shopper.sessionToken);
  });

  it("a revoked share and a later change replace the rows; nothing pending is lost", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [a, b] = await seedProducts(company.companyId, [{}, {}]);
    await addToWishlist(shopper, { productId: a as string, priority: 3 });
    const shared = await bodyOf(
      await send(shopper, "POST", shopper.path("wishlist", "/share")),
      200,
      WishlistShareSchema,
    );
    await replicateNow(shopper);
    await expectReplicated(shopper, await readWishlist(shopper), await sha256Hex(shared.token));

    await wishlistOf(await send(shopper, "DELETE", shopper.path("wishlist", "/share")), 200);
    const added = await addToWishlist(shopper, { productId: b as string, priority: 5 });
    const itemA = added.items.find((item) => item.productId === a);
    await wishlistOf(await send(shopper, "DELETE", shopper.path("wishlist", `/items/${itemA?.id}`)), 200);
    await replicateNow(shopper);
    const view = await readWishlist(shopper);
    const { wishlist } = await expectReplicated(shopper, view, null);
    expect(wishlist?.sharedAt).toBeNull();
    expect(view.items.map((item) => item.productId)).toEqual([b]);
  });

  it("an empty wishlist that was only read is not replicated", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const view = await readWishlist(shopper);
    await replicateNow(shopper);
    expect((await wishlistRows(view.id)).wishlist).toBeUndefined();
  });
});
