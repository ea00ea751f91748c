// POST /api/cart/merge: a guest session's cart folded into the signed-in customer's cart.
import { describe, expect, it } from "vitest";
import { MergeResultSchema } from "../../../src/modules/cart/schema";
import { api, bearer, customerToken, problemOf, signToken } from "../../support/app";
import { addItem, cartOf, convertedCart, readCart } from "../../support/cart";
import { createCompany, seedProduct, type TestCompany } from "../../support/catalog";
import { newCustomer, newGuest, type Shopper, send } from "../../support/sessions";

interface Scene {
  company: TestCompany;
  customer: Shopper;
  guest: Shopper;
  /** in both carts: customer 3, guest 2 */
  shared: string;
  /** only in the guest's cart (1) */
  guestOnly: string;
  /** only in the customer's cart (1) */
  customerOnly: string;
}

async function scene(): Promise<Scene> {
  const company = await createCompany();
  const [shared, guestOnly, customerOnly] = [
    await seedProduct(company.companyId, { price: 1000 }),
    await seedProduct(company.companyId, { price: 200 }),
    await seedProduct(company.companyId, { price: 50 }),
  ];
  const customer = await newCustomer(company);
  const guest = await newGuest(company);
  await addItem(customer, shared as string, 3);
  await addItem(customer, customerOnly as string, 1);
  await addItem(guest, shared as string, 2);
  await addItem(guest, guestOnly as string, 1);
  return {
    company,
    customer,
    guest,
    shared: shared as string,
    guestOnly: guestOnly as string,
    customerOnly: customerOnly as string,
  };
}

const merge = (customer: Pick<Shopper, "headers">, body: Record<string, unknown>) =>
  send(customer, "POST", "/api/cart/merge", body);

async function mergeResult(response: Response) {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  const result = MergeResultSchema.parse(JSON.parse(text));
  expect(response.headers.get("etag")).toBe(`"${result.cart.version}"`);
  return result;
}

const quantities = (items: { productId: string; quantity: number }[]) =>
  Object.fromEntries(items.map((item) => [item.productId, item.quantity]));

describe("POST /api/cart/merge — happy", () => {
  it("max (default): the larger quantity per product, guest-only lines added, priced and available", async () => {
    const s = await scene();
    const result = await mergeResult(await merge(s.customer, { sessionToken: s.guest.sessionToken }));
    expect(result).toMatchObject({ dryRun: false, alreadyMerged: false });
    expect(quantities(result.cart.items)).toEqual({ [s.shared]: 3, [s.customerOnly]: 1, [s.guestOnly]: 1 });
    expect(result.cart.id).toBe(s.customer.cartId);
    expect(result.cart.items.every((item) => !item.unavailable)).toBe(true);
    expect(result.cart.totals.subtotal).toBe(3_000 + 50 + 200);
    expect(result.diff.added).toEqual([expect.objectContaining({ productId: s.guestOnly, quantity: 1 })]);
    expect(result.diff.quantityChanged).toEqual([]);
  });

  it("sum adds quantities; replace takes the guest's cart", async () => {
    const summed = await scene();
    const sum = await mergeResult(
      await merge(summed.customer, { sessionToken: summed.guest.sessionToken, strategy: "sum" }),
    );
    expect(quantities(sum.cart.items)).toEqual({ [summed.shared]: 5, [summed.customerOnly]: 1, [summed.guestOnly]: 1 });
    expect(sum.diff.quantityChanged).toEqual([expect.objectContaining({ productId: summed.shared, from: 3, to: 5 })]);

    const replaced = await scene();
    const replace = await mergeResult(
      await merge(replaced.customer, { sessionToken: replaced.guest.sessionToken, strategy: "replace" }),
    );
    expect(quantities(replace.cart.items)).toEqual({ [replaced.shared]: 2, [replaced.guestOnly]: 1 });
    expect(replace.diff.dropped).toEqual([
      expect.objectContaining({ productId: replaced.customerOnly, reason: "REPLACED" }),
    ]);
  });

  it("dryRun returns the would-be cart and diff and changes nothing; the guest stays usable", async () => {
    const s = await scene();
    const before = await readCart(s.customer);
    const result = await mergeResult(
      await merge(s.customer, { sessionToken: s.guest.sessionToken, dryRun: true, strategy: "sum" }),
    );
    expect(result).toMatchObject({ dryRun: true, alreadyMerged: false });
    expect(quantities(result.cart.items)).toEqual({ [s.shared]: 5, [s.customerOnly]: 1, [s.guestOnly]: 1 });
    expect(result.cart.items.every((item) => !item.unavailable)).toBe(true);

    expect(await readCart(s.customer)).toEqual(before);
    const guestCart = await readCart(s.guest);
    expect(guestCart.status).toBe("ACTIVE");
    await addItem(s.guest, s.shared, 1);
  });

  it("dryRun for a customer who has no session yet previews without creating one", async () => {
    const company = await createCompany();
    const guest = await newGuest(company);
    const productId = await seedProduct(company.companyId, { price: 300 });
    await addItem(guest, productId, 2);
    const headers = bearer(await customerToken(company.companyId, crypto.randomUUID()));
    const result = await mergeResult(await merge({ headers }, { sessionToken: guest.sessionToken, dryRun: true }));
    expect(result.cart.items).toEqual([expect.objectContaining({ productId, quantity: 2, unavailable: false })]);
    expect(result.cart.totals.subtotal).toBe(600);
    expect((await readCart(guest)).status).toBe("ACTIVE");
  });

  it("a real merge ends the guest session: its token gets 409 SESSION_MERGED", async () => {
    const s = await scene();
    await mergeResult(await merge(s.customer, { sessionToken: s.guest.sessionToken }));
    await problemOf(await send(s.guest, "GET", "/api/public/cart"), 409, "SESSION_MERGED");
    await problemOf(
      await send(s.guest, "POST", s.guest.cartPath("/items"), { productId: s.shared }),
      409,
      "SESSION_MERGED",
    );
    // Asking for a cart with the merged token starts a brand-new session instead.
    const fresh = await api("/api/public/cart", {
      method: "POST",
      headers: { ...s.guest.headers, "content-type": "application/json" },
      body: "{}",
    });
    expect(fresh.status).toBe(201);
  });

  it("retrying the same merge is idempotent: alreadyMerged, quantities not doubled", async () => {
    const s = await scene();
    const body = { sessionToken: s.guest.sessionToken, strategy: "sum" };
    const first = await mergeResult(await merge(s.customer, body));
    const retry = await mergeResult(await merge(s.customer, body));
    expect(retry.alreadyMerged).toBe(true);
    expect(retry.cart.version).toBe(first.cart.version);
    expect(quantities(retry.cart.items)).toEqual(quantities(first.cart.items));
    expect(quantities(retry.cart.items)[s.shared]).toBe(5);
  });

  it("a retry after the customer checked out does not bring the guest's lines back", async () => {
    const s = await scene();
    const body = { sessionToken: s.guest.sessionToken };
    await mergeResult(await merge(s.customer, body));
    await convertedCart(s.customer, crypto.randomUUID());
    const retry = await mergeResult(await merge(s.customer, body));
    expect(retry.alreadyMerged).toBe(true);
    expect(retry.cart.items).toEqual([]);
    expect((await readCart(s.customer)).items).toEqual([]);
  });

  it("the merged guest lines are ordinary lines of the customer's cart afterwards", async () => {
    const s = await scene();
    const result = await mergeResult(await merge(s.customer, { sessionToken: s.guest.sessionToken }));
    const guestLine = result.cart.items.find((item) => item.productId === s.guestOnly);
    const patched = await cartOf(
      await send(s.customer, "PATCH", `/api/cart/items/${guestLine?.id}`, { quantity: 4 }),
      200,
    );
    expect(patched.items.find((item) => item.productId === s.guestOnly)).toMatchObject({ quantity: 4, lineTotal: 800 });
    const converted = await convertedCart(s.customer, crypto.randomUUID());
    expect(converted.status).toBe("CONVERTED");
  });
});

