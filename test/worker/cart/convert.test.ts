// POST /api/platform/carts/{id}/convert: the commerce platform (service JWT) marks a cart
// CONVERTED for an order (idempotent per cart and order); the shopper's next read is a new,
// empty, ACTIVE cart, and Postgres gets the converted cart by replication.
import { describe, expect, it } from "vitest";
import { ConversionSchema } from "../../../src/modules/conversion";
import { apiWithEnv, bearer, bodyOf, jsonHeaders, problemOf, tokenFor } from "../../support/app";
import { addItem, cartOf, cartRows, convertCart, readCart } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { unreachableDatabase } from "../../support/replication";
import { newGuest, newShopper, replicateNow, send, VARIANTS } from "../../support/sessions";

const receiptOf = (response: Response) => bodyOf(response, 200, ConversionSchema);

describe.each(VARIANTS)("platform conversion (%s) — happy", (variant) => {
  it("marks the cart CONVERTED with the order id; the receipt has its figures; the next read is a new empty cart", async () => {
    const shopper = await newShopper(variant);
    const added = await addItem(shopper, await seedProduct(shopper.companyId, { price: 700 }), 3);
    const orderId = `order-${crypto.randomUUID()}`;
    const receipt = await receiptOf(await convertCart(shopper, orderId));
    expect(receipt).toMatchObject({
      cartId: shopper.cartId,
      orderId,
      status: "CONVERTED",
      currency: added.currency,
      grandTotal: added.totals.grandTotal,
      itemCount: 3,
      siteId: added.siteId,
      customerId: added.customerId,
    });

    const next = await readCart(shopper);
    expect(next.id).not.toBe(shopper.cartId);
    expect(next).toMatchObject({ status: "ACTIVE", items: [], orderId: null, sessionId: added.sessionId });
    expect((await readCart(shopper)).id).toBe(next.id);

    await replicateNow(shopper);
    expect((await cartRows(shopper.cartId)).cart).toMatchObject({
      status: "CONVERTED",
      orderId,
      version: added.version + 1,
      grandTotal: added.totals.grandTotal,
    });
  });

  it("is idempotent: the same cart and order again answer the same receipt and change nothing", async () => {
    const shopper = await newShopper(variant);
    await addItem(shopper, await seedProduct(shopper.companyId), 2);
    const orderId = `order-${crypto.randomUUID()}`;
    const first = await receiptOf(await convertCart(shopper, orderId));
    const next = await readCart(shopper);
    await replicateNow(shopper);
    const again = await receiptOf(await convertCart(shopper, orderId));
    expect(again).toEqual(first);
    expect(await readCart(shopper)).toEqual(next);
  });

  it("the shopper goes on shopping in the new cart", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    await addItem(shopper, productId);
    await receiptOf(await convertCart(shopper, crypto.randomUUID()));
    const next = await readCart(shopper);
    const path = variant === "public" ? `/api/public/cart/${next.id}/items` : "/api/cart/items";
    const cart = await cartOf(await send(shopper, "POST", path, { productId, quantity: 4 }), 201);
    expect(cart).toMatchObject({ id: next.id, status: "ACTIVE" });
  });
});

