// One value Postgres refuses for good (SQLSTATE class 22: bad data; class 23: a constraint)
// must never stop a session's replication: the queue consumer rolls the refused resource back
// alone and records it as a dead letter (table replication_dead_letters and an error log
// line); the session's other changes reach Postgres, and nothing retries forever.
import { describe, expect, it } from "vitest";
import { sqlStateOf } from "../../../src/db/errors";
import { carts } from "../../../src/db/schema";
import { addItem, cartRows, convertCart } from "../../support/cart";
import { seedProduct } from "../../support/catalog";
import { withDatabase } from "../../support/db";
import { addToWishlist, wishlistRows } from "../../support/lists";
import { deadLettersFor, poisonWishlist } from "../../support/replication";
import { newGuest, replicateNow, replicationState } from "../../support/sessions";

describe("replication survives poison", () => {
  it("a NUL in a wishlist note: the wishlist is set aside, the cart still reaches Postgres", async () => {
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    const wishlist = await addToWishlist(guest, { productId, note: "fine" });
    await replicateNow(guest);
    const poisonedVersion = await poisonWishlist(guest);

    const cart = await addItem(guest, productId, 2);
    await replicateNow(guest);

    expect((await cartRows(cart.id)).cart).toMatchObject({ version: cart.version, subtotal: cart.totals.subtotal });
    expect((await wishlistRows(wishlist.id)).wishlist?.version).toBe(wishlist.version);
    expect(await replicationState(guest)).toMatchObject({ pending: 0, failures: 0 });
    expect(await deadLettersFor(wishlist.id)).toEqual([
      expect.objectContaining({
        resource: "wishlist",
        resource_id: wishlist.id,
        version: poisonedVersion,
        reason: "refused",
        count: 1,
        session_id: guest.sessionId,
        company_id: guest.companyId,
      }),
    ]);
    expect((await deadLettersFor(wishlist.id))[0]?.sql_state?.slice(0, 2)).toBe("22");

    // The wishlist is tried again when it changes again: still refused, counted, never looping.
    const otherProduct = await seedProduct(guest.companyId);
    const changed = await addToWishlist(guest, { productId: otherProduct });
    await replicateNow(guest);
    expect(await replicationState(guest)).toMatchObject({ pending: 0, failures: 0 });
    expect(await deadLettersFor(wishlist.id)).toEqual([
      expect.objectContaining({ resource_id: wishlist.id, version: changed.version, count: 2 }),
    ]);
  });

  it("a conversion Postgres refuses (its order id already on another cart row): the cart is set aside, its session keeps replicating", async () => {
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    const orderId = `order-${crypto.randomUUID()}`;
    // A row written outside the platform's conversions (e.g. before they existed) holds the order id.
    await withDatabase((db) =>
      db.insert(carts).values({
        companyId: guest.companyId,
        sessionId: crypto.randomUUID(),
        currency: "USD",
        status: "CONVERTED",
        orderId,
      }),
    );
    await addItem(guest, productId, 1);
    expect((await convertCart(guest, orderId)).status).toBe(200);
    await replicateNow(guest);
    expect(await deadLettersFor(guest.cartId)).toEqual([
      expect.objectContaining({ resource: "cart", resource_id: guest.cartId, sql_state: "23505", reason: "refused" }),
    ]);

    // The session's next cart replicates as usual.
    const next = await addItem(guest, productId, 3);
    await replicateNow(guest);
    expect((await cartRows(next.id)).cart).toMatchObject({ status: "ACTIVE", version: next.version });
    expect(await replicationState(guest)).toMatchObject({ pending: 0, failures: 0 });
  });

  it("reads the SQLSTATE through drizzle's wrapping; errors without one are transient", () => {
    const driver = Object.assign(new Error("duplicate key"), { code: "23505" });
    expect(sqlStateOf(new Error("Failed query", { cause: driver }))).toBe("23505");
    expect(sqlStateOf(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).toBeUndefined();
    expect(sqlStateOf("not an error")).toBeUndefined();
  });
});
