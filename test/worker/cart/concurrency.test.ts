// The session's Durable Object is the single writer: parallel changes are serialized, none
// is lost, none duplicates a line, and every line stays correctly priced.
import { describe, expect, it } from "vitest";
import { addItem, cartOf, readCart } from "../../support/cart";
import { createCompany, seedManyProducts, seedProduct } from "../../support/catalog";
import { newCustomer, newShopper, send, VARIANTS } from "../../support/sessions";

describe.each(VARIANTS)("concurrent changes (%s)", (variant) => {
  it("100 parallel adds of one product → one line of quantity 100, version + 100", { timeout: 60_000 }, async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId, { price: 250 });
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => send(shopper, "POST", shopper.cartPath("/items"), { productId, quantity: 1 })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(100).fill(201));
    const versions = await Promise.all(responses.map(async (response) => (await cartOf(response, 201)).version));
    // Every change got its own version: serialized, none lost.
    expect(new Set(versions).size).toBe(100);

    const cart = await readCart(shopper);
    expect(cart.items).toHaveLength(1);
    expect(cart.items[0]).toMatchObject({ productId, quantity: 100, lineTotal: 25_000, unavailable: false });
    expect(cart.version).toBe(shopper.version + 100);
    expect(cart.totals).toMatchObject({ subtotal: 25_000, itemCount: 100 });
  });

  it("100 parallel adds of 100 distinct products → exactly 100 lines, all priced", { timeout: 60_000 }, async () => {
    const shopper = await newShopper(variant);
    const productIds = await seedManyProducts(shopper.companyId, 100);
    const responses = await Promise.all(
      productIds.map((productId) => send(shopper, "POST", shopper.cartPath("/items"), { productId })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(100).fill(201));

    const cart = await readCart(shopper);
    expect(cart.items).toHaveLength(100);
    expect(new Set(cart.items.map((item) => item.productId))).toEqual(new Set(productIds));
    expect(cart.version).toBe(shopper.version + 100);
    // Lines added by calls running meanwhile are never mistaken for unavailable products.
    expect(cart.items.filter((item) => item.unavailable)).toEqual([]);
    // 1.00 + 2.00 + … + 100.00
    expect(cart.totals.subtotal).toBe((100 * 101 * 100) / 2);
  });
});

describe("concurrent changes across sites and kinds", () => {
  it("parallel adds from both sites of a customer land in the one cart", { timeout: 30_000 }, async () => {
    const company = await createCompany();
    const customer = await newCustomer(company);
    const productId = await seedProduct(company.companyId);
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        send(customer, "POST", "/api/cart/items", { productId }, { "x-site-id": company.siteIds[index % 2] as string }),
      ),
    );
    const cart = await readCart(customer);
    expect(cart.items).toHaveLength(1);
    expect(cart.items[0]?.quantity).toBe(20);
  });

  it("parallel mixed changes (add, update, discount) all apply, in some order", { timeout: 30_000 }, async () => {
    const shopper = await newShopper("public");
    const [a, b] = [await seedProduct(shopper.companyId), await seedProduct(shopper.companyId)];
    const start = await addItem(shopper, a as string, 1);
    const lineId = start.items[0]?.id as string;
    const responses = await Promise.all([
      send(shopper, "POST", shopper.cartPath("/items"), { productId: b }),
      send(shopper, "PATCH", shopper.cartPath(`/items/${lineId}`), { quantity: 5 }),
      send(shopper, "POST", shopper.cartPath("/discount"), { code: "SAVE10" }),
    ]);
    expect(responses.map((response) => response.status).sort()).toEqual([200, 200, 201]);
    const cart = await readCart(shopper);
    expect(cart.version).toBe(start.version + 3);
    expect(cart.items.map((item) => item.quantity).sort()).toEqual([1, 5]);
    expect(cart.discounts.map((discount) => discount.code)).toEqual(["SAVE10"]);
    expect(cart.totals.discountTotal).toBe(900);
  });
});
