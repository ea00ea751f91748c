// Every change to a session runs through the Durable Object's unit of work, so every change
// reaches live subscribers — the lifecycle's (abandon, expire) included, which once went
// straight to the outbox and were never announced.
import { describe, expect, it } from "vitest";
import { createCompany, seedManyProducts } from "../../support/catalog";
import { addToCart, newCrossSiteGuest, onSite, ticketFor } from "../../support/cross-site";
import { subscribe } from "../../support/live";
import { sessionStubOf } from "../../support/sessions";

/** An instant after every activity so far: the session counts as idle since before it. */
const idleBeforeNow = () => new Date(Date.now() + 1_000).toISOString();

/** A guest with one cart line, and a live subscriber to its session. */
async function guestWithCartAndSubscriber() {
  const company = await createCompany();
  const [siteId] = company.siteIds;
  const [productId] = (await seedManyProducts(company.companyId, 1)) as [string];
  const guest = await newCrossSiteGuest(company, siteId);
  const added = await addToCart(company, siteId, guest.token, productId, 1);
  const live = await subscribe((await ticketFor(onSite(company, siteId, guest.token))).ticket);
  return { guest, added, live };
}

describe("lifecycle changes are announced to live subscribers", () => {
  it("abandoning the cart announces the cart's new version", async () => {
    const { guest, added, live } = await guestWithCartAndSubscriber();

    expect(await sessionStubOf(guest).markAbandoned(idleBeforeNow())).toEqual({ changed: true });

    const change = await live.waitFor((message) => message.resource === "cart" && message.version > added.version);
    expect(change).toMatchObject({ type: "change", resource: "cart", version: added.version + 1 });
    live.close();
  });

  it("expiring the session announces the session and the cart", async () => {
    const { guest, added, live } = await guestWithCartAndSubscriber();

    expect(await sessionStubOf(guest).expire(idleBeforeNow())).toEqual({ expired: true });

    const expiredVersion = added.version + 1;
    await live.waitFor((message) => message.resource === "session" && message.version === expiredVersion);
    await live.waitFor((message) => message.resource === "cart" && message.version === expiredVersion);
    live.close();
  });
});
