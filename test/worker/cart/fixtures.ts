// Shared arrangement for the cart route, Durable Object and replication tests: catalog rows
// seeded straight into Postgres, shoppers (a signed-in customer or an anonymous session)
// that know their own cart paths, and readers for the replicated rows.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { expect } from "vitest";
import { z } from "zod";
import type { SessionAddress } from "../../../durable-objects/contract";
import type { ShopperSession } from "../../../durable-objects/shopper-session";
import {
  bundleItems,
  bundles,
  cartItems,
  carts,
  companies,
  type NewProduct,
  type NewPromotion,
  products,
  productVariants,
  promotions,
  savedCartItems,
  sites,
} from "../../../src/db/schema";
import { ProblemSchema } from "../../../src/lib/openapi";
import { sha256Hex } from "../../../src/lib/tokens";
import { CartSchema, CreatedCartSchema } from "../../../src/modules/cart/schema";
import { sessionObjectName } from "../../../src/session-client/address";
import { api, bearer, createTestCompany, signToken, type TestCompany, testDatabase } from "../helpers";

export type Cart = z.infer<typeof CartSchema>;
export type Problem = z.infer<typeof ProblemSchema>;

/** A problem document with the extension members some codes add (`version` on a 412). */
export const VersionProblemSchema = ProblemSchema.extend({ version: z.number().int() });

// ── Catalog ──────────────────────────────────────────────────────────────────

async function withDatabase<T>(run: (db: ReturnType<typeof testDatabase>["db"]) => Promise<T>): Promise<T> {
  const { db, close } = testDatabase();
  try {
    return await run(db);
  } finally {
    await close();
  }
}

type ProductSpec = Partial<Omit<NewProduct, "companyId">>;

/** Inserts products (USD 15.00, active, unless overridden) and returns their ids in order. */
export async function seedProducts(companyId: string, specs: ProductSpec[]): Promise<string[]> {
  const rows = specs.map((spec, index) => {
    const id = spec.id ?? crypto.randomUUID();
    return {
      sku: `SKU-${id}`,
      name: `Product ${index + 1}`,
      price: 1500,
      currency: "USD",
      ...spec,
      id,
      companyId,
    };
  });
  // Large seeds go in chunks: one statement's parameters are limited.
  for (let start = 0; start < rows.length; start += 100) {
    const chunk = rows.slice(start, start + 100);
    await withDatabase((db) => db.insert(products).values(chunk));
  }
  return rows.map((row) => row.id);
}

export async function seedProduct(companyId: string, spec: ProductSpec = {}): Promise<string> {
  const [id] = await seedProducts(companyId, [spec]);
  return id as string;
}

/** `count` active USD products priced 1.00, 2.00, … */
export function seedManyProducts(companyId: string, count: number): Promise<string[]> {
  return seedProducts(
    companyId,
    Array.from({ length: count }, (_, index) => ({ price: 100 * (index + 1) })),
  );
}

export async function seedVariant(
  companyId: string,
  productId: string,
  spec: { price?: number | null; name?: string; active?: boolean } = {},
): Promise<string> {
  const id = crypto.randomUUID();
  await withDatabase((db) =>
    db.insert(productVariants).values({
      id,
      productId,
      companyId,
      sku: `VAR-${id}`,
      name: spec.name ?? "Large",
      price: spec.price ?? null,
      active: spec.active ?? true,
    }),
  );
  return id;
}

export async function seedBundle(
  companyId: string,
  items: { productId: string; variantId?: string | null; quantity?: number }[],
  spec: { discountType?: "NONE" | "PERCENT" | "FIXED"; discountValue?: number; active?: boolean } = {},
): Promise<string> {
  const id = crypto.randomUUID();
  await withDatabase(async (db) => {
    await db.insert(bundles).values({
      id,
      companyId,
      name: "Starter kit",
      discountType: spec.discountType ?? "NONE",
      discountValue: spec.discountValue ?? 0,
      active: spec.active ?? true,
    });
    await db.insert(bundleItems).values(
      items.map((item) => ({
        bundleId: id,
        productId: item.productId,
        variantId: item.variantId ?? null,
        quantity: item.quantity ?? 1,
      })),
    );
  });
  return id;
}

