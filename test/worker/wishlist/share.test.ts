// POST/DELETE /api/wishlist/share (and the public equivalents) and the read-only shared view
// GET /api/public/wishlist/shared/:token.
import { describe, expect, it } from "vitest";
import { SharedWishlistSchema, WishlistShareSchema } from "../../../src/modules/wishlist/schema";
import { api, bodyOf, type Problem, problemOf } from "../../support/app";
import { createCompany, seedProducts } from "../../support/catalog";
import { addToWishlist, readWishlist, SHARE_TOKEN, wishlistOf } from "../../support/lists";
import { newShopper, type Shopper, send, VARIANTS } from "../../support/sessions";

const share = async (shopper: Shopper) =>
  bodyOf(await send(shopper, "POST", shopper.path("wishlist", "/share")), 200, WishlistShareSchema);
const unshare = (shopper: Shopper) => send(shopper, "DELETE", shopper.path("wishlist", "/share"));
const viewShared = (companyId: string, token: string) =>
  api(`/api/public/wishlist/shared/${token}`, { headers: { "x-company-id": companyId } });

/** A 404 that says nothing about why: everything but the request id is the same for every cause. */
const anonymous404 = ({ requestId: _, ...rest }: Problem) => rest;

async function sharedWishlistOf(shopper: Shopper) {
  const [a, b] = await seedProducts(shopper.companyId, [
    { name: "Kettle", price: 3900 },
    { name: "Teapot", price: 2500 },
  ]);
  await addToWishlist(shopper, { productId: a as string, priority: 1, note: "blue one" });
  await addToWishlist(shopper, { productId: b as string, priority: 4 });
  return { shared: await share(shopper), productIds: [a as string, b as string] };
}

describe.each(VARIANTS)("POST wishlist share (%s)", (variant) => {
  it("happy: an unguessable token and the portal URL; the wishlist shows it is shared", async () => {
    const shopper = await newShopper(variant, await createCompany());
    const { shared } = await sharedWishlistOf(shopper);
    expect(shared.token).toMatch(SHARE_TOKEN);
    expect(shared.url).toBe(`http://localhost:3003/wishlist/${shared.token}`);
    expect(shared.wishlist).toMatchObject({ shared: true, itemCount: 2 });
    expect(shared.wishlist.sharedAt).not.toBeNull();
    const wishlist = await readWishlist(shopper);
    expect(wishlist).toMatchObject({
      shared: true,
      sharedAt: shared.wishlist.sharedAt,
      version: shared.wishlist.version,
    });
    // 32 fresh random bytes each time: two shares never repeat the secret part.
    const again = await share(shopper);
    expect(again.token.slice(64)).not.toBe(shared.token.slice(64));
  });

  it("happy: the shared view is read-only, with names and prices, no customer data, noindex", async () => {
    const shopper = await newShopper(variant, await createCompany());
    const { shared, productIds } = await sharedWishlistOf(shopper);
    const response = await viewShared(shopper.companyId, shared.token);
    expect(response.headers.get("x-robots-tag")).toBe("noindex");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const text = await response.clone().text();
    const view = await bodyOf(response, 200, SharedWishlistSchema);
    expect(
      view.items.map(({ productId, priority, note, product }) => [
        productId,
        priority,
        note,
        product?.name,
        product?.price,
      ]),
    ).toEqual([
      [productIds[1], 4, null, "Teapot", 2500],
      [productIds[0], 1, "blue one", "Kettle", 3900],
    ]);
    expect(view).toMatchObject({ itemCount: 2, sharedAt: shared.wishlist.sharedAt });
    const raw = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(raw).sort()).toEqual(["itemCount", "items", "sharedAt"]);
    for (const secret of ["customerId", "sessionId", "companyId", "siteId", "version"])
      expect(text).not.toContain(secret);
    for (const value of [
      shared.wishlist.id,
      shared.wishlist.sessionId,
      shopper.companyId,
      shared.wishlist.customerId,
    ]) {
      if (value) expect(text).not.toContain(value);
    }
    for (const item of shared.wishlist.items) expect(text).not.toContain(item.id);
  });

  it("happy: the shared view follows later changes (live, not a snapshot)", async () => {
    const shopper = await newShopper(variant, await createCompany());
    const { shared, productIds } = await sharedWishlistOf(shopper);
    const item = shared.wishlist.items.find((entry) => entry.productId === productIds[0]);
    await wishlistOf(
      await send(shopper, "PATCH", shopper.path("wishlist", `/items/${item?.id}`), { priority: 9 }),
      200,
    );
    const view = await bodyOf(await viewShared(shopper.companyId, shared.token), 200, SharedWishlistSchema);
    expect(view.items.map((entry) => entry.productId)).toEqual([productIds[0], productIds[1]]);
  });

  it("sharing again replaces the link: the old token 404s at once", async () => {
    const shopper = await newShopper(variant, await createCompany());
    const { shared } = await sharedWishlistOf(shopper);
    const next = await share(shopper);
    await problemOf(await viewShared(shopper.companyId, shared.token), 404, "NOT_FOUND");
    expect((await viewShared(shopper.companyId, next.token)).status).toBe(200);
  });

  it("errors: 404 for an anonymous token that names no session", async () => {
    const { companyId } = await createCompany();
    const headers = { "x-company-id": companyId, "x-session-token": "d".repeat(64) };
    await problemOf(await send({ headers }, "POST", "/api/public/wishlist/share"), 404, "NOT_FOUND");
  });
});

