// One storefront journey end to end: a guest shops on two sites, signs in (merge), checks
// out (convert), and Postgres ends up holding exactly what the shopper saw.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/lib/tokens";
import { MergeResultSchema } from "../../../src/modules/cart/schema";
import { problemOf } from "../../support/app";
import { addItem, cartOf, cartRows, convertedCart, expectReplicated, readCart } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { newCustomer, newGuest, replicateNow, send } from "../../support/sessions";

describe("storefront journey", () => {
  it("guest on two sites → sign-in merge → checkout → replicated", async () => {
    const company = await createCompany();
    const [boots, socks] = [
      await seedProduct(company.companyId, { price: 12_900, name: "Boots" }),
      await seedProduct(company.companyId, { price: 900, name: "Socks" }),
    ];

    const guest = await newGuest(company);
    await addItem(guest, boots as string, 1);
    const onSiteB = await cartOf(
      await send(
        guest,
        "POST",
        guest.cartPath("/items"),
        { productId: socks, quantity: 3 },
        { "x-site-id": company.siteIds[1] },
      ),
      201,
    );
    expect(onSiteB.items.map((item) => item.siteId)).toEqual(company.siteIds);
    await cartOf(await send(guest, "POST", guest.cartPath("/discount"), { code: "SAVE10" }), 200);
    await replicateNow(guest);
    await expectReplicated(await readCart(guest), await sha256Hex(guest.sessionToken as string));

    const customer = await newCustomer(company);
    const merged = await send(customer, "POST", "/api/cart/merge", { sessionToken: guest.sessionToken });
    expect(merged.status).toBe(200);
    const { cart } = MergeResultSchema.parse(await merged.json());
    expect(cart.items.map((item) => [item.productId, item.quantity])).toEqual([
      [boots, 1],
      [socks, 3],
    ]);
    expect(cart.discounts.map((discount) => discount.code)).toEqual(["SAVE10"]);
    expect(cart.totals).toMatchObject({ subtotal: 15_600, discountTotal: 1_560, grandTotal: 14_040 });
    await problemOf(await send(guest, "GET", "/api/public/cart"), 409, "SESSION_MERGED");

    const orderId = `order-${crypto.randomUUID()}`;
    const converted = await convertedCart(customer, orderId);
    expect(converted).toMatchObject({ status: "CONVERTED", orderId });
    const next = await readCart(customer);
    expect(next).toMatchObject({ status: "ACTIVE", items: [] });

    await replicateNow(guest);
    await replicateNow(customer);
    await expectReplicated(converted, null);
    await expectReplicated(next, null);
    expect((await cartRows(guest.cartId)).cart?.status).toBe("MERGED");
  });
});
