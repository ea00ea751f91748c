// POST /discount and DELETE /discount/{code}: demo codes (NODE_ENV=test), promotions rows
// with minimum subtotal, window and stacking rules; each code reports its amount.
import { describe, expect, it } from "vitest";
import { problemOf } from "../../support/app";
import { addItem, cartOf, readCart } from "../../support/cart";
import { createCompany, seedProduct, seedPromotion, uniqueCode } from "../../support/catalog";
import { newGuest, newShopper, type Shopper, send, VARIANTS } from "../../support/sessions";

const HOUR = 3_600_000;

async function shopperWith(variant: (typeof VARIANTS)[number], price = 10_000) {
  const shopper = await newShopper(variant);
  const productId = await seedProduct(shopper.companyId, { price });
  const cart = await addItem(shopper, productId);
  return { shopper, productId, cart };
}

const apply = (shopper: Shopper, code: string) => send(shopper, "POST", shopper.cartPath("/discount"), { code });

describe.each(VARIANTS)("discounts (%s) — happy", (variant) => {
  it("SAVE10 (demo code outside production) takes 10 % off and reports its amount", async () => {
    const { shopper, cart: before } = await shopperWith(variant, 2_599);
    const cart = await cartOf(await apply(shopper, "save10"), 200);
    expect(cart.discounts).toEqual([{ code: "SAVE10", type: "PERCENT", value: 10, amount: 260, stackable: false }]);
    expect(cart.totals).toMatchObject({ subtotal: 2_599, discountTotal: 260, grandTotal: 2_339 });
    expect(cart.version).toBe(before.version + 1);
  });

  it("stackable promotions rows each show their amount; removing one recomputes", async () => {
    const { shopper } = await shopperWith(variant, 10_000);
    const percent = uniqueCode("PCT");
    const fixed = uniqueCode("FIX");
    await seedPromotion(shopper.companyId, { code: percent, type: "PERCENT", value: 15, stackable: true });
    await seedPromotion(shopper.companyId, { code: fixed, type: "FIXED", value: 500, stackable: true });
    await cartOf(await apply(shopper, percent), 200);
    const both = await cartOf(await apply(shopper, fixed.toLowerCase()), 200);
    expect(both.discounts.map(({ code, amount }) => ({ code, amount }))).toEqual([
      { code: percent, amount: 1_500 },
      { code: fixed, amount: 500 },
    ]);
    expect(both.totals).toMatchObject({ discountTotal: 2_000, grandTotal: 8_000 });

    const removed = await cartOf(await send(shopper, "DELETE", shopper.cartPath(`/discount/${percent}`)), 200);
    expect(removed.discounts.map(({ code, amount }) => ({ code, amount }))).toEqual([{ code: fixed, amount: 500 }]);
    expect(removed.totals).toMatchObject({ discountTotal: 500, grandTotal: 9_500 });
    expect(removed.version).toBe(both.version + 1);
  });

  it("a code's amount follows the cart: more items, more percent off", async () => {
    const { shopper, productId } = await shopperWith(variant, 1_000);
    await cartOf(await apply(shopper, "SAVE20"), 200);
    const cart = await addItem(shopper, productId, 4);
    expect(cart.discounts[0]?.amount).toBe(1_000);
    expect(cart.totals).toMatchObject({ subtotal: 5_000, discountTotal: 1_000, grandTotal: 4_000 });
  });

  it("a minimum subtotal is enforced when applying, then met", async () => {
    const { shopper, productId } = await shopperWith(variant, 1_000);
    const code = uniqueCode("MIN");
    await seedPromotion(shopper.companyId, { code, type: "FIXED", value: 300, minSubtotal: 3_000 });
    await problemOf(await apply(shopper, code), 422, "DISCOUNT_INVALID");
    await addItem(shopper, productId, 2);
    const cart = await cartOf(await apply(shopper, code), 200);
    expect(cart.discounts[0]).toMatchObject({ code, amount: 300 });
  });

  it("tax is charged on the discounted subtotal at the site's rate", async () => {
    const company = await createCompany({ taxRateBps: 825 });
    const shopper = await newShopper(variant, company);
    await addItem(shopper, await seedProduct(company.companyId, { price: 10_000 }));
    const cart = await cartOf(await apply(shopper, "SAVE10"), 200);
    expect(cart.totals).toEqual({
      subtotal: 10_000,
      discountTotal: 1_000,
      taxTotal: 743,
      shippingTotal: 0,
      grandTotal: 9_743,
      itemCount: 1,
    });
  });
});

