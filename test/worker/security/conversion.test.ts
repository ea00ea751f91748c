// Finding 2 of the security audit: any guest could mark its cart converted with any orderId
// (faking revenue, taking a real order's id first). Conversion is now the commerce platform's
// act: only a service JWT of the cart's company converts, through /api/platform/carts.
import { describe, expect, it } from "vitest";
import { bearer, problemOf, request, signToken, tokenFor } from "../../support/app";
import { addItem, cartRows, convertCart, readCart } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { newCustomer, newGuest, replicateNow, send } from "../../support/sessions";

describe("conversion is the platform's act", () => {
  it("shopper routes cannot convert: guest and customer get a 404 and the cart stays ACTIVE", async () => {
    const company = await createCompany();
    const productId = await seedProduct(company.companyId);
    for (const shopper of [await newGuest(company), await newCustomer(company)]) {
      await addItem(shopper, productId);
      const response = await send(shopper, "POST", shopper.cartPath("/convert"), { orderId: "order-1" });
      await problemOf(response, 404, "NOT_FOUND");
      await replicateNow(shopper);
      expect(await readCart(shopper)).toMatchObject({ id: shopper.cartId, status: "ACTIVE", orderId: null });
      expect((await cartRows(shopper.cartId)).cart).toMatchObject({ status: "ACTIVE", orderId: null });
    }
  });

  it("only a service JWT converts: no token 401, customer and admin 403, the cart stays ACTIVE", async () => {
    const guest = await newGuest();
    await addItem(guest, await seedProduct(guest.companyId));
    await replicateNow(guest);
    const path = `/api/platform/carts/${guest.cartId}/convert`;
    await problemOf(await request("POST", path, guest.headers, { orderId: "order-1" }), 401, "UNAUTHORIZED");
    for (const role of ["customer", "admin"]) {
      const token = await tokenFor(guest.companyId, role);
      await problemOf(await request("POST", path, bearer(token), { orderId: "order-1" }), 403, "FORBIDDEN");
    }
    expect((await readCart(guest)).status).toBe("ACTIVE");
  });

  it("another company's service JWT cannot convert the cart (404), nor use its order ids", async () => {
    const guest = await newGuest();
    await addItem(guest, await seedProduct(guest.companyId));
    const other = await createCompany();
    const otherService = await tokenFor(other.companyId, "service");
    await problemOf(await convertCart(guest, "order-1", { token: otherService }), 404, "NOT_FOUND");
    expect((await readCart(guest)).status).toBe("ACTIVE");

    // Order ids are per company: the same id converts a cart in each.
    const mine = await convertCart(guest, "order-1");
    expect(mine.status).toBe(200);
    const theirs = await newGuest(other);
    await addItem(theirs, await seedProduct(other.companyId));
    expect((await convertCart(theirs, "order-1")).status).toBe(200);
  });

  it("an expired service token is refused", async () => {
    const guest = await newGuest();
    await addItem(guest, await seedProduct(guest.companyId));
    const expired = await signToken({ companyId: guest.companyId, role: "service" }, { expiresIn: -60 });
    await problemOf(await convertCart(guest, "order-1", { token: expired }), 401, "UNAUTHORIZED");
  });
});