/** A `promotions` row; the code is stored upper-case, as the catalog feed normalizes it. */
export async function seedPromotion(
  companyId: string,
  spec: Partial<Omit<NewPromotion, "companyId">> & { code: string },
): Promise<string> {
  const id = crypto.randomUUID();
  await withDatabase((db) =>
    db.insert(promotions).values({ type: "PERCENT", value: 10, ...spec, code: spec.code.toUpperCase(), id, companyId }),
  );
  return id;
}

/** A unique promotion code (per test run), so per-isolate promotion caches never collide. */
export const uniqueCode = (prefix: string) => `${prefix}${crypto.randomUUID().slice(0, 8)}`.toUpperCase();

/**
 * A fresh company with two sites whose default site has these settings. Fresh, because
 * company and site settings are cached per isolate for 30 s: flipping a flag on an existing
 * company would not be seen in time.
 */
export async function createCompany(
  settings: { enableCart?: boolean; taxRateBps?: number; currency?: string } = {},
): Promise<TestCompany> {
  const companyId = crypto.randomUUID();
  const siteIds: [string, string] = [crypto.randomUUID(), crypto.randomUUID()];
  await withDatabase(async (db) => {
    await db.insert(companies).values({ id: companyId, name: "Custom Co", slug: `custom-${companyId}` });
    await db.insert(sites).values([
      {
        id: siteIds[0],
        companyId,
        name: "Main",
        domain: "main.test",
        baseUrl: "https://main.test",
        currency: settings.currency ?? "USD",
        taxRateBps: settings.taxRateBps ?? 0,
        enableCart: settings.enableCart ?? true,
        isDefault: true,
      },
      {
        id: siteIds[1],
        companyId,
        name: "Other",
        domain: "other.test",
        baseUrl: "https://other.test",
        currency: "USD",
      },
    ]);
  });
  return { companyId, siteIds };
}

// ── Shoppers ─────────────────────────────────────────────────────────────────

export type Variant = "customer" | "public";
export const VARIANTS: Variant[] = ["customer", "public"];

export interface Shopper {
  variant: Variant;
  companyId: string;
  siteIds: [string, string];
  /** Authentication headers: the customer's JWT, or x-company-id + x-session-token. */
  headers: Record<string, string>;
  address: SessionAddress;
  cartId: string;
  /** The version of the cart when the shopper was made. */
  version: number;
  /** Only for anonymous sessions. */
  sessionToken?: string;
  /** Path of a route below the cart: `/items` → `/api/cart/items` or `/api/public/cart/{id}/items`. */
  path(sub: string): string;
  /** Path of the cart read. */
  readPath: string;
}

function publicShopper(
  company: TestCompany,
  cart: { id: string; version: number },
  sessionToken: string,
  tokenHash: string,
): Shopper {
  return {
    variant: "public",
    companyId: company.companyId,
    siteIds: company.siteIds,
    headers: { "x-company-id": company.companyId, "x-session-token": sessionToken },
    address: { kind: "anonymous", companyId: company.companyId, tokenHash },
    cartId: cart.id,
    version: cart.version,
    sessionToken,
    path: (sub) => `/api/public/cart/${cart.id}${sub}`,
    readPath: "/api/public/cart",
  };
}

/** A new anonymous session (POST /api/public/cart) on the company's default site. */
export async function newGuest(company?: TestCompany, extraHeaders: Record<string, string> = {}): Promise<Shopper> {
  const owner = company ?? (await createTestCompany());
  const response = await api("/api/public/cart", {
    method: "POST",
    headers: { "x-company-id": owner.companyId, "content-type": "application/json", ...extraHeaders },
    body: JSON.stringify({ currency: "USD" }),
  });
  expect(response.status).toBe(201);
  const created = CreatedCartSchema.parse(await response.json());
  if (!created.sessionToken) throw new Error("POST /api/public/cart returned no sessionToken");
  return publicShopper(owner, created, created.sessionToken, await sha256Hex(created.sessionToken));
}

export const customerToken = (companyId: string, customerId: string) =>
  signToken({ companyId, role: "customer", customerId, sub: `customer-${customerId}` });

