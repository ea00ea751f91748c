// crosscart/client's session against the real Worker: the token kept in storage per site,
// transfer → claim on another site, merging a guest into a customer, signing in and out.
import { describe, expect, it } from "vitest";
import { CrosscartError } from "../../../src/client";
import { createCompany } from "../../support/catalog";
import {
  clientFor,
  inspectableStorage,
  losingFirstAnswer,
  newCustomerJwt,
  recordingFetch,
  storageWithToken,
  twoProducts,
} from "../../support/client";

describe("client.session.token", () => {
  it("is kept in storage under the site's key, so a second client on that storage (a reload) continues the session", async () => {
    const company = await createCompany();
    const [ten] = await twoProducts(company);
    const storage = inspectableStorage();
    const first = clientFor(company, { storage });
    expect(first.session.token).toBeNull();
    const cart = await first.cart.addItem({ productId: ten });
    const token = first.session.token;
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect([...storage.values]).toEqual([[`crosscart.${company.siteIds[0]}.sessionToken`, token]]);

    const reloaded = clientFor(company, { storage });
    expect(reloaded.session.token).toBe(token);
    expect(await reloaded.cart.get()).toEqual(cart);
    expect((await reloaded.session.get()).id).toBe(cart.sessionId);
  });

  it("follows a token another tab stored: the next change goes to that session's cart, not the last one seen", async () => {
    const company = await createCompany();
    const [ten] = await twoProducts(company);
    const storage = inspectableStorage();
    const thisTab = clientFor(company, { storage });
    const first = await thisTab.cart.addItem({ productId: ten });
    const otherTab = clientFor(company, { storage });
    otherTab.session.reset();
    const second = await otherTab.cart.create();
    expect(second.id).not.toBe(first.id);

    const cart = await thisTab.cart.addItem({ productId: ten });
    expect(cart.id).toBe(second.id);
    expect(cart.items.map((item) => item.quantity)).toEqual([1]);
  });

  it("storagePrefix names the keys; reset() forgets the session and the next call starts a new one", async () => {
    const company = await createCompany();
    const storage = inspectableStorage();
    const client = clientFor(company, { storage, storagePrefix: "shop.trail." });
    const session = await client.session.open();
    expect(storage.values.get("shop.trail.sessionToken")).toBe(session.sessionToken);
    expect(client.session.storageKeys.sessionToken).toBe("shop.trail.sessionToken");
    // open() again answers the same session.
    expect((await client.session.open()).id).toBe(session.id);

    client.session.reset();
    expect(storage.values.size).toBe(0);
    const next = await client.session.open();
    expect(next.id).not.toBe(session.id);
  });

  it("a storage that throws (blocked) does not break the client: the token lives in memory", async () => {
    const company = await createCompany();
    const blocked = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
      removeItem: () => undefined,
    };
    const client = clientFor(company, { storage: blocked });
    const cart = await client.cart.create();
    expect(client.session.token).toMatch(/^[0-9a-f]{64}$/);
    expect((await client.cart.get()).id).toBe(cart.id);
  });
});

describe("client.session.transfer and claim", () => {
  it("transfer(targetSiteId) gives { code, url }; claim(code) on that site continues the same session", async () => {
    const company = await createCompany();
    const [ten] = await twoProducts(company);
    const trail = clientFor(company);
    const cart = await trail.cart.addItem({ productId: ten, quantity: 2 });

    const transfer = await trail.session.transfer(company.siteIds[1]);
    expect(transfer).toMatchObject({ code: expect.any(String), targetSiteId: company.siteIds[1] });
    expect(new URL(transfer.url).searchParams.get("crosscart_transfer")).toBe(transfer.code);

    const peak = clientFor(company, { siteId: company.siteIds[1] });
    const claimed = await peak.session.claim(transfer.code);
    expect(claimed.session.id).toBe(cart.sessionId);
    expect(peak.session.token).toBe(claimed.sessionToken);
    expect((await peak.cart.get()).items.map((item) => item.quantity)).toEqual([2]);

    // A code works once: the same 404 as an unknown one.
    await expect(clientFor(company, { siteId: company.siteIds[1] }).session.claim(transfer.code)).rejects.toMatchObject(
      { status: 404, code: "NOT_FOUND" },
    );
  });

  it("a customer's transfer hands the customer's session to an anonymous storefront", async () => {
    const company = await createCompany();
    const [ten] = await twoProducts(company);
    const customer = clientFor(company);
    await customer.session.signIn((await newCustomerJwt(company)).jwt);
    const cart = await customer.cart.addItem({ productId: ten });
    const { code } = await customer.session.transfer(company.siteIds[1]);
    const peak = clientFor(company, { siteId: company.siteIds[1] });
    await peak.session.claim(code);
    expect((await peak.cart.get()).id).toBe(cart.id);
  });

  it("claim is not retried after a lost answer (the code is single-use): the error says the network failed", async () => {
    const company = await createCompany();
    const trail = clientFor(company);
    await trail.cart.create();
    const { code } = await trail.session.transfer(company.siteIds[1]);
    const { fetch, seen } = recordingFetch(losingFirstAnswer((request) => request.url.endsWith("/claim")));
    const peak = clientFor(company, { siteId: company.siteIds[1], fetch });
    await expect(peak.session.claim(code)).rejects.toMatchObject({ name: "CrosscartError", code: "NETWORK_ERROR" });
    expect(seen.filter((request) => request.path.endsWith("/claim"))).toHaveLength(1);
  });
});

