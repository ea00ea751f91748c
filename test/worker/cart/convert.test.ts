// POST /convert: the order flow marks the cart CONVERTED (idempotent by orderId); the
// shopper's next read is a new, empty, ACTIVE cart.
import { describe, expect, it } from "vitest";
import { problemOf } from "../../support/app";
import { addItem, cartOf, readCart } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { newGuest, newShopper, replicateNow, send, VARIANTS } from "../../support/sessions";

describe.each(VARIANTS)("convert (%s) — happy", (variant) => {
  it("marks the cart CONVERTED with the order id; the next read is a new empty ACTIVE cart", async () => {
    const shopper = await newShopper(variant);
    const added = await addItem(shopper, await seedProduct(shopper.companyId, { price: 700 }), 3);
    const orderId = `order-${crypto.randomUUID()}`;
    const converted = await cartOf(await send(shopper, "POST", shopper.cartPath("/convert"), { orderId }), 200);
    expect(converted).toMatchObject({ id: shopper.cartId, status: "CONVERTED", orderId, version: added.version + 1 });
    expect(converted.totals.subtotal).toBe(2_100);

    const next = await readCart(shopper);
    expect(next.id).not.toBe(shopper.cartId);
    expect(next).toMatchObject({ status: "ACTIVE", items: [], orderId: null, sessionId: converted.sessionId });
    expect(next.totals.grandTotal).toBe(0);
    // Reading again is the same new cart, not yet another one.
    expect((await readCart(shopper)).id).toBe(next.id);
  });

  it("is idempotent by orderId: the same order again returns the converted cart, changes nothing", async () => {
    const shopper = await newShopper(variant);
    await addItem(shopper, await seedProduct(shopper.companyId), 2);
    const orderId = `order-${crypto.randomUUID()}`;
    const first = await cartOf(await send(shopper, "POST", shopper.cartPath("/convert"), { orderId }), 200);
    const again = await cartOf(await send(shopper, "POST", shopper.cartPath("/convert"), { orderId }), 200);
    expect(again).toMatchObject({ id: first.id, status: "CONVERTED", orderId, items: first.items });
    expect(again.totals).toEqual(first.totals);
  });

  it("stays idempotent after the converted cart was replicated and a new cart started", async () => {
    const shopper = await newShopper(variant);
    await addItem(shopper, await seedProduct(shopper.companyId, { price: 400 }), 2);
    const orderId = `order-${crypto.randomUUID()}`;
    const first = await cartOf(await send(shopper, "POST", shopper.cartPath("/convert"), { orderId }), 200);
    const next = await readCart(shopper);
    await replicateNow(shopper);
    const path = variant === "public" ? `/api/public/cart/${next.id}/convert` : "/api/cart/convert";
    const again = await cartOf(await send(shopper, "POST", path, { orderId }), 200);
    expect(again).toMatchObject({
      id: first.id,
      status: "CONVERTED",
      orderId,
      items: first.items,
      totals: first.totals,
    });
    expect((await readCart(shopper)).id).toBe(next.id);
  });

  it("the shopper goes on shopping in the new cart", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    await addItem(shopper, productId);
    await cartOf(await send(shopper, "POST", shopper.cartPath("/convert"), { orderId: crypto.randomUUID() }), 200);
    const next = await readCart(shopper);
    const path = variant === "public" ? `/api/public/cart/${next.id}/items` : "/api/cart/items";
    const cart = await cartOf(await send(shopper, "POST", path, { productId, quantity: 4 }), 201);
    expect(cart).toMatchObject({ id: next.id, status: "ACTIVE" });
    expect(cart.items).toEqual([expect.objectContaining({ productId, quantity: 4 })]);
  });
});

describe.each(VARIANTS)("convert (%s) — errors", (variant) => {
  it("an empty cart cannot be converted (400), nothing changed", async () => {
    const shopper = await newShopper(variant);
    await problemOf(
      await send(shopper, "POST", shopper.cartPath("/convert"), { orderId: "order-1" }),
      400,
      "VALIDATION_FAILED",
    );
    expect(await readCart(shopper)).toMatchObject({ id: shopper.cartId, status: "ACTIVE", version: shopper.version });
  });

  it("400 naming body.orderId when it is missing or too long", async () => {
    const shopper = await newShopper(variant);
    for (const body of [{}, { orderId: "" }, { orderId: "o".repeat(129) }]) {
      const problem = await problemOf(await send(shopper, "POST", shopper.cartPath("/convert"), body), 400);
      expect(problem.errors?.map((error) => error.field)).toEqual(["body.orderId"]);
    }
  });
});

describe("convert — security", () => {
  it("public: converting another session's cart → 404, it stays ACTIVE", async () => {
    const company = await createCompany();
    const owner = await newGuest(company);
    const intruder = await newGuest(company);
    await addItem(owner, await seedProduct(company.companyId));
    await problemOf(
      await send(intruder, "POST", `/api/public/cart/${owner.cartId}/convert`, { orderId: "order-x" }),
      404,
    );
    expect((await readCart(owner)).status).toBe("ACTIVE");
  });

  it("public: after conversion the converted cart's id no longer takes changes once a new cart exists", async () => {
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    await addItem(guest, productId);
    await cartOf(await send(guest, "POST", guest.cartPath("/convert"), { orderId: crypto.randomUUID() }), 200);
    const next = await readCart(guest);
    await problemOf(await send(guest, "POST", guest.cartPath("/items"), { productId }), 404);
    expect((await readCart(guest)).id).toBe(next.id);
  });
});