describe.each(VARIANTS)("discounts (%s) — errors", (variant) => {
  it("an unknown code → 422 DISCOUNT_INVALID, nothing changed", async () => {
    const { shopper, cart } = await shopperWith(variant);
    await problemOf(await apply(shopper, "NOPE"), 422, "DISCOUNT_INVALID");
    expect((await readCart(shopper)).version).toBe(cart.version);
  });

  it("outside its window or inactive → 422 DISCOUNT_INVALID", async () => {
    const { shopper } = await shopperWith(variant);
    const future = uniqueCode("SOON");
    const past = uniqueCode("OVER");
    const off = uniqueCode("OFF");
    await seedPromotion(shopper.companyId, { code: future, startsAt: new Date(Date.now() + HOUR) });
    await seedPromotion(shopper.companyId, {
      code: past,
      startsAt: new Date(Date.now() - 2 * HOUR),
      endsAt: new Date(Date.now() - HOUR),
    });
    await seedPromotion(shopper.companyId, { code: off, active: false });
    for (const code of [future, past, off]) await problemOf(await apply(shopper, code), 422, "DISCOUNT_INVALID");
    const current = uniqueCode("NOW");
    await seedPromotion(shopper.companyId, {
      code: current,
      startsAt: new Date(Date.now() - HOUR),
      endsAt: new Date(Date.now() + HOUR),
    });
    expect((await cartOf(await apply(shopper, current), 200)).discounts).toHaveLength(1);
  });

  it("a non-stackable code cannot join others, nor others join it → 422 DISCOUNT_NOT_STACKABLE", async () => {
    const { shopper } = await shopperWith(variant);
    const stackable = uniqueCode("STACK");
    await seedPromotion(shopper.companyId, { code: stackable, stackable: true });
    await cartOf(await apply(shopper, stackable), 200);
    await problemOf(await apply(shopper, "SAVE10"), 422, "DISCOUNT_NOT_STACKABLE");
    await cartOf(await send(shopper, "DELETE", shopper.cartPath(`/discount/${stackable}`)), 200);
    await cartOf(await apply(shopper, "SAVE10"), 200);
    const before = await readCart(shopper);
    await problemOf(await apply(shopper, stackable), 422, "DISCOUNT_NOT_STACKABLE");
    await problemOf(await apply(shopper, "SAVE20"), 422, "DISCOUNT_NOT_STACKABLE");
    expect((await readCart(shopper)).version).toBe(before.version);
  });

  it("the 11th code → 422 CART_LIMIT", async () => {
    const { shopper } = await shopperWith(variant, 100_000);
    const codes = Array.from({ length: 11 }, () => uniqueCode("S"));
    for (const code of codes)
      await seedPromotion(shopper.companyId, { code, type: "FIXED", value: 100, stackable: true });
    let cart = await readCart(shopper);
    for (const code of codes.slice(0, 10)) cart = await cartOf(await apply(shopper, code), 200);
    expect(cart.discounts).toHaveLength(10);
    expect(cart.totals.discountTotal).toBe(1_000);
    await problemOf(await apply(shopper, codes[10] as string), 422, "CART_LIMIT");
    expect((await readCart(shopper)).version).toBe(cart.version);
  });

  it("removing a code that is not applied → 404; a blank or too long code → 400 naming body.code", async () => {
    const { shopper } = await shopperWith(variant);
    await problemOf(await send(shopper, "DELETE", shopper.cartPath("/discount/SAVE10")), 404, "NOT_FOUND");
    for (const code of ["   ", "X".repeat(65)]) {
      const problem = await problemOf(await apply(shopper, code), 400, "VALIDATION_FAILED");
      expect(problem.errors?.map((error) => error.field)).toEqual(["body.code"]);
    }
  });
});

describe("discounts — security", () => {
  it("another company's promotion code does not exist here → 422 DISCOUNT_INVALID", async () => {
    const other = await createCompany();
    const code = uniqueCode("THEIRS");
    await seedPromotion(other.companyId, { code, value: 50 });
    for (const variant of VARIANTS) {
      const { shopper } = await shopperWith(variant);
      await problemOf(await apply(shopper, code), 422, "DISCOUNT_INVALID");
    }
  });

  it("public: applying a code through another session's cart id → 404", async () => {
    const company = await createCompany();
    const owner = await newGuest(company);
    const intruder = await newGuest(company);
    await addItem(owner, await seedProduct(company.companyId));
    await problemOf(await send(intruder, "POST", `/api/public/cart/${owner.cartId}/discount`, { code: "SAVE10" }), 404);
    expect((await readCart(owner)).discounts).toEqual([]);
  });
});
