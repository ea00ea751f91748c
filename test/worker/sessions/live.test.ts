// Live sync: two sites sharing one session see the same state at once, and every
// WebSocket subscribed to the session (any site) hears of every change with its new version.
// The socket opens with a short-lived, single-use ticket, never the session token.
import { describe, expect, it } from "vitest";
import { CartSchema } from "../../../src/modules/cart/schema";
import { ComparisonSchema } from "../../../src/modules/comparison/schema";
import { WishlistSchema } from "../../../src/modules/wishlist/schema";
import { bodyOf, problemOf, request } from "../../support/app";
import { createCompany, seedManyProducts, type TestCompany } from "../../support/catalog";
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
import { addToComparison, addToWishlist } from "../../support/lists";
import { openLive, subscribe } from "../../support/live";
import { customerCredentials, expireCodes, storedCodes } from "../../support/sessions";

/** A guest session on site A, handed to site B by transfer + claim. */
async function sharedSession(company: TestCompany) {
  const [siteA, siteB] = company.siteIds;
  const guest = await newCrossSiteGuest(company, siteA);
  const { code } = await transferCode(company, siteA, guest.token, siteB);
  const { sessionToken } = await claimed(await claim(company, siteB, code));
  expect(sessionToken).toBe(guest.token);
  return guest;
}

describe("live sync across two sites", () => {
  it("an add on site A is visible on site B at once (same version) and pushed to B's socket", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const [productId] = await seedManyProducts(company.companyId, 1);
    const guest = await sharedSession(company);

    const { ticket, url, expiresInSeconds } = await ticketFor(onSite(company, siteB, guest.token));
    expect(url).toBe(`/api/live?ticket=${ticket}`);
    expect(expiresInSeconds).toBe(30);
    const live = await subscribe(ticket);
    expect(live.hello.sessionId).toBe(guest.session.id);

    const added = await addToCart(company, siteA, guest.token, productId as string, 2);
    const event = await live.waitFor((change) => change.resource === "cart");
    expect(event).toMatchObject({ type: "change", resource: "cart", version: added.version });

    const onB = await publicCart(company, siteB, guest.token);
    expect(onB.id).toBe(added.id);
    expect(onB.version).toBe(added.version);
    expect(onB.items.map(({ productId, quantity, siteId }) => ({ productId, quantity, siteId }))).toEqual([
      { productId, quantity: 2, siteId: siteA },
    ]);
    live.close();
  });

  it("wishlist and comparison changes are broadcast too, each with the resource's new version", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const [first, second] = (await seedManyProducts(company.companyId, 2)) as [string, string];
    const guest = await sharedSession(company);
    const live = await subscribe((await ticketFor(onSite(company, siteB, guest.token))).ticket);

    const wishlist = await addToWishlist(onSiteAs(company, siteA, guest.token), { productId: first, priority: 10 });
    expect(await live.waitFor((change) => change.resource === "wishlist")).toMatchObject({
      version: wishlist.version,
    });
    // Compare is on for site A only; the change still reaches the subscriber on site B.
    const comparison = await addToComparison(onSiteAs(company, siteA, guest.token), second);
    expect(await live.waitFor((change) => change.resource === "comparison")).toMatchObject({
      version: comparison.version,
    });
    // Removing is a change as well.
    const removed = await bodyOf(
      await request(
        "DELETE",
        `/api/public/wishlist/items/${wishlist.items[0]?.id}`,
        onSite(company, siteA, guest.token),
      ),
      200,
      WishlistSchema,
    );
    expect(await live.waitFor((c) => c.resource === "wishlist" && c.version === removed.version)).toBeDefined();

    // Site B reads the same versions.
    const wishlistOnB = await bodyOf(
      await request("GET", "/api/public/wishlist", onSite(company, siteB, guest.token)),
      200,
      WishlistSchema,
    );
    expect(wishlistOnB.version).toBe(removed.version);
    const comparisonOnA = await bodyOf(
      await request("GET", "/api/public/comparison", onSite(company, siteA, guest.token)),
      200,
      ComparisonSchema,
    );
    expect(comparisonOnA.version).toBe(comparison.version);
    // Versions only grow, one session-wide sequence.
    const versions = live.changes.map((change) => change.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    live.close();
  });

  it("every subscriber of the session hears the change (one socket per site)", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const [productId] = await seedManyProducts(company.companyId, 1);
    const guest = await sharedSession(company);
    const onA = await subscribe((await ticketFor(onSite(company, siteA, guest.token))).ticket);
    const onB = await subscribe((await ticketFor(onSite(company, siteB, guest.token))).ticket);

    const added = await addToCart(company, siteB, guest.token, productId as string);
    for (const live of [onA, onB]) {
      expect(await live.waitFor((change) => change.resource === "cart")).toMatchObject({ version: added.version });
    }
    onA.close();
    onB.close();
  });

  it("a claim on site B is a change of the session: site A's socket hears it", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const guest = await newCrossSiteGuest(company, siteA);
    const live = await subscribe((await ticketFor(onSite(company, siteA, guest.token))).ticket);
    const { code } = await transferCode(company, siteA, guest.token, siteB);
    const { session } = await claimed(await claim(company, siteB, code));
    expect(await live.waitFor((change) => change.resource === "session")).toMatchObject({ version: session.version });
    live.close();
  });

  it("a customer's ticket hears changes made with the customer's cross-site token on another site", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const [productId, wished] = (await seedManyProducts(company.companyId, 2)) as [string, string];
    const customer = await customerCredentials(company.companyId);
    const { sessionToken, id } = await crossSiteSessionOf(customer, siteA);

    const ticket = await ticketFor({ ...customer.headers, "x-site-id": siteA }, true);
    const live = await subscribe(ticket.ticket);
    expect(live.hello.sessionId).toBe(id);

    // Site B, where the customer is not signed in, works with the cross-site token.
    const added = await addToCart(company, siteB, sessionToken, productId, 3);
    expect(added.customerId).toBe(customer.customerId);
    expect(await live.waitFor((change) => change.resource === "cart")).toMatchObject({ version: added.version });
    const wishlist = await addToWishlist(onSiteAs(company, siteB, sessionToken), { productId: wished });
    expect(await live.waitFor((change) => change.resource === "wishlist")).toMatchObject({
      version: wishlist.version,
    });

    // The signed-in customer on site A sees the same cart at the same version.
    const viaJwt = await bodyOf(
      await request("GET", "/api/cart", { ...customer.headers, "x-site-id": siteA }),
      200,
      CartSchema,
    );
    expect(viaJwt.id).toBe(added.id);
    // A resource keeps the session version of its own last change.
    expect(viaJwt.version).toBe(added.version);
    live.close();
  });

  it("a ticket issued through the cross-site token subscribes to the customer's session", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const [productId] = await seedManyProducts(company.companyId, 1);
    const customer = await customerCredentials(company.companyId);
    const { sessionToken, id } = await crossSiteSessionOf(customer, siteA);

    const live = await subscribe((await ticketFor(onSite(company, siteB, sessionToken))).ticket);
    expect(live.hello.sessionId).toBe(id);
    const added = await bodyOf(
      await request("POST", "/api/cart/items", { ...customer.headers, "x-site-id": siteA }, { productId }),
      201,
      CartSchema,
    );
    expect(await live.waitFor((change) => change.resource === "cart")).toMatchObject({ version: added.version });
    live.close();
  });
});