describe("platform conversion — errors", () => {
  it("an emptied cart cannot be converted (400), nothing changed", async () => {
    const guest = await newGuest();
    const [line] = (await addItem(guest, await seedProduct(guest.companyId))).items;
    const removed = await send(guest, "DELETE", guest.cartPath(`/items/${line?.id}`));
    const emptied = await cartOf(removed, 200);
    await replicateNow(guest);
    await problemOf(await convertCart(guest, "order-1"), 400, "VALIDATION_FAILED");
    expect(await readCart(guest)).toMatchObject({ id: guest.cartId, status: "ACTIVE", version: emptied.version });
  });

  it("a cart never changed is unknown to Postgres, so to the platform (404), nothing changed", async () => {
    const guest = await newGuest();
    await replicateNow(guest);
    await problemOf(await convertCart(guest, "order-1"), 404, "NOT_FOUND");
    expect(await readCart(guest)).toMatchObject({ id: guest.cartId, status: "ACTIVE", version: guest.version });
  });

  it("a cart Postgres does not know (never existed, or another company's) → 404", async () => {
    const [mine, theirs] = [await newGuest(), await newGuest()];
    await addItem(theirs, await seedProduct(theirs.companyId));
    await replicateNow(theirs);
    for (const cartId of [crypto.randomUUID(), theirs.cartId]) {
      await problemOf(await convertCart(mine, "order-1", { cartId }), 404, "NOT_FOUND");
    }
    expect((await readCart(theirs)).status).toBe("ACTIVE");
  });

  it("400 naming body.orderId when it is missing, empty, too long or holds a control character", async () => {
    const guest = await newGuest();
    await addItem(guest, await seedProduct(guest.companyId));
    for (const orderId of [undefined, "", "o".repeat(129), "order-\u0000-1"]) {
      const problem = await problemOf(await convertCart(guest, orderId as string), 400, "VALIDATION_FAILED");
      expect(problem.errors?.map((error) => error.field)).toEqual(["body.orderId"]);
    }
    expect((await readCart(guest)).status).toBe("ACTIVE");
  });

  it("an order id that converted another cart of the company → 409; that cart stays ACTIVE", async () => {
    const company = await createCompany();
    const [first, second] = [await newGuest(company), await newGuest(company)];
    const productId = await seedProduct(company.companyId);
    const orderId = `order-${crypto.randomUUID()}`;
    for (const guest of [first, second]) await addItem(guest, productId);
    await receiptOf(await convertCart(first, orderId));
    const problem = await problemOf(await convertCart(second, orderId), 409, "CONFLICT");
    expect(problem.detail).toContain("another cart");
    expect(await readCart(second)).toMatchObject({ id: second.cartId, status: "ACTIVE", orderId: null });
  });

  it("a cart converted for one order cannot be converted for another → 409", async () => {
    const guest = await newGuest();
    await addItem(guest, await seedProduct(guest.companyId));
    await receiptOf(await convertCart(guest, `order-${crypto.randomUUID()}`));
    const problem = await problemOf(await convertCart(guest, `order-${crypto.randomUUID()}`), 409, "CONFLICT");
    expect(problem.detail).toContain("another order");
  });

  it("Postgres unreachable: 503, and the cart stays ACTIVE (the platform retries)", async () => {
    const guest = await newGuest();
    await addItem(guest, await seedProduct(guest.companyId));
    await replicateNow(guest);
    const token = await tokenFor(guest.companyId, "service");
    const response = await apiWithEnv(
      { DATABASE_URL: unreachableDatabase().DATABASE_URL },
      `/api/platform/carts/${guest.cartId}/convert`,
      { method: "POST", headers: { ...bearer(token), ...jsonHeaders }, body: JSON.stringify({ orderId: "order-1" }) },
    );
    await problemOf(response, 503, "UNAVAILABLE");
    expect(response.headers.get("retry-after")).toBe("2");
    expect(await readCart(guest)).toMatchObject({ id: guest.cartId, status: "ACTIVE", orderId: null });
    expect((await receiptOf(await convertCart(guest, "order-1"))).cartId).toBe(guest.cartId);
  });

  it("concurrent conversions of two carts with one order id: exactly one wins, the other is a 409", async () => {
    const company = await createCompany();
    const guests = [await newGuest(company), await newGuest(company), await newGuest(company)];
    const productId = await seedProduct(company.companyId);
    for (const guest of guests) {
      await addItem(guest, productId);
      await replicateNow(guest);
    }
    const orderId = `order-${crypto.randomUUID()}`;
    const responses = await Promise.all(guests.map((guest) => convertCart(guest, orderId)));
    expect(responses.map((response) => response.status).sort()).toEqual([200, 409, 409]);
    await Promise.all(guests.map((guest) => replicateNow(guest)));
    const replicated = await Promise.all(guests.map(async (guest) => (await cartRows(guest.cartId)).cart?.status));
    expect(replicated.sort()).toEqual(["ACTIVE", "ACTIVE", "CONVERTED"]);
  });
});
