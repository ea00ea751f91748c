// The wishlist and the comparison as the API shows them (parsed with the route's schema, ETag
// checked) and as Postgres holds them once replicated.
import { asc, eq } from "drizzle-orm";
import { expect } from "vitest";
import type { z } from "zod";
import { productComparisonItems, productComparisons, wishlistItems, wishlists } from "../../src/db/schema";
import { ComparisonSchema } from "../../src/modules/comparison/schema";
import { WishlistSchema } from "../../src/modules/wishlist/schema";
import { bodyOf } from "./app";
import { withDatabase } from "./db";
import { type Shopper, send } from "./sessions";

export type Wishlist = z.infer<typeof WishlistSchema>;
export type Comparison = z.infer<typeof ComparisonSchema>;

/** A list caller: a shopper, or a session token on one site (see `onSiteAs`). */
type ListCaller = Pick<Shopper, "headers" | "path">;

export const MISSING_ID = "00000000-0000-4000-8000-000000000000";

/** Share tokens: the session object's id (64 hex) followed by 32 random bytes (64 hex). */
export const SHARE_TOKEN = /^[0-9a-f]{128}$/;

/** Asserts the status and the ETag, and parses the body with the route's schema. */
export async function wishlistOf(response: Response, status: number): Promise<Wishlist> {
  const wishlist = await bodyOf(response, status, WishlistSchema);
  expect(response.headers.get("etag")).toBe(`"${wishlist.version}"`);
  return wishlist;
}

export async function comparisonOf(response: Response, status: number): Promise<Comparison> {
  const comparison = await bodyOf(response, status, ComparisonSchema);
  expect(response.headers.get("etag")).toBe(`"${comparison.version}"`);
  return comparison;
}

export const readWishlist = async (shopper: ListCaller) =>
  wishlistOf(await send(shopper, "GET", shopper.path("wishlist")), 200);

export const readComparison = async (shopper: ListCaller, headers: Record<string, string> = {}) =>
  comparisonOf(await send(shopper, "GET", shopper.path("comparison"), undefined, headers), 200);

export async function addToWishlist(
  shopper: ListCaller,
  body: { productId: string; variantId?: string | null; priority?: number; note?: string | null },
  status = 201,
): Promise<Wishlist> {
  return wishlistOf(await send(shopper, "POST", shopper.path("wishlist", "/items"), body), status);
}

export async function addToComparison(shopper: ListCaller, productId: string, status = 201): Promise<Comparison> {
  return comparisonOf(await send(shopper, "POST", shopper.path("comparison", "/items"), { productId }), status);
}

// ── Replicated rows ──────────────────────────────────────────────────────────

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