describe.each(VARIANTS)("DELETE wishlist share (%s)", (variant) => {
  it("happy: revokes; the old link 404s at once; a new share works with a new token", async () => {
    const shopper = await newShopper(variant, await createCompany());
    const { shared } = await sharedWishlistOf(shopper);
    const revoked = await wishlistOf(await unshare(shopper), 200);
    expect(revoked).toMatchObject({ shared: false, sharedAt: null, itemCount: 2 });
    expect(revoked.version).toBeGreaterThan(shared.wishlist.version);
    await problemOf(await viewShared(shopper.companyId, shared.token), 404, "NOT_FOUND");
    const again = await share(shopper);
    expect(again.token).not.toBe(shared.token);
    expect((await viewShared(shopper.companyId, again.token)).status).toBe(200);
    await problemOf(await viewShared(shopper.companyId, shared.token), 404, "NOT_FOUND");
  });

  it("revoking a wishlist that was never shared is harmless (200, still not shared)", async () => {
    const shopper = await newShopper(variant, await createCompany());
    expect(await wishlistOf(await unshare(shopper), 200)).toMatchObject({ shared: false, sharedAt: null });
  });
});

describe("GET /api/public/wishlist/shared/:token — errors and security", () => {
  it("revoked, unknown, tampered and malformed tokens are the same 404, with no hint which", async () => {
    const shopper = await newShopper("public", await createCompany());
    const { shared } = await sharedWishlistOf(shopper);
    const live = await share(shopper);
    await wishlistOf(await unshare(shopper), 200);
    const { companyId } = shopper;
    const tokens = {
      revoked: live.token,
      replaced: shared.token,
      unknown: "e".repeat(128),
      tampered: `${live.token.slice(0, 64)}${"0".repeat(64)}`,
      short: live.token.slice(0, 64),
      uppercase: live.token.toUpperCase(),
      garbage: "not-a-token",
      long: "f".repeat(300),
    };
    const problems: Record<string, unknown> = {};
    for (const [name, token] of Object.entries(tokens)) {
      const response = await viewShared(companyId, token);
      problems[name] = anonymous404(await problemOf(response, 404, "NOT_FOUND"));
    }
    const first = problems.revoked;
    for (const [name, problem] of Object.entries(problems)) expect(problem, name).toEqual(first);
  });

  it("company A's share token requested with company B's x-company-id is the same 404", async () => {
    const shopper = await newShopper("customer", await createCompany());
    const { shared } = await sharedWishlistOf(shopper);
    const other = await createCompany();
    const foreign = anonymous404(await problemOf(await viewShared(other.companyId, shared.token), 404, "NOT_FOUND"));
    const unknown = anonymous404(await problemOf(await viewShared(other.companyId, "e".repeat(128)), 404));
    expect(foreign).toEqual(unknown);
    expect((await viewShared(shopper.companyId, shared.token)).status).toBe(200);
  });

  it("a comparison share token does not open a wishlist (and vice versa)", async () => {
    const shopper = await newShopper("customer", await createCompany());
    const { shared } = await sharedWishlistOf(shopper);
    const comparisonShare = await send(shopper, "POST", shopper.path("comparison", "/share"));
    expect(comparisonShare.status).toBe(200);
    const { token } = (await comparisonShare.json()) as { token: string };
    await problemOf(await viewShared(shopper.companyId, token), 404, "NOT_FOUND");
    await problemOf(
      await api(`/api/public/comparison/shared/${shared.token}`, { headers: { "x-company-id": shopper.companyId } }),
      404,
      "NOT_FOUND",
    );
  });

  it("400 without x-company-id; no write method exists on the shared view", async () => {
    const shopper = await newShopper("public", await createCompany());
    const { shared } = await sharedWishlistOf(shopper);
    await problemOf(await api(`/api/public/wishlist/shared/${shared.token}`), 400, "VALIDATION_FAILED");
    const before = await readWishlist(shopper);
    for (const method of ["POST", "PATCH", "PUT", "DELETE"]) {
      const response = await api(`/api/public/wishlist/shared/${shared.token}`, {
        method,
        headers: { "x-company-id": shopper.companyId, "content-type": "application/json" },
        body: JSON.stringify({ productId: before.items[0]?.productId, priority: 100 }),
      });
      expect([404, 405], method).toContain(response.status);
    }
    const after = await readWishlist(shopper);
    expect(after.version).toBe(before.version);
    expect((await viewShared(shopper.companyId, shared.token)).status).toBe(200);
  });
});