describe("client.session.merge and signIn", () => {
  it("merge(jwt, { dryRun: true }) previews and changes nothing; merge(jwt) merges and signs the client in", async () => {
    const company = await createCompany();
    const [ten, twentyFive] = await twoProducts(company);
    const { jwt } = await newCustomerJwt(company);
    const customerSide = clientFor(company);
    await customerSide.session.signIn(jwt);
    await customerSide.cart.addItem({ productId: ten, quantity: 1 });

    const guest = clientFor(company);
    await guest.cart.addItem({ productId: ten, quantity: 3 });
    await guest.wishlist.add({ productId: twentyFive });
    const guestToken = guest.session.token;

    const preview = await guest.session.merge(jwt, { strategy: "sum", dryRun: true });
    expect(preview.dryRun).toBe(true);
    expect(preview.cart.items.map((item) => item.quantity)).toEqual([4]);
    expect(guest.session.token).toBe(guestToken);
    expect(guest.session.customerToken).toBeNull();
    expect((await customerSide.cart.get()).items.map((item) => item.quantity)).toEqual([1]);

    const merged = await guest.session.merge(jwt, { strategy: "sum" });
    expect(merged).toMatchObject({ dryRun: false, alreadyMerged: false });
    // The client is now the customer: the same cart the customer's own client sees.
    expect(guest.session.token).toBeNull();
    expect(guest.session.customerToken).toBe(jwt);
    expect((await guest.cart.get()).items.map((item) => item.quantity)).toEqual([4]);
    expect((await guest.wishlist.get()).items.map((item) => item.productId)).toEqual([twentyFive]);

    // The guest session is frozen from now on.
    const stale = clientFor(company, { storage: storageWithToken(company.siteIds[0], guestToken as string) });
    await expect(stale.session.get()).rejects.toMatchObject({ status: 409, code: "SESSION_MERGED" });
  });

  it("merge without an anonymous session is a CrosscartError NO_SESSION, before any request", async () => {
    const company = await createCompany();
    const { fetch, seen } = recordingFetch();
    const client = clientFor(company, { fetch });
    const error = await client.session.merge((await newCustomerJwt(company)).jwt).catch((caught) => caught);
    expect(error).toBeInstanceOf(CrosscartError);
    expect(error).toMatchObject({ status: 0, code: "NO_SESSION" });
    expect(seen).toEqual([]);
  });

  it("signIn with a bad token is 401 UNAUTHORIZED and leaves the client as it was; signOut forgets the customer", async () => {
    const company = await createCompany();
    const client = clientFor(company);
    await client.cart.create();
    const token = client.session.token;
    await expect(client.session.signIn("not-a-jwt")).rejects.toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    expect(client.session.token).toBe(token);

    const { customerId, jwt } = await newCustomerJwt(company);
    const session = await client.session.signIn(jwt);
    expect(session.customerId).toBe(customerId);
    expect((await client.session.get()).id).toBe(session.id);
    client.session.signOut();
    expect(client.session.customerToken).toBeNull();
    expect((await client.session.open()).customerId).toBeNull();
  });
});
