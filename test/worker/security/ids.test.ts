// Finding 8 (the audit's 9th): one id rule everywhere. Every id the API takes (path, query,
// headers, bodies, JWT claims, catalog feed) is an 8-4-4-4-12 hex UUID in any letter case,
// lower-cased at the edge: an upper-case id names the same thing as its lower-case form.
import { describe, expect, it } from "vitest";
import { CartSchema } from "../../../src/modules/cart/schema";
import { api, bearer, bodyOf, customerToken, problemOf, request } from "../../support/app";
import { addItem, cartOf, readCart } from "../../support/cart";
import { createCompany, seedProducts } from "../../support/catalog";
import { addToComparison, addToWishlist, readWishlist } from "../../support/lists";
import { newCustomer, newGuest, newShopper, send, VARIANTS } from "../../support/sessions";

const upper = (id: string) => id.toUpperCase();

describe("public headers", () => {
  it("an upper-case x-company-id, x-site-id and cart id reach the same cart", async () => {
    const company = await createCompany();
    const [productId] = await seedProducts(company.companyId, [{}]);
    const guest = await newGuest(company);
    const headers = {
      "x-company-id": upper(company.companyId),
      "x-site-id": upper(company.siteIds[0]),
      "x-session-token": guest.sessionToken as string,
    };
    const cart = await cartOf(
      await request("POST", `/api/public/cart/${upper(guest.cartId)}/items`, headers, {
        productId: upper(productId as string),
      }),
      201,
    );
    expect(cart.id).toBe(guest.cartId);
    expect(cart.items.map((item) => item.productId)).toEqual([productId]);
    expect((await readCart(guest)).items).toHaveLength(1);
  });
});

describe("JWT claims", () => {
  it("a customer token with upper-case companyId and customerId is the same customer", async () => {
    const company = await createCompany();
    const customerId = crypto.randomUUID();
    const lower = await newCustomer(company, customerId);
    const token = await customerToken(upper(company.companyId), upper(customerId));
    const cart = await bodyOf(await api("/api/cart", { headers: bearer(token) }), 200, CartSchema);
    expect(cart.id).toBe(lower.cartId);
    expect(cart.sessionId).toBe(lower.sessionId);
  });
});

describe.each(VARIANTS)("%s shopper", (variant) => {
  it("upper-case product, line and saved-line ids work like lower-case ones", async () => {
    const company = await createCompany();
    const [productId, otherId] = (await seedProducts(company.companyId, [{}, {}])) as [string, string];
    const shopper = await newShopper(variant, company);
    const added = await cartOf(
      await send(shopper, "POST", shopper.cartPath("/items"), { productId: upper(productId) }),
      201,
    );
    const line = added.items[0]?.id as string;
    expect(added.items[0]?.productId).toBe(productId);
    // The same product in the other case is the same line.
    const again = await addItem(shopper, productId);
    expect(again.items).toHaveLength(1);
    expect(again.items[0]?.quantity).toBe(2);

    await cartOf(await send(shopper, "PATCH", shopper.cartPath(`/items/${upper(line)}`), { quantity: 3 }), 200);
    const saved = await cartOf(await send(shopper, "POST", shopper.cartPath(`/items/${upper(line)}/save`)), 200);
    const savedId = saved.savedItems[0]?.id as string;
    await cartOf(await send(shopper, "POST", shopper.cartPath(`/saved/${upper(savedId)}/restore`)), 200);
    const restored = await readCart(shopper);
    expect(restored.items.map((item) => [item.productId, item.quantity])).toEqual([[productId, 3]]);
    const removed = await cartOf(
      await send(shopper, "DELETE", shopper.cartPath(`/items/${upper(restored.items[0]?.id as string)}`)),
      200,
    );
    expect(removed.items).toEqual([]);

    const wishlist = await addToWishlist(shopper, { productId: upper(otherId) });
    expect(wishlist.items.map((item) => item.productId)).toEqual([otherId]);
    const wishlistLine = wishlist.items[0]?.id as string;
    const deleted = await send(shopper, "DELETE", shopper.path("wishlist", `/items/${upper(wishlistLine)}`));
    expect(deleted.status, await deleted.text()).toBe(200);
    expect((await readWishlist(shopper)).items).toEqual([]);
  });

  it("a catalog id that is a GUID but not an RFC 9562 UUID can be shopped", async () => {
    const company = await createCompany();
    // Version nibble 0 and variant nibble 0: the catalog feed has always accepted such ids.
    const id = `11111111-1111-0111-0111-${crypto.randomUUID().slice(-12)}`;
    await seedProducts(company.companyId, [{ id }]);
    const shopper = await newShopper(variant, company);
    const cart = await cartOf(await send(shopper, "POST", shopper.cartPath("/items"), { productId: upper(id) }), 201);
    expect(cart.items.map((item) => item.productId)).toEqual([id]);
    const comparison = await addToComparison(shopper, upper(id));
    expect(comparison.items.map((item) => item.productId)).toEqual([id]);
  });

  it("what is not an id is still a 400 naming the field", async () => {
    const shopper = await newShopper(variant);
    for (const productId of [
      "not-an-id",
      "{11111111-1111-1111-1111-111111111111}",
      "11111111111111111111111111111111",
    ]) {
      const problem = await problemOf(await send(shopper, "POST", shopper.cartPath("/items"), { productId }), 400);
      expect(problem.errors?.map((error) => error.field)).toEqual(["body.productId"]);
    }
  });
});
