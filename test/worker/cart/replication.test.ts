// The outbox flush (the DO's alarm) makes Postgres hold exactly the session's cart: the carts
// row, one cart_items / saved_cart_items row per line, the token only as its SHA-256.
import { runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { CartDoc, SessionDoc } from "../../../durable-objects/contract";
import type { ReplicationState } from "../../../durable-objects/outbox";
import { cartReplica } from "../../../durable-objects/replica-messages";
import { carts } from "../../../src/db/schema";
import { MAX_QUANTITY, MAX_UNIT_PRICE } from "../../../src/domain/cart";
import { sha256Hex } from "../../../src/lib/tokens";
import { apiWithEnv, problemOf } from "../../support/app";
import {
  addItem,
  cartOf,
  cartRows,
  convertedCart,
  expectReplicated,
  readCart,
  sessionCartRows,
} from "../../support/cart";
import { createCompany, seedBundle, seedProduct, seedVariant } from "../../support/catalog";
import { withDatabase } from "../../support/db";
import { deadLettersFor, deliver, messageOf } from "../../support/replication";
import {
  newCustomer,
  newGuest,
  replicateNow,
  runAlarm,
  type Shopper,
  send,
  sessionStubOf,
} from "../../support/sessions";
import { editStorage } from "../../support/storage";

/** A cart with a variant line, a plain line, a bundle, a saved line and a discount. */
async function fullCart(shopper: Shopper) {
  const { companyId } = shopper;
  const shirt = await seedProduct(companyId, { price: 2000 });
  const large = await seedVariant(companyId, shirt, { price: 2200 });
  const mug = await seedProduct(companyId, { price: 800 });
  const saved = await seedProduct(companyId, { price: 300 });
  const bundleId = await seedBundle(companyId, [{ productId: mug }, { productId: saved, quantity: 2 }], {
    discountType: "FIXED",
    discountValue: 100,
  });
  await addItem(shopper, shirt, 2, large);
  await addItem(shopper, mug, 1);
  const withSaved = await addItem(shopper, saved, 3);
  const savedLine = withSaved.items.find((item) => item.productId === saved && item.bundleGroupId === null);
  await cartOf(await send(shopper, "POST", shopper.cartPath(`/items/${savedLine?.id}/save`)), 200);
  await cartOf(await send(shopper, "POST", shopper.cartPath("/bundles"), { bundleId }), 201);
  return cartOf(await send(shopper, "POST", shopper.cartPath("/discount"), { code: "SAVE10" }), 200);
}

const tokenHashOf = async (shopper: Shopper) => (shopper.sessionToken ? sha256Hex(shopper.sessionToken) : null);

describe("replication of a cart", () => {
  it("public: the carts row, cart_items and saved_cart_items equal the DO state; the token only as SHA-256", async () => {
    const guest = await newGuest();
    const view = await fullCart(guest);
    expect(view.items).toHaveLength(4);
    expect(view.savedItems).toHaveLength(1);
    await replicateNow(guest);

    const tokenHash = await sha256Hex(guest.sessionToken as string);
    await expectReplicated(await readCart(guest), tokenHash);
    const { cart, items, saved } = await cartRows(view.id);
    expect(cart).toMatchObject({ siteId: guest.siteIds[0], status: "ACTIVE", currency: "USD", customerId: null });
    expect(cart?.sessionTokenHash).toMatch(/^[0-9a-f]{64}$/);
    // The raw token is in no column of any row.
    const everything = JSON.stringify({ cart, items, saved });
    expect(everything).not.toContain(guest.sessionToken);
  });

  it("customer: the row carries the customer id and no token hash", async () => {
    const customer = await newCustomer();
    const view = await fullCart(customer);
    await replicateNow(customer);
    await expectReplicated(view, null);
    if (customer.address.kind !== "customer") throw new Error("expected a customer");
    expect((await cartRows(view.id)).cart?.customerId).toBe(customer.address.customerId);
  });

  it("later changes replace the lines: removed ones go, quantities follow, no duplicates", async () => {
    const guest = await newGuest();
    const [a, b, c] = [
      await seedProduct(guest.companyId),
      await seedProduct(guest.companyId),
      await seedProduct(guest.companyId),
    ];
    await addItem(guest, a as string, 1);
    await addItem(guest, b as string, 1);
    await replicateNow(guest);
    const first = await readCart(guest);
    await expectReplicated(first, await tokenHashOf(guest));

    const lineA = first.items.find((item) => item.productId === a)?.id;
    const lineB = first.items.find((item) => item.productId === b)?.id;
    await cartOf(await send(guest, "DELETE", guest.cartPath(`/items/${lineA}`)), 200);
    await cartOf(await send(guest, "PATCH", guest.cartPath(`/items/${lineB}`), { quantity: 6 }), 200);
    await addItem(guest, c as string, 2);
    await replicateNow(guest);
    const second = await readCart(guest);
    await expectReplicated(second, await tokenHashOf(guest));
    expect((await cartRows(second.id)).items.map((item) => item.productId).sort()).toEqual([b, c].sort());

    // Replicating again with nothing pending changes nothing.
    await replicateNow(guest);
    await expectReplicated(second, await tokenHashOf(guest));
  });

  it("an emptied cart replicates as a row with no lines", async () => {
    const guest = await newGuest();
    const added = await addItem(guest, await seedProduct(guest.companyId), 2);
    await replicateNow(guest);
    const empty = await cartOf(await send(guest, "DELETE", guest.cartPath(`/items/${added.items[0]?.id}`)), 200);
    await replicateNow(guest);
    await expectReplicated(empty, await tokenHashOf(guest));
    expect((await cartRows(empty.id)).cart).toMatchObject({ subtotal: 0, itemCount: 0 });
  });

  it("totals above 2^31 minor units replicate exactly (bigint money columns)", async () => {
    const company = await createCompany({ taxRateBps: 825 });
    const guest = await newGuest(company);
    const dear = await seedProduct(company.companyId, { price: MAX_UNIT_PRICE });
    const other = await seedProduct(company.companyId, { price: 1_999_999_999 });
    const later = await seedProduct(company.companyId, { price: MAX_UNIT_PRICE });
    await addItem(guest, dear, MAX_QUANTITY);
    await addItem(guest, other, 3);
    const withSaved = await addItem(guest, later, 1);
    const savedLine = withSaved.items.find((item) => item.productId === later);
    const view = await cartOf(await send(guest, "POST", guest.cartPath(`/items/${savedLine?.id}/save`)), 200);
    await replicateNow(guest);

    const subtotal = MAX_UNIT_PRICE * MAX_QUANTITY + 1_999_999_999 * 3;
    const taxTotal = Math.round((subtotal * 825) / 10_000);
    expect(view.totals).toMatchObject({ subtotal, taxTotal, grandTotal: subtotal + taxTotal });
    expect(view.totals.grandTotal).toBeGreaterThan(2 ** 31);
    await expectReplicated(view, await tokenHashOf(guest));
    const { cart, items, saved } = await cartRows(view.id);
    expect(cart).toMatchObject({ subtotal, taxTotal, grandTotal: subtotal + taxTotal });
    expect(items.find((item) => item.productId === dear)?.lineTotal).toBe(MAX_UNIT_PRICE * MAX_QUANTITY);
    expect(saved.map((line) => line.unitPrice)).toEqual([MAX_UNIT_PRICE]);
  });
});

describe("replication of conversions", () => {
  it("the converted cart's row is CONVERTED with the order id; the next cart's row takes the token hash", async () => {
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    await addItem(guest, productId, 2);
    const orderId = `order-${crypto.randomUUID()}`;
    const converted = await convertedCart(guest, orderId);
    await replicateNow(guest);
    const tokenHash = await tokenHashOf(guest);
    await expectReplicated(converted, tokenHash);
    expect((await cartRows(converted.id)).cart).toMatchObject({ status: "CONVERTED", orderId });

    // Replicated on its own, in a later flush than the conversion.
    const next = await readCart(guest);
    await replicateNow(guest);
    await expectReplicated(next, tokenHash);

    const nextWithItems = await cartOf(
      await send(guest, "POST", `/api/public/cart/${next.id}/items`, { productId, quantity: 1 }),
      201,
    );
    await replicateNow(guest);
    await expectReplicated(nextWithItems, tokenHash);
    const old = (await cartRows(converted.id)).cart;
    expect(old).toMatchObject({ status: "CONVERTED", orderId, sessionTokenHash: null });
    const rows = await sessionCartRows(converted.sessionId);
    expect(rows.map((row) => row.id).sort()).toEqual([converted.id, next.id].sort());
  });

  it("conversion and the next cart in one flush", async () => {
    const customer = await newCustomer();
    const productId = await seedProduct(customer.companyId);
    await addItem(customer, productId, 1);
    const orderId = crypto.randomUUID();
    const converted = await convertedCart(customer, orderId);
    const next = await addItem(customer, productId, 5);
    await replicateNow(customer);
    expect((await cartRows(converted.id)).cart).toMatchObject({
      status: "CONVERTED",
      orderId,
      version: converted.version,
    });
    await expectReplicated(next, null);
  });
});

describe("replication of a merge", () => {
  it("the guest's row becomes MERGED; the customer's row holds the merged lines", async () => {
    const company = await createCompany();
    const guest = await newGuest(company);
    const customer = await newCustomer(company);
    const productId = await seedProduct(company.companyId);
    const guestCart = await addItem(guest, productId, 2);
    const response = await send(customer, "POST", "/api/cart/merge", { sessionToken: guest.sessionToken });
    expect(response.status).toBe(200);
    await replicateNow(guest);
    await replicateNow(customer);
    expect((await cartRows(guestCart.id)).cart).toMatchObject({
      status: "MERGED",
      sessionTokenHash: await tokenHashOf(guest),
    });
    await expectReplicated(await readCart(customer), null);
  });
});

describe("replication is guarded by version", () => {
  it("an older version of the cart, delivered late, never moves the row (or its lines) backwards", async () => {
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    await addItem(guest, productId, 1);
    const stub = sessionStubOf(guest);
    const older = await runInDurableObject(stub, async (_instance, state) => {
      const read = <T>(name: string) =>
        JSON.parse(
          state.storage.sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = ?", name).one().body,
        ) as T;
      const session = read<SessionDoc>("session");
      return { session, cart: read<CartDoc>(`cart:${session.cartId}`) };
    });
    const latest = await addItem(guest, productId, 4);
    await replicateNow(guest);

    // Delivered late (a redelivery, or out of order): acknowledged, and changes nothing.
    const { companyId, id: sessionId } = older.session;
    const late = await deliver([messageOf(cartReplica(older.session, older.cart), { companyId, sessionId })]);
    expect(late.ackAll).toBe(true);
    expect(late.retryMessages).toEqual([]);
    expect(await deadLettersFor(latest.id)).toEqual([]);
    await expectReplicated(latest, await tokenHashOf(guest));
    expect((await cartRows(latest.id)).items[0]?.quantity).toBe(5);
  });
});

/** The object's replication bookkeeping (durable-objects/outbox.ts ReplicationState). */
function replicationStateOf(stub: DurableObjectStub) {
  return runInDurableObject(stub, (_instance, state) => {
    const row = state.storage.sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = 'replication'").one();
    return JSON.parse(row.body) as ReplicationState;
  });
}

describe("replication confirms its last send", () => {
  it("a send lost on the way (local Queues die with their runtime) is made good by the confirming send", async () => {
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    const cart = await addItem(guest, productId, 3);
    await replicateNow(guest);
    const stub = sessionStubOf(guest);
    const { confirmAt } = await replicationStateOf(stub);
    expect(confirmAt).toBeGreaterThan(Date.now() + 20_000);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBe(confirmAt);

    // As if the message had never arrived, and the confirmation were due.
    await withDatabase((db) => db.delete(carts).where(eq(carts.id, cart.id)));
    await editStorage(stub, (state) => {
      const row = state.storage.sql
        .exec<{ body: string }>("SELECT body FROM documents WHERE name = 'replication'")
        .one();
      const body = { ...(JSON.parse(row.body) as object), confirmAt: Date.now() - 1 };
      state.storage.sql.exec("UPDATE documents SET body = ? WHERE name = 'replication'", JSON.stringify(body));
    });
    expect(await runAlarm(guest)).toBe(true);
    await replicateNow(guest);
    await expectReplicated(cart, await tokenHashOf(guest));

    // The confirmation asked for none of its own: nothing more is due.
    const after = (await replicationStateOf(stub)).confirmAt;
    expect(after).toBeUndefined();
  });

  it("is off where REPLICATION_CONFIRM_AFTER_SECONDS is 0 (deployed Queues keep what they took)", async () => {
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    await addItem(guest, productId, 1);
    const stub = sessionStubOf(guest);
    // The object's outbox reads the variable at each send: give it a deployed environment's.
    await runInDurableObject(stub, (instance) => {
      const outbox = (instance as unknown as { outbox: { env: Env } }).outbox;
      outbox.env = { ...outbox.env, REPLICATION_CONFIRM_AFTER_SECONDS: "0" };
    });
    const cart = await addItem(guest, productId, 2);
    await replicateNow(guest);
    await expectReplicated(cart, await tokenHashOf(guest));
    const state = await replicationStateOf(stub);
    expect(Object.keys(state.sent ?? {})).toContain(`cart:${cart.id}`);
    expect(state.confirmAt).toBeUndefined();
  });

  it("REPLICATION_CONFIRM_AFTER_SECONDS must be 0 to 3600 whole seconds", async () => {
    for (const value of ["soon", "-1", "1.5", "3601"]) {
      const response = await apiWithEnv({ REPLICATION_CONFIRM_AFTER_SECONDS: value }, "/api/health");
      const problem = await problemOf(response, 500, "INTERNAL");
      expect(problem.detail).toContain("REPLICATION_CONFIRM_AFTER_SECONDS");
    }
  });
});
