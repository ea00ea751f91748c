// Merge on sign-in through POST /api/cross-site-session/merge: the guest's
// cart (by strategy), wishlist (union, higher priority wins) and comparison (union up to the
// site's cap, the rest reported) move into the customer's session in one step; the guest
// session becomes MERGED and its token stops working everywhere.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { carts, crossSiteSessions, productComparisons, wishlists } from "../../../src/db/schema";
import { CartSchema } from "../../../src/modules/cart/schema";
import { ComparisonSchema } from "../../../src/modules/comparison/schema";
import { CrossSiteSessionSchema, SessionMergeResultSchema } from "../../../src/modules/cross-site/schema";
import { WishlistSchema } from "../../../src/modules/wishlist/schema";
import { bodyOf, problemOf, request } from "../../support/app";
import { createCompany, seedManyProducts, type TestCompany } from "../../support/catalog";
import {
  addToCart,
  type CrossSiteGuest,
  crossSiteSessionOf,
  newCrossSiteGuest,
  onSite,
  onSiteAs,
  publicCart,
} from "../../support/cross-site";
import { withDatabase } from "../../support/db";
import { addToComparison, addToWishlist } from "../../support/lists";
import { type CustomerCredentials, customerCredentials, replicateNow } from "../../support/sessions";

type Strategy = "max" | "sum" | "replace";

/** The diff members these tests look at (the route's schema types them loosely). */
const DiffSchema = z.object({
  cart: z.object({
    added: z.array(z.object({ productId: z.string(), quantity: z.number() })),
    quantityChanged: z.array(z.object({ productId: z.string(), from: z.number(), to: z.number() })),
    dropped: z.array(z.object({ productId: z.string(), reason: z.string() })),
  }),
  wishlist: z.object({
    added: z.array(z.object({ productId: z.string() })),
    priorityRaised: z.array(z.object({ productId: z.string(), from: z.number(), to: z.number() })),
    dropped: z.array(z.object({ productId: z.string() })),
  }),
  comparison: z.object({
    added: z.array(z.object({ productId: z.string() })),
    dropped: z.array(z.object({ productId: z.string() })),
  }),
});

function merge(customer: CustomerCredentials, body: { sessionToken: string; strategy?: Strategy; dryRun?: boolean }) {
  return request("POST", "/api/cross-site-session/merge", customer.headers, body);
}

async function merged(response: Response) {
  const result = await bodyOf(response, 200, SessionMergeResultSchema);
  return { ...result, diff: DiffSchema.parse(result.diff) };
}

const quantities = (cart: { items: { productId: string; quantity: number }[] }) =>
  Object.fromEntries(cart.items.map((item) => [item.productId, item.quantity]));
const productIds = (list: { items: { productId?: unknown }[] }) =>
  list.items.map((item) => item.productId as string).sort();
const priorities = (list: { items: Record<string, unknown>[] }) =>
  Object.fromEntries(list.items.map((item) => [item.productId as string, item.priority as number]));

interface Scene {
  company: TestCompany;
  customer: CustomerCredentials;
  guest: CrossSiteGuest;
  /** p[0]…p[5] */
  p: [string, string, string, string, string, string];
}

/**
 * Customer: cart p0×3, p2×1; wishlist p0 (priority 10); comparison p0, p1, p2.
 * Guest:    cart p0×2, p1×1; wishlist p0 (priority 50), p3 (5); comparison p3, p4, p2.
 * Site A's comparison cap is 4.
 */
