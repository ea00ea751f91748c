// What must never happen with shared sessions: one company's token reaching another
// company's state, a raw secret (session token, cross-site token, share token, transfer
// code, ticket, JWT) landing in Postgres or in a log line, or a site using a feature its
// flags switch off just because the session it shares came from a site that has it.
import { eq, inArray } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  cartItems,
  carts,
  crossSiteSessions,
  productComparisonItems,
  productComparisons,
  savedCartItems,
  wishlistItems,
  wishlists,
} from "../../../src/db/schema";
import { sha256Hex } from "../../../src/lib/tokens";
import { CartSchema, CreatedCartSchema } from "../../../src/modules/cart/schema";
import { ComparisonSchema, ComparisonShareSchema } from "../../../src/modules/comparison/schema";
import {
  CrossSiteSessionSchema,
  SessionMergeResultSchema,
  TransferCodeSchema,
} from "../../../src/modules/cross-site/schema";
import { WishlistSchema, WishlistShareSchema } from "../../../src/modules/wishlist/schema";
import { bodyOf, problemOf, request } from "../../support/app";
import { createCompany, seedManyProducts } from "../../support/catalog";
import {
  addToCart,
  claim,
  claimed,
  crossSiteSessionOf,
  newCrossSiteGuest,
  onSite,
  onSiteAs,
  publicCart,
  ticketFor,
  transferCode,
} from "../../support/cross-site";
import { withDatabase } from "../../support/db";
import { addToComparison, addToWishlist } from "../../support/lists";
import { openLive, subscribe } from "../../support/live";
import { customerCredentials, replicateNow } from "../../support/sessions";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("tenancy", () => {
  it("a guest token of company A sent as company B never reaches A's session", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const [productId] = (await seedManyProducts(a.companyId, 1)) as [string];
    const guest = await newCrossSiteGuest(a);
    const cart = await addToCart(a, a.siteIds[0], guest.token, productId, 2);
    await addToWishlist(onSiteAs(a, a.siteIds[0], guest.token), { productId: productId });
    const asB = onSite(b, b.siteIds[0], guest.token);

    for (const path of ["/api/public/cart", "/api/public/session", "/api/public/wishlist", "/api/public/comparison"]) {
      await problemOf(await request("GET", path, asB), 404, "NOT_FOUND");
    }
    await problemOf(await request("POST", `/api/public/cart/${cart.id}/items`, asB, { productId }), 404, "NOT_FOUND");
    await problemOf(await request("POST", "/api/public/wishlist/items", asB, { productId }), 404, "NOT_FOUND");
    await problemOf(
      await request("POST", "/api/public/session/transfer", asB, { targetSiteId: b.siteIds[1] }),
      404,
      "NOT_FOUND",
    );
    await problemOf(await request("POST", "/api/public/session/ticket", asB), 404, "NOT_FOUND");

    // "Create or return" with A's token under B starts a new, empty session of B.
    const created = await bodyOf(await request("POST", "/api/public/cart", asB, {}), 201, CreatedCartSchema);
    expect(created).toMatchObject({ companyId: b.companyId, items: [] });
    expect(created.id).not.toBe(cart.id);
    expect(created.sessionToken).not.toBe(guest.token);
    const session = await bodyOf(await request("POST", "/api/public/session", asB), 201, CrossSiteSessionSchema);
    expect(session.companyId).toBe(b.companyId);
    expect(session.id).not.toBe(guest.session.id);

    // A's session is as it was.
    const still = await publicCart(a, a.siteIds[0], guest.token);
    expect(still.items.map(({ productId, quantity }) => ({ productId, quantity }))).toEqual([
      { productId, quantity: 2 },
    ]);
    expect(still.version).toBe(cart.version);
  });

  it("a cart id of another session (even of the same company) in the path is a 404", async () => {
    const company = await createCompany();
    const [productId] = (await seedManyProducts(company.companyId, 1)) as [string];
    const owner = await newCrossSiteGuest(company);
    const intruder = await newCrossSiteGuest(company);
    const ownerCart = await publicCart(company, company.siteIds[0], owner.token);
    await problemOf(
      await request(
        "POST",
        `/api/public/cart/${ownerCart.id}/items`,
        onSite(company, company.siteIds[0], intruder.token),
        {
          productId,
        },
      ),
      404,
      "NOT_FOUND",
    );
    expect((await publicCart(company, company.siteIds[0], owner.token)).items).toEqual([]);
  });

  it("a customer's cross-site token and share links of company A are 404 for company B", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const [productId] = (await seedManyProducts(a.companyId, 1)) as [string];
    const customer = await customerCredentials(a.companyId);
    const { sessionToken } = await crossSiteSessionOf(customer);
    await addToWishlist(onSiteAs(a, a.siteIds[0], sessionToken), { productId: productId });
    await addToComparison(onSiteAs(a, a.siteIds[0], sessionToken), productId);
    const wishlistShare = await bodyOf(
      await request("POST", "/api/public/wishlist/share", onSite(a, a.siteIds[0], sessionToken)),
      200,
      WishlistShareSchema,
    );
    const comparisonShare = await bodyOf(
      await request("POST", "/api/public/comparison/share", onSite(a, a.siteIds[0], sessionToken)),
      200,
      ComparisonShareSchema,
    );
    const asB = onSite(b, b.siteIds[0], sessionToken);
    await problemOf(await request("GET", "/api/public/cart", asB), 404, "NOT_FOUND");
    await problemOf(await request("GET", "/api/public/wishlist", asB), 404, "NOT_FOUND");
    await problemOf(
      await request("GET", `/api/public/wishlist/shared/${wishlistShare.token}`, onSite(b, b.siteIds[0])),
      404,
    );
    await problemOf(
      await request("GET", `/api/public/comparison/shared/${comparisonShare.token}`, onSite(b, b.siteIds[0])),
      404,
    );
    // The same links work for company A.
    expect(
      (await request("GET", `/api/public/wishlist/shared/${wishlistShare.token}`, onSite(a, a.siteIds[0]))).status,
    ).toBe(200);
  });
});

