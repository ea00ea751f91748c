// Nothing comes back after an erasure: a replication message of the erased session delivered
// late (stale, or newer than anything Postgres saw) writes nothing, and a customer shopping on
// two sites while being erased ends with the old session gone everywhere and, at most, a fresh
// session of their own that replicates normally.
import { describe, expect, it } from "vitest";
import { addItem, readCart } from "../../support/cart";
import { createCompany, seedProducts } from "../../support/catalog";
import { ticketFor } from "../../support/cross-site";
import { withDatabase } from "../../support/db";
import { addToWishlist } from "../../support/lists";
import { subscribe } from "../../support/live";
import { erase, exportOf, isEmpty, replicasNow, rowsNaming } from "../../support/privacy";
import { deliver } from "../../support/replication";
import { newCustomer, replicateNow, send } from "../../support/sessions";

/** Rows of erased sessions of the company that still name anyone, or hold a note or an order id. */
function identifiableErasedRows(companyId: string) {
  return withDatabase(async (db) => {
    const { rows } = await db.$client.query<{ n: string }>(
      `SELECT
         (SELECT COUNT(*) FROM cross_site_sessions s JOIN erased_sessions e ON e.session_id = s.id::text
            WHERE s.company_id = $1 AND (s.customer_id IS NOT NULL OR s.session_token_hash IS NOT NULL))
       + (SELECT COUNT(*) FROM carts c JOIN erased_sessions e ON e.session_id = c.session_id
            WHERE c.company_id = $1 AND (c.customer_id IS NOT NULL OR c.order_id IS NOT NULL))
       + (SELECT COUNT(*) FROM wishlists w JOIN erased_sessions e ON e.session_id = w.session_id
            WHERE w.company_id = $1 AND w.customer_id IS NOT NULL)
       + (SELECT COUNT(*) FROM wishlist_items i JOIN wishlists w ON w.id = i.wishlist_id
            JOIN erased_sessions e ON e.session_id = w.session_id WHERE w.company_id = $1 AND i.note IS NOT NULL)
       AS n`,
      [companyId],
    );
    return Number(rows[0]?.n);
  });
}

describe("no resurrection after an erasure", () => {
  it("a replication message of the erased session, delivered afterwards, writes nothing", async () => {
    const company = await createCompany();
    const [shirt, mug] = (await seedProducts(company.companyId, [{}, {}])) as [string, string];
    const customer = await newCustomer(company);
    if (customer.address.kind !== "customer") throw new Error("expected a customer");
    const { customerId } = customer.address;
    await addItem(customer, shirt, 1);
    await addToWishlist(customer, { productId: mug, note: "private" });
    await replicateNow(customer);
    // Changed again and captured as the outbox would send it: newer than anything in Postgres.
    await addItem(customer, mug, 3);
    const inFlight = await replicasNow(customer);
    const stale = await replicasNow(customer, 0);

    await erase(company.companyId, customerId);
    const result = await deliver([inFlight, stale]);
    expect(result.ackAll).toBe(true);
    expect(result.retryMessages).toEqual([]);

    expect(Object.values(await rowsNaming(company.companyId, customerId)).every((n) => n === 0)).toBe(true);
    expect(await identifiableErasedRows(company.companyId)).toBe(0);
    expect(isEmpty(await exportOf(company.companyId, customerId))).toBe(true);
  });

  it("erased while shopping on two sites: the old session is gone everywhere, a fresh one replicates", async () => {
    const company = await createCompany();
    const products = (await seedProducts(
      company.companyId,
      Array.from({ length: 6 }, () => ({})),
    )) as string[];
    const customer = await newCustomer(company);
    if (customer.address.kind !== "customer") throw new Error("expected a customer");
    const { customerId } = customer.address;
    const onSite = (siteId: string) => ({ ...customer, headers: { ...customer.headers, "x-site-id": siteId } });
    const [siteA, siteB] = [onSite(company.siteIds[0]), onSite(company.siteIds[1])];
    await addItem(siteA, products[0] as string, 1);
    await addToWishlist(siteB, { productId: products[1] as string, note: "on site B" });
    await replicateNow(customer);
    const live = await subscribe((await ticketFor(customer.headers, true)).ticket);
    const closed = new Promise<number>((resolve) =>
      live.socket.addEventListener("close", (event) => resolve(event.code)),
    );
    const captured = await replicasNow(customer);

    const shopping = async (shopper: typeof siteA, from: number) => {
      for (let i = from; i < from + 3; i++) {
        const response = await send(shopper, "POST", "/api/cart/items", {
          productId: products[i % products.length],
          quantity: 1,
        });
        expect(response.status).toBe(201);
      }
    };
    const [receipt] = await Promise.all([erase(company.companyId, customerId), shopping(siteA, 2), shopping(siteB, 3)]);
    expect(receipt.postgres.sessionsTombstoned).toBeGreaterThanOrEqual(1);
    expect(await closed).toBe(4410);

    // Whatever the object sends now, and the captured message of the erased session, arrive.
    await replicateNow(customer);
    await deliver([captured]);
    expect(await identifiableErasedRows(company.companyId)).toBe(0);

    // What is left of the customer is only the session started after the erasure, replicated as usual.
    const cart = await readCart(customer);
    expect(cart.sessionId).not.toBe(customer.sessionId);
    const after = await exportOf(company.companyId, customerId);
    const sessions = after.postgres.sessions.map((row) => row.id);
    expect(sessions.every((id) => id === cart.sessionId)).toBe(true);
    expect(after.postgres.wishlists).toEqual([]);
    if (cart.items.length > 0) expect((await rowsNaming(company.companyId, customerId)).carts).toBe(1);
    expect(after.liveState.customer?.session).toMatchObject({ id: cart.sessionId });
  });
});