async function scene(): Promise<Scene> {
  const company = await createCompany();
  const p = (await seedManyProducts(company.companyId, 6)) as Scene["p"];
  const customer = await customerCredentials(company.companyId);
  const asCustomer = { ...customer.headers, "x-site-id": company.siteIds[0] };
  await bodyOf(await request("POST", "/api/cart/items", asCustomer, { productId: p[0], quantity: 3 }), 201, CartSchema);
  await bodyOf(await request("POST", "/api/cart/items", asCustomer, { productId: p[2], quantity: 1 }), 201, CartSchema);
  await bodyOf(
    await request("POST", "/api/wishlist/items", asCustomer, { productId: p[0], priority: 10 }),
    201,
    WishlistSchema,
  );
  for (const productId of [p[0], p[1], p[2]]) {
    await bodyOf(await request("POST", "/api/comparison/items", asCustomer, { productId }), 201, ComparisonSchema);
  }

  const guest = await newCrossSiteGuest(company);
  const siteA = company.siteIds[0];
  await addToCart(company, siteA, guest.token, p[0], 2);
  await addToCart(company, siteA, guest.token, p[1], 1);
  await addToWishlist(onSiteAs(company, siteA, guest.token), { productId: p[0], priority: 50 });
  await addToWishlist(onSiteAs(company, siteA, guest.token), { productId: p[3], priority: 5 });
  for (const productId of [p[3], p[4], p[2]]) await addToComparison(onSiteAs(company, siteA, guest.token), productId);
  return { company, customer, guest, p };
}

/** The customer's cart, wishlist and comparison as the API shows them now. */
async function customerState({ customer }: Scene) {
  return {
    cart: await bodyOf(await request("GET", "/api/cart", customer.headers), 200, CartSchema),
    wishlist: await bodyOf(await request("GET", "/api/wishlist", customer.headers), 200, WishlistSchema),
    comparison: await bodyOf(await request("GET", "/api/comparison", customer.headers), 200, ComparisonSchema),
  };
}

const EXPECTED_CART: Record<Strategy, (p: Scene["p"]) => Record<string, number>> = {
  max: (p) => ({ [p[0]]: 3, [p[1]]: 1, [p[2]]: 1 }),
  sum: (p) => ({ [p[0]]: 5, [p[1]]: 1, [p[2]]: 1 }),
  replace: (p) => ({ [p[0]]: 2, [p[1]]: 1 }),
};