describe("raw secrets", () => {
  it("appear in no Postgres column and no log line; Postgres holds their SHA-256 only", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
    };
    vi.spyOn(console, "log").mockImplementation(capture);
    vi.spyOn(console, "info").mockImplementation(capture);
    vi.spyOn(console, "warn").mockImplementation(capture);
    vi.spyOn(console, "error").mockImplementation(capture);
    vi.spyOn(console, "debug").mockImplementation(capture);

    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const [p0, p1, p2] = (await seedManyProducts(company.companyId, 3)) as [string, string, string];

    // A guest on site A: cart, wishlist, comparison, both shared; handed to site B; live.
    const guest = await newCrossSiteGuest(company, siteA);
    await addToCart(company, siteA, guest.token, p0, 2);
    await addToWishlist(onSiteAs(company, siteA, guest.token), { productId: p1 });
    await addToComparison(onSiteAs(company, siteA, guest.token), p2);
    const guestWishlistShare = await bodyOf(
      await request("POST", "/api/public/wishlist/share", onSite(company, siteA, guest.token)),
      200,
      WishlistShareSchema,
    );
    const guestComparisonShare = await bodyOf(
      await request("POST", "/api/public/comparison/share", onSite(company, siteA, guest.token)),
      200,
      ComparisonShareSchema,
    );
    const guestTransfer = await transferCode(company, siteA, guest.token, siteB);
    await claimed(await claim(company, siteB, guestTransfer.code));
    const guestTicket = await ticketFor(onSite(company, siteB, guest.token));
    const live = await subscribe(guestTicket.ticket);
    await addToCart(company, siteB, guest.token, p1);
    await live.waitFor((change) => change.resource === "cart");
    live.close();
    // Refused requests carrying secrets are logged too.
    await problemOf(await openLive(guestTicket.ticket), 404);
    await problemOf(await claim(company, siteB, guestTransfer.code), 404);
    await problemOf(
      await request("GET", "/api/public/cart", onSite(company, siteA, `${guest.token.slice(0, 63)}x`)),
      400,
    );

    // A customer: cross-site session, used on site B, shared, transferred, then the guest merges in.
    const customer = await customerCredentials(company.companyId);
    const crossSite = await crossSiteSessionOf(customer, siteA);
    await addToWishlist(onSiteAs(company, siteB, crossSite.sessionToken), { productId: p0 });
    const customerWishlistShare = await bodyOf(
      await request("POST", "/api/public/wishlist/share", onSite(company, siteB, crossSite.sessionToken)),
      200,
      WishlistShareSchema,
    );
    const customerTransfer = await bodyOf(
      await request("POST", "/api/cross-site-session/transfer", customer.headers, { targetSiteId: siteB }),
      200,
      TransferCodeSchema,
    );
    // The claim issues a fresh cross-site token (the customer's code holds none).
    const customerClaim = await claimed(await claim(company, siteB, customerTransfer.code));
    const customerTicket = await ticketFor(customer.headers, true);
    (await subscribe(customerTicket.ticket)).close();
    await bodyOf(
      await request("POST", "/api/cross-site-session/merge", customer.headers, { sessionToken: guest.token }),
      200,
      SessionMergeResultSchema,
    );
    await problemOf(await request("GET", "/api/public/cart", onSite(company, siteA, guest.token)), 409);

    await replicateNow(guest);
    await replicateNow(customer);
    vi.restoreAllMocks();

    const secrets: Record<string, string> = {
      "guest session token": guest.token,
      "cross-site token": crossSite.sessionToken,
      "cross-site token of the claim": customerClaim.sessionToken,
      "guest wishlist share token": guestWishlistShare.token,
      "guest comparison share token": guestComparisonShare.token,
      "customer wishlist share token": customerWishlistShare.token,
      "guest transfer code": guestTransfer.code,
      "customer transfer code": customerTransfer.code,
      "guest ticket": guestTicket.ticket,
      "customer ticket": customerTicket.ticket,
      "customer JWT": customer.jwt,
    };

    // ── Logs ──
    expect(lines.filter((line) => line.includes('"msg":"request"')).length).toBeGreaterThan(20);
    expect(lines.some((line) => line.includes('"route":"/api/public/session/claim"'))).toBe(true);
    expect(lines.some((line) => line.includes('"route":"/api/live"'))).toBe(true);
    for (const [what, secret] of Object.entries(secrets)) {
      const leaks = lines.filter((line) => line.includes(secret));
      expect(leaks, `${what} in a log line`).toEqual([]);
    }

    // ── Postgres ──
    const rows = await withDatabase(async (db) => {
      const cartRows = await db.select().from(carts).where(eq(carts.companyId, company.companyId));
      const cartIds = cartRows.map((row) => row.id);
      const wishlistRows = await db.select().from(wishlists).where(eq(wishlists.companyId, company.companyId));
      const comparisonRows = await db
        .select()
        .from(productComparisons)
        .where(eq(productComparisons.companyId, company.companyId));
      return {
        carts: cartRows,
        cartItems: await db.select().from(cartItems).where(inArray(cartItems.cartId, cartIds)),
        savedCartItems: await db.select().from(savedCartItems).where(inArray(savedCartItems.cartId, cartIds)),
        wishlists: wishlistRows,
        wishlistItems: await db
          .select()
          .from(wishlistItems)
          .where(
            inArray(
              wishlistItems.wishlistId,
              wishlistRows.map((row) => row.id),
            ),
          ),
        productComparisons: comparisonRows,
        productComparisonItems: await db
          .select()
          .from(productComparisonItems)
          .where(
            inArray(
              productComparisonItems.comparisonId,
              comparisonRows.map((row) => row.id),
            ),
          ),
        crossSiteSessions: await db
          .select()
          .from(crossSiteSessions)
          .where(eq(crossSiteSessions.companyId, company.companyId)),
      };
    });
    expect(rows.carts).toHaveLength(2);
    expect(rows.crossSiteSessions).toHaveLength(2);
    expect(rows.wishlists).toHaveLength(2);
    const everything = JSON.stringify(rows);
    for (const [what, secret] of Object.entries(secrets)) {
      expect(everything.includes(secret), `${what} in Postgres`).toBe(false);
    }

    // Only digests: each row that names a secret holds its SHA-256.
    const guestRow = rows.crossSiteSessions.find((row) => row.customerId === null);
    const customerRow = rows.crossSiteSessions.find((row) => row.customerId === customer.customerId);
    expect(guestRow?.sessionTokenHash).toBe(await sha256Hex(guest.token));
    // A customer's row carries the digest of the cross-site token issued last: the claim's.
    expect(customerRow?.sessionTokenHash).toBe(await sha256Hex(customerClaim.sessionToken));
    expect(rows.carts.find((row) => row.customerId === null)?.sessionTokenHash).toBe(await sha256Hex(guest.token));
    const shareHashes = rows.wishlists.map((row) => row.shareTokenHash).sort();
    expect(shareHashes).toEqual(
      [await sha256Hex(guestWishlistShare.token), await sha256Hex(customerWishlistShare.token)].sort(),
    );
    expect(rows.productComparisons.map((row) => row.shareTokenHash)).toContain(
      await sha256Hex(guestComparisonShare.token),
    );
    for (const row of [...rows.carts, ...rows.wishlists, ...rows.productComparisons, ...rows.crossSiteSessions]) {
      for (const column of ["sessionTokenHash", "shareTokenHash"] as const) {
        const value = (row as Partial<Record<typeof column, string | null>>)[column];
        if (value) expect(value).toMatch(/^[0-9a-f]{64}$/);
      }
    }
  });
});

