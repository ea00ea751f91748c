// crosscart/client's cart against the real Worker: every method, as an anonymous shopper
// (public routes, the cart named in the path) and as a signed-in customer (the customer routes).
import { describe, expect, it } from "vitest";
import type { SessionAddress } from "../../../durable-objects/contract";
import { CrosscartError } from "../../../src/client";
import { sha256Hex } from "../../../src/lib/tokens";
import { api } from "../../support/app";
import { convertCart } from "../../support/cart";
import { createCompany, seedBundle, seedPromotion, uniqueCode } from "../../support/catalog";
import { clientFor, newCustomerJwt, recordingFetch, twoProducts } from "../../support/client";

const AUDIENCES = ["guest", "customer"] as const;

async function shopperClient(audience: (typeof AUDIENCES)[number]) {
  const company = await createCompany();
  const recorder = recordingFetch();
  const client = clientFor(company, { fetch: recorder.fetch });
  if (audience === "customer") await client.session.signIn((await newCustomerJwt(company)).jwt);
  return { company, client, seen: recorder.seen };
}

describe.each(AUDIENCES)("client.cart (%s)", (audience) => {
  it("create, get, addItem, updateItem, removeItem: each resolves to the cart", async () => {
    const { company, client, seen } = await shopperClient(audience);
    const [ten, twentyFive] = await twoProducts(company);

    const created = await client.cart.create();
    expect(created.items).toEqual([]);
    expect(created).not.toHaveProperty("sessionToken");
    if (audience === "guest") expect(client.session.token).toMatch(/^[0-9a-f]{64}$/);
    else expect(client.session.token).toBeNull();

    let cart = await client.cart.addItem({ productId: ten, quantity: 2 });
    cart = await client.cart.addItem({ productId: twentyFive });
    expect(cart.items.map((item) => [item.productId, item.quantity])).toEqual([
      [ten, 2],
      [twentyFive, 1],
    ]);
    const line = cart.items.find((item) => item.productId === twentyFive);
    cart = await client.cart.updateItem(line?.id as string, { quantity: 3 });
    expect(cart.totals.subtotal).toBe(2 * 1000 + 3 * 2500);
    cart = await client.cart.removeItem(line?.id as string);
    expect(cart.items.map((item) => item.productId)).toEqual([ten]);
    expect(await client.cart.get()).toEqual(cart);

    // The paths the client chose: a guest's changes name the cart, a customer's are implied.
    const changes = seen.filter((request) => request.method !== "GET" && request.path.includes("/items"));
    const prefix = audience === "guest" ? `/api/public/cart/${cart.id}` : "/api/cart";
    expect(changes.every((request) => request.path.startsWith(`${prefix}/items`))).toBe(true);
    // Every change carried its own Idempotency-Key.
    const keys = seen.filter((request) => request.method !== "GET").map((request) => request.idempotencyKey);
    expect(keys.every(Boolean)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("addBundle and removeBundle; applyDiscount and removeDiscount", async () => {
    const { company, client } = await shopperClient(audience);
    const [ten, twentyFive] = await twoProducts(company);
    const bundleId = await seedBundle(company.companyId, [{ productId: ten }, { productId: twentyFive }], {
      discountType: "PERCENT",
      discountValue: 10,
    });
    const code = uniqueCode("CLIENT");
    await seedPromotion(company.companyId, { code, type: "FIXED", value: 500 });

    let cart = await client.cart.addBundle({ bundleId });
    const groupId = cart.items[0]?.bundleGroupId as string;
    expect(cart.items).toHaveLength(2);
    expect(cart.totals.subtotal).toBe(3150);

    cart = await client.cart.applyDiscount(code.toLowerCase());
    expect(cart.discounts.map((discount) => discount.code)).toEqual([code]);
    expect(cart.totals.discountTotal).toBe(500);
    cart = await client.cart.removeDiscount(code);
    expect(cart.discounts).toEqual([]);

    cart = await client.cart.removeBundle(groupId);
    expect(cart.items).toEqual([]);
  });

  it("saveForLater, restore, removeSaved", async () => {
    const { company, client } = await shopperClient(audience);
    const [ten, twentyFive] = await twoProducts(company);
    await client.cart.addItem({ productId: ten });
    let cart = await client.cart.addItem({ productId: twentyFive });

    cart = await client.cart.saveForLater(cart.items[0]?.id as string);
    expect(cart.items.map((item) => item.productId)).toEqual([twentyFive]);
    expect(cart.savedItems.map((item) => item.productId)).toEqual([ten]);
    cart = await client.cart.restore(cart.savedItems[0]?.id as string);
    expect(cart.savedItems).toEqual([]);
    expect(cart.items.map((item) => item.productId).sort()).toEqual([ten, twentyFive].sort());

    cart = await client.cart.saveForLater(cart.items[0]?.id as string);
    cart = await client.cart.removeSaved(cart.savedItems[0]?.id as string);
    expect(cart.savedItems).toEqual([]);
  });

  it("after the platform converted the cart (and the session started its next one), a change lands in the new cart", async () => {
    const { company, client } = await shopperClient(audience);
    const [ten] = await twoProducts(company);
    const cart = await client.cart.addItem({ productId: ten });
    const token = client.session.token;
    const address: SessionAddress = token
      ? { kind: "anonymous", companyId: company.companyId, tokenHash: await sha256Hex(token) }
      : { kind: "customer", companyId: company.companyId, customerId: cart.customerId as string };
    const converted = await convertCart(
      { companyId: company.companyId, cartId: cart.id, address },
      crypto.randomUUID(),
    );
    expect(converted.status).toBe(200);
    if (token) {
      // Another tab reads the cart: the session's next cart now exists, and the cart this client
      // remembers takes no more changes (404).
      const headers = { "x-company-id": company.companyId, "x-session-token": token };
      expect((await api("/api/public/cart", { headers })).status).toBe(200);
    }

    const next = await client.cart.addItem({ productId: ten, quantity: 2 });
    expect(next.id).not.toBe(cart.id);
    expect(next).toMatchObject({ status: "ACTIVE", orderId: null });
    expect(next.items.map((item) => [item.productId, item.quantity])).toEqual([[ten, 2]]);
  });

  it("If-Match per call: the current version passes, a stale one is 412 VERSION_MISMATCH with the version", async () => {
    const { company, client, seen } = await shopperClient(audience);
    const [ten] = await twoProducts(company);
    const start = await client.cart.create();
    const cart = await client.cart.addItem({ productId: ten }, { ifMatch: start.version });
    expect(seen.at(-1)?.ifMatch).toBe(`"${start.version}"`);

    const stale = await client.cart.addItem({ productId: ten }, { ifMatch: start.version }).catch((error) => error);
    expect(stale).toBeInstanceOf(CrosscartError);
    expect(stale).toMatchObject({ name: "CrosscartError", status: 412, code: "VERSION_MISMATCH" });
    expect(stale.problem.version).toBe(cart.version);
    expect((await client.cart.get()).items[0]?.quantity).toBe(1);
  });
});

it("a guest's first change opens the session and reads the cart it names (no create() needed)", async () => {
  const company = await createCompany();
  const [ten] = await twoProducts(company);
  const { fetch, seen } = recordingFetch();
  const client = clientFor(company, { fetch });
  const cart = await client.cart.addItem({ productId: ten });
  expect(cart.items).toHaveLength(1);
  expect(seen.map((request) => `${request.method} ${request.path}`)).toEqual([
    "POST /api/public/session",
    "GET /api/public/cart",
    `POST /api/public/cart/${cart.id}/items`,
  ]);
});