describe("POST /api/cross-site-session/merge", () => {
  for (const strategy of ["max", "sum", "replace"] as const) {
    it(`${strategy}: cart by strategy, wishlist union (higher priority wins), comparison union up to the cap`, async () => {
      const s = await scene();
      const { p } = s;
      const result = await merged(await merge(s.customer, { sessionToken: s.guest.token, strategy }));
      expect(result).toMatchObject({ dryRun: false, alreadyMerged: false });

      expect(quantities(result.cart)).toEqual(EXPECTED_CART[strategy](p));
      expect(result.diff.cart.added.map((line) => line.productId)).toEqual([p[1]]);
      const changed = { max: [], sum: [{ from: 3, to: 5 }], replace: [{ from: 3, to: 2 }] }[strategy];
      expect(result.diff.cart.quantityChanged.map(({ from, to }) => ({ from, to }))).toEqual(changed);
      expect(result.diff.cart.dropped.map(({ productId, reason }) => ({ productId, reason }))).toEqual(
        strategy === "replace" ? [{ productId: p[2], reason: "REPLACED" }] : [],
      );

      expect(priorities(result.wishlist)).toEqual({ [p[0]]: 50, [p[3]]: 5 });
      expect(result.diff.wishlist.added.map((item) => item.productId)).toEqual([p[3]]);
      expect(result.diff.wishlist.priorityRaised).toEqual([
        expect.objectContaining({ productId: p[0], from: 10, to: 50 }),
      ]);

      expect(productIds(result.comparison)).toEqual([p[0], p[1], p[2], p[3]].sort());
      expect(result.diff.comparison.added.map((item) => item.productId)).toEqual([p[3]]);
      expect(result.diff.comparison.dropped.map((item) => item.productId)).toEqual([p[4]]);

      // What the merge answered is what the customer now has, on every route.
      const now = await customerState(s);
      expect(quantities(now.cart)).toEqual(EXPECTED_CART[strategy](p));
      expect(now.cart.version).toBe(result.cart.version);
      expect(priorities(now.wishlist)).toEqual({ [p[0]]: 50, [p[3]]: 5 });
      expect(productIds(now.comparison)).toEqual([p[0], p[1], p[2], p[3]].sort());
      expect(now.comparison.itemCount).toBe(4);
    });
  }

  it("dryRun previews each strategy and changes nothing: customer versions unchanged, guest still usable", async () => {
    const s = await scene();
    const before = await customerState(s);
    for (const strategy of ["max", "sum", "replace"] as const) {
      const preview = await merged(await merge(s.customer, { sessionToken: s.guest.token, strategy, dryRun: true }));
      expect(preview).toMatchObject({ dryRun: true, alreadyMerged: false });
      expect(quantities(preview.cart)).toEqual(EXPECTED_CART[strategy](s.p));
      expect(preview.diff.comparison.dropped.map((item) => item.productId)).toEqual([s.p[4]]);
    }
    const after = await customerState(s);
    expect(after.cart.version).toBe(before.cart.version);
    expect(quantities(after.cart)).toEqual(quantities(before.cart));
    expect(after.wishlist.version).toBe(before.wishlist.version);
    expect(priorities(after.wishlist)).toEqual(priorities(before.wishlist));
    expect(after.comparison.version).toBe(before.comparison.version);
    expect(productIds(after.comparison)).toEqual(productIds(before.comparison));

    // The guest session is untouched and still takes changes.
    const siteA = s.company.siteIds[0];
    const guestCart = await publicCart(s.company, siteA, s.guest.token);
    expect(guestCart.status).toBe("ACTIVE");
    await addToCart(s.company, siteA, s.guest.token, s.p[5]);
    const info = await bodyOf(
      await request("GET", "/api/public/session", onSite(s.company, siteA, s.guest.token)),
      200,
      CrossSiteSessionSchema,
    );
    expect(info.status).toBe("ACTIVE");
  });

  it("is idempotent: a retry (any strategy) answers alreadyMerged and doubles nothing", async () => {
    const s = await scene();
    const first = await merged(await merge(s.customer, { sessionToken: s.guest.token, strategy: "sum" }));
    for (const strategy of ["sum", "max", "replace"] as const) {
      const retry = await merged(await merge(s.customer, { sessionToken: s.guest.token, strategy }));
      expect(retry.alreadyMerged).toBe(true);
      expect(quantities(retry.cart)).toEqual(quantities(first.cart));
      expect(retry.cart.version).toBe(first.cart.version);
      expect(retry.diff.cart.added).toEqual([]);
      expect(retry.diff.comparison).toEqual({ added: [], dropped: [] });
    }
    const now = await customerState(s);
    expect(quantities(now.cart)).toEqual(EXPECTED_CART.sum(s.p));
    expect(now.wishlist.items).toHaveLength(2);
    expect(now.comparison.items).toHaveLength(4);

    // The merge is counted once, and the session rows say what happened.
    const session = await crossSiteSessionOf(s.customer);
    expect(session.mergeCount).toBe(1);
    await replicateNow(s.guest);
    await replicateNow(s.customer);
    const [guestRow] = await withDatabase((db) =>
      db.select().from(crossSiteSessions).where(eq(crossSiteSessions.id, s.guest.session.id)),
    );
    expect(guestRow).toMatchObject({ status: "MERGED", mergedIntoSessionId: expect.any(String) });
    expect(guestRow?.mergedAt).toBeInstanceOf(Date);
    const [customerRow] = await withDatabase((db) =>
      db.select().from(crossSiteSessions).where(eq(crossSiteSessions.id, session.id)),
    );
    expect(customerRow?.mergeCount).toBe(1);
    const guestCartId = (
      await withDatabase((db) => db.select().from(carts).where(eq(carts.sessionId, s.guest.session.id)))
    )[0];
    expect(guestCartId?.status).toBe("MERGED");
  });

  it("a list the guest had nothing in is left as it was: not stored again, not replicated", async () => {
    const company = await createCompany();
    const [productId] = (await seedManyProducts(company.companyId, 1)) as [string];
    const customer = await customerCredentials(company.companyId);
    const guest = await newCrossSiteGuest(company);
    await addToCart(company, company.siteIds[0], guest.token, productId, 2);
    const result = await merged(await merge(customer, { sessionToken: guest.token, strategy: "max" }));
    expect(quantities(result.cart)).toEqual({ [productId]: 2 });
    expect(result.wishlist.items).toEqual([]);
    expect(result.comparison.items).toEqual([]);
    await replicateNow(customer);
    const session = await crossSiteSessionOf(customer);
    const rows = await withDatabase(async (db) => ({
      carts: await db.select().from(carts).where(eq(carts.sessionId, session.id)),
      wishlists: await db.select().from(wishlists).where(eq(wishlists.sessionId, session.id)),
      comparisons: await db.select().from(productComparisons).where(eq(productComparisons.sessionId, session.id)),
    }));
    expect(rows.carts).toHaveLength(1);
    expect(rows.wishlists).toEqual([]);
    expect(rows.comparisons).toEqual([]);
    // The lists the answer showed are the customer's from now on (their ids stay).
    const asCustomer = { ...customer.headers, "x-site-id": company.siteIds[0] };
    const wishlist = await bodyOf(await request("GET", "/api/wishlist", asCustomer), 200, WishlistSchema);
    expect(wishlist.id).toBe(result.wishlist.id);
  });

  it("afterwards the guest token gets 409 SESSION_MERGED on every route", async () => {
    const s = await scene();
    const siteA = s.company.siteIds[0];
    const guestCart = await publicCart(s.company, siteA, s.guest.token);
    const [wishlistItem] = (
      await bodyOf(
        await request("GET", "/api/public/wishlist", onSite(s.company, siteA, s.guest.token)),
        200,
        WishlistSchema,
      )
    ).items;
    await merged(await merge(s.customer, { sessionToken: s.guest.token }));

    const headers = onSite(s.company, siteA, s.guest.token);
    const refused: [string, string, unknown?][] = [
      ["GET", "/api/public/cart"],
      ["POST", `/api/public/cart/${guestCart.id}/items`, { productId: s.p[5] }],
      ["PATCH", `/api/public/cart/${guestCart.id}/items/${guestCart.items[0]?.id}`, { quantity: 4 }],
      ["DELETE", `/api/public/cart/${guestCart.id}/items/${guestCart.items[0]?.id}`],
      ["GET", "/api/public/wishlist"],
      ["POST", "/api/public/wishlist/items", { productId: s.p[5] }],
      ["DELETE", `/api/public/wishlist/items/${wishlistItem?.id}`],
      ["POST", "/api/public/wishlist/share"],
      ["GET", "/api/public/comparison"],
      ["POST", "/api/public/comparison/items", { productId: s.p[5] }],
      ["GET", "/api/public/session"],
      ["POST", "/api/public/session/transfer", { targetSiteId: s.company.siteIds[1] }],
      ["POST", "/api/public/session/ticket"],
    ];
    for (const [method, path, body] of refused) {
      const problem = await problemOf(await request(method, path, headers, body), 409, "SESSION_MERGED");
      expect(problem.status, `${method} ${path}`).toBe(409);
    }
    // A dry run of it is refused too: the guest has nothing left to give.
    await problemOf(await merge(s.customer, { sessionToken: s.guest.token, dryRun: true }), 409, "SESSION_MERGED");
    // Nor can another customer take it over.
    const other = await customerCredentials(s.company.companyId);
    await problemOf(await merge(other, { sessionToken: s.guest.token }), 409, "SESSION_MERGED");
    // Starting over with the dead token hands out a new session, never the customer's.
    const fresh = await bodyOf(await request("POST", "/api/public/session", headers), 201, CrossSiteSessionSchema);
    expect(fresh.id).not.toBe(s.guest.session.id);
    expect(fresh.customerId).toBeNull();
    expect(fresh.sessionToken).not.toBe(s.guest.token);
  });

  it("a guest session of another company is a 404, and it stays usable there", async () => {
    const s = await scene();
    const other = await createCompany();
    const stranger = await customerCredentials(other.companyId);
    await problemOf(await merge(stranger, { sessionToken: s.guest.token }), 404, "NOT_FOUND");
    await problemOf(await merge(stranger, { sessionToken: s.guest.token, dryRun: true }), 404, "NOT_FOUND");
    const guestCart = await publicCart(s.company, s.company.siteIds[0], s.guest.token);
    expect(guestCart.status).toBe("ACTIVE");
    expect(quantities(guestCart)).toEqual({ [s.p[0]]: 2, [s.p[1]]: 1 });
  });

  it("a cross-site token (a customer's session, not a guest's) cannot be merged: 404, not a 5xx", async () => {
    const s = await scene();
    const own = await crossSiteSessionOf(s.customer);
    const other = await customerCredentials(s.company.companyId);
    const others = await crossSiteSessionOf(other);
    for (const sessionToken of [own.sessionToken, others.sessionToken]) {
      for (const dryRun of [false, true]) {
        await problemOf(await merge(s.customer, { sessionToken, dryRun }), 404, "NOT_FOUND");
      }
    }
    // Both sessions are untouched.
    const otherCart = await publicCart(s.company, s.company.siteIds[0], others.sessionToken);
    expect(otherCart.customerId).toBe(other.customerId);
  });

  it("validates the body (400) and needs a customer (401/403)", async () => {
    const s = await scene();
    for (const body of [
      {},
      { sessionToken: "xyz" },
      { sessionToken: s.guest.token.toUpperCase() },
      { sessionToken: s.guest.token, strategy: "min" },
      { sessionToken: s.guest.token, dryRun: "yes" },
    ]) {
      await problemOf(await request("POST", "/api/cross-site-session/merge", s.customer.headers, body), 400);
    }
    await problemOf(
      await request("POST", "/api/cross-site-session/merge", {}, { sessionToken: s.guest.token }),
      401,
      "UNAUTHORIZED",
    );
    // An unknown (well-formed) token: 404.
    await problemOf(await merge(s.customer, { sessionToken: "c".repeat(64) }), 404, "NOT_FOUND");
    // Nothing of that touched the guest.
    expect((await publicCart(s.company, s.company.siteIds[0], s.guest.token)).status).toBe("ACTIVE");
  });

  it("a merge racing guest adds loses nothing: every 2xx add is in the customer's cart, every other add is a 409", async () => {
    const company = await createCompany();
    const siteA = company.siteIds[0];
    const products = await seedManyProducts(company.companyId, 9);
    const [first, ...racing] = products as [string, ...string[]];
    for (let round = 0; round < 3; round++) {
      const customer = await customerCredentials(company.companyId);
      const guest = await newCrossSiteGuest(company);
      const guestCart = await addToCart(company, siteA, guest.token, first);
      const add = (productId: string) =>
        request("POST", `/api/public/cart/${guestCart.id}/items`, onSite(company, siteA, guest.token), {
          productId,
          quantity: 1,
        });
      // Adds go out every few milliseconds; the merge goes out among them, at another point each round.
      const later = <T>(ms: number, send: () => Promise<T>) =>
        new Promise<T>((resolve, reject) => setTimeout(() => send().then(resolve, reject), ms));
      const step = [0, 2, 4][round] ?? 0;
      const adds = racing.map((productId, index) => later(index * step, () => add(productId)));
      const mergeAnswer = await later((racing.length / 2) * step, () => merge(customer, { sessionToken: guest.token }));
      const answers = await Promise.all(adds);
      const result = await merged(mergeAnswer);

      const landed = [first];
      for (const [index, answer] of answers.entries()) {
        const text = await answer.text();
        expect([201, 409], text).toContain(answer.status);
        if (answer.status === 201) landed.push(racing[index] as string);
        else expect(JSON.parse(text).code).toBe("SESSION_MERGED");
      }
      const customerCart = await bodyOf(await request("GET", "/api/cart", customer.headers), 200, CartSchema);
      expect(Object.keys(quantities(customerCart)).sort()).toEqual([...landed].sort());
      expect(Object.keys(quantities(result.cart)).sort()).toEqual([...landed].sort());
    }
  });
});
