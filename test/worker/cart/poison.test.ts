// One value Postgres refuses for good (SQLSTATE class 22: bad data; class 23: a constraint)
// must never stop a session's replication: the refused resource is rolled back alone and set
// aside (a dead letter, in the object and in an error log line); the session's other changes
// reach Postgres, and nothing retries forever.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { StoredDeadLetter } from "../../../durable-objects/outbox";
import { sqlStateOf } from "../../../durable-objects/replication";
import { addItem, cartOf, cartRows } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { addToWishlist, wishlistRows } from "../../support/lists";
import { newGuest, replicateNow, replicationState, type Shopper, send, sessionStubOf } from "../../support/sessions";

function deadLetters(shopper: Shopper): Promise<StoredDeadLetter[]> {
  return runInDurableObject(sessionStubOf(shopper), (_instance, state) => {
    const row = state.storage.sql
      .exec<{ body: string }>("SELECT body FROM documents WHERE name = 'dead-letters'")
      .toArray()[0];
    return row ? (JSON.parse(row.body) as StoredDeadLetter[]) : [];
  });
}

/**
 * Puts a NUL into the stored wishlist's first note (as a bug or an old object might have),
 * as a new version waiting in the outbox. The API refuses such text at the edge.
 */
function poisonWishlist(shopper: Shopper): Promise<number> {
  return runInDurableObject(sessionStubOf(shopper), (_instance, state) => {
    const sql = state.storage.sql;
    const row = sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = 'wishlist'").one();
    const wishlist = JSON.parse(row.body) as { version: number; state: { items: { note: string | null }[] } };
    wishlist.version += 100;
    const [first] = wishlist.state.items;
    if (first) first.note = "bad\u0000note";
    sql.exec("UPDATE documents SET body = ? WHERE name = 'wishlist'", JSON.stringify(wishlist));
    sql.exec(
      "INSERT INTO outbox (resource, version, created_at) VALUES ('wishlist', ?, ?)",
      wishlist.version,
      Date.now(),
    );
    return wishlist.version;
  });
}

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
    expect(await deadLetters(guest)).toEqual([
      expect.objectContaining({ resource: "wishlist", resourceId: wishlist.id, version: poisonedVersion, count: 1 }),
    ]);
    expect((await deadLetters(guest))[0]?.sqlState.slice(0, 2)).toBe("22");

    // The wishlist is tried again when it changes again: still refused, counted, never looping.
    const otherProduct = await seedProduct(guest.companyId);
    const changed = await addToWishlist(guest, { productId: otherProduct });
    await replicateNow(guest);
    expect(await replicationState(guest)).toMatchObject({ pending: 0, failures: 0 });
    expect(await deadLetters(guest)).toEqual([
      expect.objectContaining({ resourceId: wishlist.id, version: changed.version, count: 2 }),
    ]);
  });

  it("two carts converted with one order id: the second is set aside, its session keeps replicating", async () => {
    const company = await createCompany();
    const [first, second] = [await newGuest(company), await newGuest(company)];
    const productId = await seedProduct(company.companyId);
    const orderId = `order-${crypto.randomUUID()}`;
    for (const guest of [first, second]) {
      await addItem(guest, productId, 1);
      await cartOf(await send(guest, "POST", guest.cartPath("/convert"), { orderId }), 200);
      await replicateNow(guest);
    }
    expect((await cartRows(first.cartId)).cart).toMatchObject({ status: "CONVERTED", orderId });
    expect(await deadLetters(second)).toEqual([
      expect.objectContaining({ resource: "cart", resourceId: second.cartId, sqlState: "23505" }),
    ]);

    // The second session's next cart replicates as usual.
    const next = await addItem(second, productId, 3);
    await replicateNow(second);
    expect((await cartRows(next.id)).cart).toMatchObject({ status: "ACTIVE", version: next.version });
    expect(await replicationState(second)).toMatchObject({ pending: 0, failures: 0 });
  });

  it("reads the SQLSTATE through drizzle's wrapping; errors without one are transient", () => {
    const driver = Object.assign(new Error("duplicate key"), { code: "23505" });
    expect(sqlStateOf(new Error("Failed query", { cause: driver }))).toBe("23505");
    expect(sqlStateOf(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).toBeUndefined();
    expect(sqlStateOf("not an error")).toBeUndefined();
  });
});
