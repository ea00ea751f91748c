// Idempotency-Key replays and If-Match on wishlist mutations (the session-call middleware
// the cart uses too).
import { describe, expect, it } from "vitest";
import { WishlistShareSchema } from "../../../src/modules/wishlist/schema";
import { api, bodyOf, problemOf, VersionProblemSchema } from "../../support/app";
import { createCompany, seedProducts } from "../../support/catalog";
import { addToWishlist, readWishlist, wishlistOf } from "../../support/lists";
import { newShopper, type Shopper, send, VARIANTS } from "../../support/sessions";

const addWithKey = (shopper: Shopper, key: string, body: unknown) =>
  send(shopper, "POST", shopper.path("wishlist", "/items"), body, { "Idempotency-Key": key });

describe.each(VARIANTS)("wishlist Idempotency-Key (%s)", (variant) => {
  it("a retried add replays the stored status and body and changes nothing more", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [productId] = await seedProducts(company.companyId, [{}]);
    const key = `add-${crypto.randomUUID()}`;
    const first = await wishlistOf(await addWithKey(shopper, key, { productId, priority: 3 }), 201);
    const replay = await wishlistOf(await addWithKey(shopper, key, { productId, priority: 3 }), 201);
    expect(replay).toEqual(first);
    const after = await readWishlist(shopper);
    expect(after.version).toBe(first.version);
    expect(after.items).toHaveLength(1);
  });

  it("the same key with another body → 422 IDEMPOTENCY_KEY_REUSED, nothing changed", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [a, b] = await seedProducts(company.companyId, [{}, {}]);
    const key = `add-${crypto.randomUUID()}`;
    const first = await wishlistOf(await addWithKey(shopper, key, { productId: a }), 201);
    await problemOf(await addWithKey(shopper, key, { productId: b }), 422, "IDEMPOTENCY_KEY_REUSED");
    const after = await readWishlist(shopper);
    expect(after.version).toBe(first.version);
    expect(after.items.map((item) => item.productId)).toEqual([a]);
  });

  it("the key covers PATCH and DELETE too: a replayed removal is not a 404", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [a] = await seedProducts(company.companyId, [{}]);
    const added = await addToWishlist(shopper, { productId: a as string });
    const path = shopper.path("wishlist", `/items/${added.items[0]?.id}`);
    const key = { "Idempotency-Key": `del-${crypto.randomUUID()}` };
    const removed = await wishlistOf(await send(shopper, "DELETE", path, undefined, key), 200);
    expect(await wishlistOf(await send(shopper, "DELETE", path, undefined, key), 200)).toEqual(removed);
  });

  it("a share retried with the same key answers with a link that works (never a dead one)", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    await addToWishlist(shopper, { productId: (await seedProducts(company.companyId, [{}]))[0] as string });
    const key = { "Idempotency-Key": `share-${crypto.randomUUID()}` };
    const shareWithKey = async () =>
      bodyOf(await send(shopper, "POST", shopper.path("wishlist", "/share"), undefined, key), 200, WishlistShareSchema);
    await shareWithKey();
    const retried = await shareWithKey();
    const view = await api(`/api/public/wishlist/shared/${retried.token}`, {
      headers: { "x-company-id": company.companyId },
    });
    expect(view.status).toBe(200);
  });

  it("400 for a key longer than 255 characters", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [productId] = await seedProducts(company.companyId, [{}]);
    const problem = await problemOf(
      await addWithKey(shopper, "k".repeat(256), { productId }),
      400,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.map((error) => error.field)).toEqual(["header.idempotency-key"]);
  });
});

describe.each(VARIANTS)("wishlist If-Match (%s)", (variant) => {
  it("the current ETag passes; a stale one → 412 with the current version, nothing changed", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [a, b] = await seedProducts(company.companyId, [{}, {}]);
    const read = await send(shopper, "GET", shopper.path("wishlist"));
    const etag = read.headers.get("etag") as string;
    const stale = await wishlistOf(read, 200);
    const added = await wishlistOf(
      await send(shopper, "POST", shopper.path("wishlist", "/items"), { productId: a }, { "If-Match": etag }),
      201,
    );
    const response = await send(
      shopper,
      "POST",
      shopper.path("wishlist", "/items"),
      { productId: b },
      {
        "If-Match": `"${stale.version}"`,
      },
    );
    expect(response.status).toBe(412);
    const problem = VersionProblemSchema.parse(await response.json());
    expect(problem).toMatchObject({ code: "VERSION_MISMATCH", version: added.version });
    const itemPath = shopper.path("wishlist", `/items/${added.items[0]?.id}`);
    await problemOf(
      await send(shopper, "PATCH", itemPath, { priority: 5 }, { "If-Match": etag }),
      412,
      "VERSION_MISMATCH",
    );
    await problemOf(await send(shopper, "DELETE", itemPath, undefined, { "If-Match": etag }), 412);
    await problemOf(
      await send(shopper, "POST", shopper.path("wishlist", "/share"), undefined, { "If-Match": etag }),
      412,
    );
    const after = await readWishlist(shopper);
    expect(after).toMatchObject({ version: added.version, shared: false });
    expect(after.items.map((item) => [item.productId, item.priority])).toEqual([[a, 0]]);
  });

  it("400 for an If-Match that carries no version", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [productId] = await seedProducts(company.companyId, [{}]);
    const problem = await problemOf(
      await send(shopper, "POST", shopper.path("wishlist", "/items"), { productId }, { "If-Match": "abc" }),
      400,
      "VALIDATION_FAILED",
    );
    expect(problem.errors?.map((error) => error.field)).toEqual(["header.if-match"]);
  });
});