describe("POST /api/cart/merge — errors", () => {
  it("400 naming body.sessionToken / body.strategy / body.dryRun", async () => {
    const customer = await newCustomer();
    for (const [body, field] of [
      [{}, "body.sessionToken"],
      [{ sessionToken: "X".repeat(64) }, "body.sessionToken"],
      [{ sessionToken: "a".repeat(64), strategy: "min" }, "body.strategy"],
      [{ sessionToken: "a".repeat(64), dryRun: "yes" }, "body.dryRun"],
    ] as const) {
      const problem = await problemOf(await merge(customer, body), 400, "VALIDATION_FAILED");
      expect(problem.errors?.map((error) => error.field)).toEqual([field]);
    }
  });

  it("404 for a token that names no session, dry run or not; the customer's cart is unchanged", async () => {
    const customer = await newCustomer();
    for (const dryRun of [true, false]) {
      await problemOf(await merge(customer, { sessionToken: "e".repeat(64), dryRun }), 404, "NOT_FOUND");
    }
    expect((await readCart(customer)).version).toBe(customer.version);
  });

  it("401 without a token", async () => {
    const response = await api("/api/cart/merge", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sessionToken: "a".repeat(64) }),
    });
    await problemOf(response, 401, "UNAUTHORIZED");
  });
});

describe("POST /api/cart/merge — security", () => {
  it("a guest session of another company → 404, it stays usable", async () => {
    const customer = await newCustomer();
    const foreign = await newGuest();
    await addItem(foreign, await seedProduct(foreign.companyId));
    await problemOf(await merge(customer, { sessionToken: foreign.sessionToken }), 404);
    expect((await readCart(foreign)).status).toBe("ACTIVE");
    expect((await readCart(customer)).items).toEqual([]);
  });

  it("a guest merged into one customer cannot be merged into another (409 SESSION_MERGED)", async () => {
    const s = await scene();
    await mergeResult(await merge(s.customer, { sessionToken: s.guest.sessionToken }));
    const other = await newCustomer(s.company);
    await problemOf(await merge(other, { sessionToken: s.guest.sessionToken }), 409, "SESSION_MERGED");
    await problemOf(await merge(other, { sessionToken: s.guest.sessionToken, dryRun: true }), 409, "SESSION_MERGED");
    expect((await readCart(other)).items).toEqual([]);
  });

  for (const role of ["admin", "service"]) {
    it(`403 for an ${role} JWT`, async () => {
      const guest = await newGuest();
      const headers = bearer(await signToken({ companyId: guest.companyId, role }));
      await problemOf(await merge({ headers }, { sessionToken: guest.sessionToken }), 403, "FORBIDDEN");
      expect((await readCart(guest)).status).toBe("ACTIVE");
    });
  }
});