describe("site flags in a shared session", () => {
  it("site B has compare off: comparison routes there are 403 FEATURE_DISABLED even with the shared token", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const [p0, p1] = (await seedManyProducts(company.companyId, 2)) as [string, string];
    const guest = await newCrossSiteGuest(company, siteA);
    const { code } = await transferCode(company, siteA, guest.token, siteB);
    await claimed(await claim(company, siteB, code));
    const comparison = await addToComparison(onSiteAs(company, siteA, guest.token), p0);
    const share = await bodyOf(
      await request("POST", "/api/public/comparison/share", onSite(company, siteA, guest.token)),
      200,
      ComparisonShareSchema,
    );
    const onB = onSite(company, siteB, guest.token);
    const refused: [string, string, unknown?][] = [
      ["GET", "/api/public/comparison"],
      ["POST", "/api/public/comparison/items", { productId: p1 }],
      ["DELETE", `/api/public/comparison/items/${comparison.items[0]?.id}`],
      ["POST", "/api/public/comparison/share"],
      ["DELETE", "/api/public/comparison/share"],
      ["GET", `/api/public/comparison/shared/${share.token}`],
    ];
    for (const [method, path, body] of refused) {
      await problemOf(await request(method, path, onB, body), 403, "FEATURE_DISABLED");
    }
    // Cart and wishlist are on for site B; the same session works there.
    await addToCart(company, siteB, guest.token, p1);
    await addToWishlist(onSiteAs(company, siteB, guest.token), { productId: p1 });
    // And on site A the comparison is untouched by B's attempts.
    const onA = await bodyOf(
      await request("GET", "/api/public/comparison", onSite(company, siteA, guest.token)),
      200,
      ComparisonSchema,
    );
    expect(onA.items.map((item) => item.productId)).toEqual([p0]);
    expect(onA.version).toBe(share.comparison.version);
  });

  it("likewise for a customer: JWT on site B and the cross-site token on site B are refused", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const [p0] = (await seedManyProducts(company.companyId, 1)) as [string];
    const customer = await customerCredentials(company.companyId);
    const { sessionToken } = await crossSiteSessionOf(customer, siteA);
    await problemOf(
      await request("GET", "/api/comparison", { ...customer.headers, "x-site-id": siteB }),
      403,
      "FEATURE_DISABLED",
    );
    await problemOf(
      await request("POST", "/api/comparison/items", { ...customer.headers, "x-site-id": siteB }, { productId: p0 }),
      403,
      "FEATURE_DISABLED",
    );
    await problemOf(
      await request("GET", "/api/public/comparison", onSite(company, siteB, sessionToken)),
      403,
      "FEATURE_DISABLED",
    );
    // On site A both work and see the same comparison.
    const added = await addToComparison(onSiteAs(company, siteA, sessionToken), p0);
    const viaJwt = await bodyOf(
      await request("GET", "/api/comparison", { ...customer.headers, "x-site-id": siteA }),
      200,
      ComparisonSchema,
    );
    expect(viaJwt.id).toBe(added.id);
    // The cart read on site B is fine.
    await bodyOf(await request("GET", "/api/cart", { ...customer.headers, "x-site-id": siteB }), 200, CartSchema);
    await bodyOf(
      await request("GET", "/api/public/wishlist", onSite(company, siteB, sessionToken)),
      200,
      WishlistSchema,
    );
  });
});