/** A signed-in customer (fresh customer id) whose cart was read once, so it exists. */
export async function newCustomer(company?: TestCompany, customerId = crypto.randomUUID()): Promise<Shopper> {
  const owner = company ?? (await createTestCompany());
  const headers = bearer(await customerToken(owner.companyId, customerId));
  const response = await api("/api/cart", { headers });
  expect(response.status).toBe(200);
  const cart = CartSchema.parse(await response.json());
  return {
    variant: "customer",
    companyId: owner.companyId,
    siteIds: owner.siteIds,
    headers,
    address: { kind: "customer", companyId: owner.companyId, customerId },
    cartId: cart.id,
    version: cart.version,
    path: (sub) => `/api/cart${sub}`,
    readPath: "/api/cart",
  };
}

export const newShopper = (variant: Variant, company?: TestCompany) =>
  variant === "customer" ? newCustomer(company) : newGuest(company);

/** Sends a request as the shopper: JSON body when given, extra headers on top. */
export function send(
  shopper: Pick<Shopper, "headers">,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return api(path, {
    method,
    headers: {
      ...shopper.headers,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The shopper's cart as the API shows it. */
export async function readCart(shopper: Shopper): Promise<Cart> {
  return cartOf(await send(shopper, "GET", shopper.readPath), 200);
}

/** Asserts the status, the ETag and parses the body with the route's schema. */
export async function cartOf(response: Response, status: number): Promise<Cart> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const cart = CartSchema.parse(JSON.parse(text));
  expect(response.headers.get("etag")).toBe(`"${cart.version}"`);
  return cart;
}

/** Asserts a problem+json response with this status (and code) and parses it. */
export async function problemOf(response: Response, status: number, code?: Problem["code"]): Promise<Problem> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = ProblemSchema.parse(JSON.parse(text));
  if (code) expect(problem.code).toBe(code);
  return problem;
}

/** Adds a product (201) and returns the cart. */
export async function addItem(shopper: Shopper, productId: string, quantity = 1, variantId?: string): Promise<Cart> {
  return cartOf(
    await send(shopper, "POST", shopper.path("/items"), { productId, quantity, ...(variantId ? { variantId } : {}) }),
    201,
  );
}

// ── Durable Object and Postgres ──────────────────────────────────────────────

export function sessionStubOf(shopper: Pick<Shopper, "address">): DurableObjectStub<ShopperSession> {
  const namespace = env.SHOPPER_SESSION as DurableObjectNamespace<ShopperSession>;
  return namespace.getByName(sessionObjectName(shopper.address));
}

/** Runs the session's pending alarm now (the outbox flush); false when none was scheduled. */
export function runAlarm(shopper: Pick<Shopper, "address">): Promise<boolean> {
  return runDurableObjectAlarm(sessionStubOf(shopper));
}

/** The session's replication bookkeeping: pending outbox rows, failures so far, next alarm. */
export function replicationState(shopper: Pick<Shopper, "address">) {
  return runInDurableObject(sessionStubOf(shopper), async (_instance, state) => {
    const pending = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
    const row = state.storage.sql
      .exec<{ body: string }>("SELECT body FROM documents WHERE name = 'replication'")
      .toArray()[0];
    const failures = row ? (JSON.parse(row.body) as { failures: number }).failures : 0;
    return { pending, failures, alarm: await state.storage.getAlarm() };
  });
}

/**
 * Replicates the session now: runs its alarm until the outbox is empty. (The alarm also
 * fires by itself 500 ms after a change, so one may already be in flight: hence the loop.)
 */
export async function replicateNow(shopper: Pick<Shopper, "address">): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    await runAlarm(shopper);
    if ((await replicationState(shopper)).pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the session's outbox did not drain");
}

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
  expect(
    items.map(({ id, productId, variantId, sku, quantity, unitPrice, lineTotal, bundleGroupId, siteId }) => ({
      id,
      productId,
      variantId,
      sku,
      quantity,
      unitPrice,
      lineTotal,
      bundleGroupId,
      siteId,
    })),
  ).toEqual(
    byId(view.items).map(
      ({ id, productId, variantId, sku, quantity, unitPrice, lineTotal, bundleGroupId, siteId }) => ({
        id,
        productId,
        variantId,
        sku,
        quantity,
        unitPrice,
        lineTotal,
        bundleGroupId,
        siteId,
      }),
    ),
  );
  expect(saved.map(({ id, productId, quantity, unitPrice }) => ({ id, productId, quantity, unitPrice }))).toEqual(
    byId(view.savedItems).map(({ id, productId, quantity, unitPrice }) => ({ id, productId, quantity, unitPrice })),
  );
}
