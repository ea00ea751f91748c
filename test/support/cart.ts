// The cart as the API shows it (parsed with the route's schema, ETag checked) and as
// Postgres holds it once replicated.
import { runInDurableObject } from "cloudflare:test";
import { asc, eq } from "drizzle-orm";
import { expect } from "vitest";
import type { z } from "zod";
import { type CartDoc, cartView, type SessionDoc } from "../../durable-objects/contract";
import { cartDocName, SESSION } from "../../durable-objects/storage";
import { cartItems, carts, savedCartItems } from "../../src/db/schema";
import { CartSchema } from "../../src/modules/cart/schema";
import { ConversionSchema } from "../../src/modules/conversion";
import { bearer, bodyOf, request, tokenFor } from "./app";
import { withDatabase } from "./db";
import { replicateNow, type Shopper, send, sessionStubOf } from "./sessions";

export type Cart = z.infer<typeof CartSchema>;

/** Asserts the status and the ETag, and parses the body with the route's schema. */
export async function cartOf(response: Response, status: number): Promise<Cart> {
  const cart = await bodyOf(response, status, CartSchema);
  expect(response.headers.get("etag")).toBe(`"${cart.version}"`);
  return cart;
}

/** The shopper's cart as the API shows it. */
export async function readCart(shopper: Shopper): Promise<Cart> {
  return cartOf(await send(shopper, "GET", shopper.path("cart")), 200);
}

/** Adds a product (201) and returns the cart. */
export async function addItem(shopper: Shopper, productId: string, quantity = 1, variantId?: string): Promise<Cart> {
  return cartOf(
    await send(shopper, "POST", shopper.cartPath("/items"), {
      productId,
      quantity,
      ...(variantId ? { variantId } : {}),
    }),
    201,
  );
}

/**
 * The commerce platform converts a cart (POST /api/platform/carts/{id}/convert, service JWT of
 * the company) once Postgres knows it: the shopper's session is replicated first.
 */
export async function convertCart(
  shopper: Pick<Shopper, "companyId" | "cartId" | "address">,
  orderId: string,
  options: { cartId?: string; token?: string } = {},
): Promise<Response> {
  await replicateNow(shopper);
  const token = options.token ?? (await tokenFor(shopper.companyId, "service"));
  return request("POST", `/api/platform/carts/${options.cartId ?? shopper.cartId}/convert`, bearer(token), {
    orderId,
  });
}

/**
 * Converts the shopper's cart through the platform (200) and returns it as its object now holds
 * it (read from the object's storage: the receipt does not carry the cart).
 */
export async function convertedCart(shopper: Shopper, orderId: string): Promise<Cart> {
  const response = await convertCart(shopper, orderId);
  expect(response.status, await response.clone().text()).toBe(200);
  const { cartId } = ConversionSchema.parse(await response.json());
  return runInDurableObject(sessionStubOf(shopper), (_instance, state) => {
    const doc = <T>(name: string) =>
      JSON.parse(
        state.storage.sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = ?", name).one().body,
      ) as T;
    return CartSchema.parse(cartView(doc<SessionDoc>(SESSION), doc<CartDoc>(cartDocName(cartId))));
  });
}

// ── Replicated rows ──────────────────────────────────────────────────────────

/** The replicated rows of one cart, lines ordered by id. */
export function cartRows(cartId: string) {
  return withDatabase(async (db) => {
    const [cart] = await db.select().from(carts).where(eq(carts.id, cartId));
    const items = await db.select().from(cartItems).where(eq(cartItems.cartId, cartId)).orderBy(asc(cartItems.id));
    const saved = await db
      .select()
      .from(savedCartItems)
      .where(eq(savedCartItems.cartId, cartId))
      .orderBy(asc(savedCartItems.id));
    return { cart, items, saved };
  });
}

/** Every `carts` row of a shopper session. */
export function sessionCartRows(sessionId: string) {
  return withDatabase((db) => db.select().from(carts).where(eq(carts.sessionId, sessionId)));
}

/** The columns a replicated row must match its view on (Postgres adds timestamps and snapshots). */
const columns =
  <K extends string>(...keys: K[]) =>
  (row: Record<K, unknown>) =>
    Object.fromEntries(keys.map((key) => [key, row[key]]));
const lineColumns = columns(
  "id",
  "productId",
  "variantId",
  "sku",
  "quantity",
  "unitPrice",
  "lineTotal",
  "bundleGroupId",
  "siteId",
);
const savedColumns = columns("id", "productId", "quantity", "unitPrice");

/**
 * Asserts that Postgres holds exactly the cart the API shows: the row's status, totals,
 * currency, version and site, and one `cart_items` / `saved_cart_items` row per line.
 */
export async function expectReplicated(view: Cart, tokenHash: string | null): Promise<void> {
  const { cart, items, saved } = await cartRows(view.id);
  expect(cart).toBeDefined();
  expect(cart).toMatchObject({
    id: view.id,
    companyId: view.companyId,
    siteId: view.siteId,
    customerId: view.customerId,
    sessionId: view.sessionId,
    sessionTokenHash: tokenHash,
    status: view.status,
    currency: view.currency,
    ...view.totals,
    orderId: view.orderId,
    version: view.version,
  });
  expect(cart?.discounts).toEqual(
    view.discounts.map(({ code, type, value, amount }) => ({ code, type, value, amount })),
  );
  // Postgres orders uuids bytewise, which for lowercase hex is plain string order.
  const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => (a.id < b.id ? -1 : 1));
  expect(items.map(lineColumns)).toEqual(byId(view.items).map(lineColumns));
  expect(saved.map(savedColumns)).toEqual(byId(view.savedItems).map(savedColumns));
}
