// Shared arrangement for the wishlist and comparison tests: companies with chosen site
// flags, catalog rows seeded straight into Postgres, shoppers (a signed-in customer or an
// anonymous session) that know their own paths, parsers that assert status and schema, and
// readers for the replicated rows.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { expect } from "vitest";
import { z } from "zod";
import type { SessionAddress } from "../../../durable-objects/contract";
import type { ShopperSession } from "../../../durable-objects/shopper-session";
import {
  companies,
  type NewProduct,
  productComparisonItems,
  productComparisons,
  products,
  productVariants,
  sites,
  wishlistItems,
  wishlists,
} from "../../../src/db/schema";
import { ProblemSchema } from "../../../src/lib/openapi";
import { sha256Hex } from "../../../src/lib/tokens";
import { CreatedCartSchema } from "../../../src/modules/cart/schema";
import { ComparisonSchema } from "../../../src/modules/comparison/schema";
import { WishlistSchema } from "../../../src/modules/wishlist/schema";
import { sessionObjectName } from "../../../src/session-client/address";
import { api, bearer, signToken, type TestCompany, testDatabase } from "../helpers";

export type Wishlist = z.infer<typeof WishlistSchema>;
export type Comparison = z.infer<typeof ComparisonSchema>;
export type Problem = z.infer<typeof ProblemSchema>;

/** A problem document with the `version` a 412 carries. */
export const VersionProblemSchema = ProblemSchema.extend({ version: z.number().int() });

export const MISSING_ID = "00000000-0000-4000-8000-000000000000";

// ── Catalog ──────────────────────────────────────────────────────────────────

export async function withDatabase<T>(run: (db: ReturnType<typeof testDatabase>["db"]) => Promise<T>): Promise<T> {
  const { db, close } = testDatabase();
  try {
    return await run(db);
  } finally {
    await close();
  }
}

interface SiteSpec {
  enableWishlist?: boolean;
  enableCompare?: boolean;
  maxCompareItems?: number;
}

/**
 * A fresh company with two sites, the first the default. Fresh, because company and site
 * settings are cached per isolate for 30 s: flipping a flag on an existing company would
 * not be seen in time. Defaults: wishlist on, compare on for the first site only.
 */
export async function createCompany(first: SiteSpec = {}, second: SiteSpec = {}): Promise<TestCompany> {
  const companyId = crypto.randomUUID();
  const siteIds: [string, string] = [crypto.randomUUID(), crypto.randomUUID()];
  const site = (id: string, index: number, spec: SiteSpec) => ({
    id,
    companyId,
    name: `Site ${index}`,
    domain: `s${index}.test`,
    baseUrl: `https://s${index}.test`,
    currency: "USD",
    isDefault: index === 0,
    enableWishlist: spec.enableWishlist ?? true,
    enableCompare: spec.enableCompare ?? index === 0,
    maxCompareItems: spec.maxCompareItems ?? 4,
  });
  await withDatabase(async (db) => {
    await db.insert(companies).values({ id: companyId, name: "Wish Co", slug: `wish-${companyId}` });
    await db.insert(sites).values([site(siteIds[0], 0, first), site(siteIds[1], 1, second)]);
  });
  return { companyId, siteIds };
}

type ProductSpec = Partial<Omit<NewProduct, "companyId">>;

/** Inserts the products in one statement (USD 15.00, active unless overridden); ids in order. */
export async function seedProducts(companyId: string, specs: ProductSpec[]): Promise<string[]> {
  const rows = specs.map((spec, index) => {
    const id = spec.id ?? crypto.randomUUID();
    return { sku: `SKU-${id}`, name: `Product ${index + 1}`, price: 1500, currency: "USD", ...spec, id, companyId };
  });
  await withDatabase((db) => db.insert(products).values(rows));
  return rows.map((row) => row.id);
}

export async function seedProduct(companyId: string, spec: ProductSpec = {}): Promise<string> {
  const [id] = await seedProducts(companyId, [spec]);
  return id as string;
}

export const seedManyProducts = (companyId: string, count: number) =>
  seedProducts(
    companyId,
    Array.from({ length: count }, (_, index) => ({ name: `Product ${index + 1}`, price: 100 * (index + 1) })),
  );

export async function seedVariant(
  companyId: string,
  productId: string,
  spec: { price?: number | null; name?: string; attributes?: Record<string, string | number | boolean | null> } = {},
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
      attributes: spec.attributes ?? {},
    }),
  );
  return id;
}

// ── Shoppers ─────────────────────────────────────────────────────────────────

export type Variant = "customer" | "public";
export const VARIANTS: Variant[] = ["customer", "public"];
type Module = "wishlist" | "comparison";

export interface Shopper {
  variant: Variant;
  companyId: string;
  siteIds: [string, string];
  /** The customer's JWT, or x-company-id + x-session-token. */
  headers: Record<string, string>;
  address: SessionAddress;
  sessionToken?: string;
  /** `/api/wishlist` or `/api/public/wishlist` (likewise for the comparison), plus `sub`. */
  path(module: Module, sub?: string): string;
}