describe("live tickets", () => {
  it("are single use", async () => {
    const company = await createCompany();
    const guest = await newCrossSiteGuest(company);
    const { ticket } = await ticketFor(onSite(company, company.siteIds[0], guest.token));
    const live = await subscribe(ticket);
    await problemOf(await openLive(ticket), 404, "NOT_FOUND");
    live.close();
    await problemOf(await openLive(ticket), 404, "NOT_FOUND");
  });

  it("expire after 30 s (the stored expiry is moved into the past)", async () => {
    const company = await createCompany();
    const guest = await newCrossSiteGuest(company);
    const issuedAt = Date.now();
    const { ticket } = await ticketFor(onSite(company, company.siteIds[0], guest.token));
    const [stored] = await storedCodes(guest);
    expect(stored?.purpose).toBe("ticket");
    // Only the digest is kept; the expiry is 30 s out.
    expect(JSON.stringify(stored)).not.toContain(ticket);
    expect(stored?.expiresAt).toBeGreaterThanOrEqual(issuedAt + 30_000);
    expect(stored?.expiresAt).toBeLessThanOrEqual(Date.now() + 30_000);

    expect(await expireCodes(guest)).toBe(1);
    await problemOf(await openLive(ticket), 404, "NOT_FOUND");
  });

  it("a transfer code is not a ticket (and a ticket is not a transfer code)", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const guest = await newCrossSiteGuest(company, siteA);
    const { code } = await transferCode(company, siteA, guest.token, siteB);
    await problemOf(await openLive(code), 404, "NOT_FOUND");
    const { ticket } = await ticketFor(onSite(company, siteA, guest.token));
    await problemOf(await claim(company, siteB, ticket), 404, "NOT_FOUND");
    // Neither attempt used the other up.
    (await subscribe(ticket)).close();
    expect((await claimed(await claim(company, siteB, code))).sessionToken).toBe(guest.token);
  });

  it("GET /api/live without a WebSocket upgrade is a 400", async () => {
    const company = await createCompany();
    const guest = await newCrossSiteGuest(company);
    const { ticket } = await ticketFor(onSite(company, company.siteIds[0], guest.token));
    await problemOf(await openLive(ticket, {}), 400, "VALIDATION_FAILED");
    // The refused request did not use the ticket up.
    (await subscribe(ticket)).close();
  });

  it("malformed, unknown and missing tickets are a 404", async () => {
    const company = await createCompany();
    const guest = await newCrossSiteGuest(company);
    const { ticket } = await ticketFor(onSite(company, company.siteIds[0], guest.token));
    const candidates = [
      "",
      "not-a-ticket",
      ticket.toUpperCase(),
      ticket.slice(0, 127),
      `${ticket}0`,
      // the right object, a wrong secret
      `${ticket.slice(0, 64)}${"0".repeat(64)}`,
      // an id this namespace never minted
      "f".repeat(128),
      // the session token itself is not a ticket
      guest.token,
    ];
    for (const candidate of candidates) {
      await problemOf(await openLive(encodeURIComponent(candidate)), 404, "NOT_FOUND");
    }
    // No ticket at all.
    await problemOf(await request("GET", "/api/live", { upgrade: "websocket" }), 404, "NOT_FOUND");
    // None of the wrong tries used the real ticket up.
    (await subscribe(ticket)).close();
  });

  it("a ticket needs a usable session: the public route refuses an unknown token", async () => {
    const company = await createCompany();
    const unknown = "a".repeat(64);
    await problemOf(
      await request("POST", "/api/public/session/ticket", onSite(company, company.siteIds[0], unknown)),
      404,
      "NOT_FOUND",
    );
  });
});