export const customerToken = (companyId: string, customerId: string) =>
  signToken({ companyId, role: "customer", customerId, sub: `customer-${customerId}` });

export async function newCustomer(company: TestCompany, customerId = crypto.randomUUID()): Promise<Shopper> {
  return {
    variant: "customer",
    companyId: company.companyId,
    siteIds: company.siteIds,
    headers: bearer(await customerToken(company.companyId, customerId)),
    address: { kind: "customer", companyId: company.companyId, customerId },
    path: (module, sub = "") => `/api/${module}${sub}`,
  };
}

/** A new anonymous session (POST /api/public/cart) on the company's default site. */
export async function newGuest(company: TestCompany): Promise<Shopper> {
  const response = await api("/api/public/cart", {
    method: "POST",
    headers: { "x-company-id": company.companyId, "content-type": "application/json" },
    body: JSON.stringify({ currency: "USD" }),
  });
  expect(response.status).toBe(201);
  const { sessionToken } = CreatedCartSchema.parse(await response.json());
  if (!sessionToken) throw new Error("POST /api/public/cart returned no sessionToken");
  return {
    variant: "public",
    companyId: company.companyId,
    siteIds: company.siteIds,
    headers: { "x-company-id": company.companyId, "x-session-token": sessionToken },
    address: { kind: "anonymous", companyId: company.companyId, tokenHash: await sha256Hex(sessionToken) },
    sessionToken,
    path: (module, sub = "") => `/api/public/${module}${sub}`,
  };
}

export const newShopper = (variant: Variant, company: TestCompany) =>
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
    headers: { ...shopper.headers, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

// ── Responses ────────────────────────────────────────────────────────────────

async function parsed<T extends z.ZodType>(response: Response, status: number, schema: T): Promise<z.infer<T>> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return schema.parse(JSON.parse(text));
}

/** Asserts the status and the ETag, and parses the body with the route's schema. */
export async function wishlistOf(response: Response, status: number): Promise<Wishlist> {
  const wishlist = await parsed(response, status, WishlistSchema);
  expect(response.headers.get("etag")).toBe(`"${wishlist.version}"`);
  return wishlist;
}

export async function comparisonOf(response: Response, status: number): Promise<Comparison> {
  const comparison = await parsed(response, status, ComparisonSchema);
  expect(response.headers.get("etag")).toBe(`"${comparison.version}"`);
  return comparison;
}

/** Any other success body, parsed with the given schema. */
export const bodyOf = parsed;

/** Asserts a problem+json response with this status (and code) and parses it. */
export async function problemOf(response: Response, status: number, code?: Problem["code"]): Promise<Problem> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = ProblemSchema.parse(JSON.parse(text));
  if (code) expect(problem.code).toBe(code);
  return problem;
}

export const readWishlist = async (shopper: Shopper) =>
  wishlistOf(await send(shopper, "GET", shopper.path("wishlist")), 200);

export const readComparison = async (shopper: Shopper, headers: Record<string, string> = {}) =>
  comparisonOf(await send(shopper, "GET", shopper.path("comparison"), undefined, headers), 200);

export async function addToWishlist(
  shopper: Shopper,
  body: { productId: string; variantId?: string | null; priority?: number; note?: string | null },
  status = 201,
): Promise<Wishlist> {
  return wishlistOf(await send(shopper, "POST", shopper.path("wishlist", "/items"), body), status);
}

export async function addToComparison(shopper: Shopper, productId: string, status = 201): Promise<Comparison> {
  return comparisonOf(await send(shopper, "POST", shopper.path("comparison", "/items"), { productId }), status);
}

/** Share tokens: the session object's id (64 hex) followed by 32 random bytes (64 hex). */
export const SHARE_TOKEN = /^[0-9a-f]{128}$/;

// ── Durable Object and Postgres ──────────────────────────────────────────────

export function sessionStubOf(shopper: Pick<Shopper, "address">): DurableObjectStub<ShopperSession> {
  const namespace = env.SHOPPER_SESSION as DurableObjectNamespace<ShopperSession>;
  return namespace.getByName(sessionObjectName(shopper.address));
}

/** Runs the session's pending alarm now (the outbox flush). */
export async function flushReplication(shopper: Pick<Shopper, "address">): Promise<void> {
  await runDurableObjectAlarm(sessionStubOf(shopper));
}

export function wishlistRows(wishlistId: string) {
  return withDatabase(async (db) => {
    const [wishlist] = await db.select().from(wishlists).where(eq(wishlists.id, wishlistId));
    const items = await db
      .select()
      .from(wishlistItems)
      .where(eq(wishlistItems.wishlistId, wishlistId))
      .orderBy(asc(wishlistItems.id));
    return { wishlist, items };
  });
}

export function comparisonRows(comparisonId: string) {
  return withDatabase(async (db) => {
    const [comparison] = await db.select().from(productComparisons).where(eq(productComparisons.id, comparisonId));
    const items = await db
      .select()
      .from(productComparisonItems)
      .where(eq(productComparisonItems.comparisonId, comparisonId))
      .orderBy(asc(productComparisonItems.position));
    return { comparison, items };
  });
}
