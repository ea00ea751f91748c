// Wishlist queries: the zero-filled series (wishlists created and shared, items added) and the
// most wishlisted products.
import { sql } from "drizzle-orm";
import { nullableText, toNumber } from "../metrics.ts";
import type { AnalyticsParams } from "../range.ts";
import {
  bucketBounds,
  bucketLabel,
  bucketOf,
  inBucket,
  type Run,
  TOP_N,
  wishlistItemInScope,
  wishlistOfCompany,
  wishlistShared,
} from "./definitions.ts";

export const wishlistSeriesQuery = (p: AnalyticsParams) => sql`
  SELECT ${bucketLabel} AS bucket, l.created, l.shared, l.items, coalesce(a.added, 0) AS added
  FROM (${bucketBounds(p)}) AS b
  LEFT JOIN LATERAL (
    SELECT count(*) AS created,
           count(*) FILTER (WHERE ${wishlistShared}) AS shared,
           coalesce(sum(w.item_count), 0) AS items
    FROM wishlists w
    WHERE ${wishlistOfCompany(p)} AND ${inBucket(sql`w.created_at`)}
  ) AS l ON true
  LEFT JOIN (
    SELECT ${bucketOf(p, sql`wi.added_at`)} AS bucket, count(*) AS added
    FROM wishlist_items wi JOIN wishlists w ON w.id = wi.wishlist_id
    WHERE ${wishlistItemInScope(p)}
    GROUP BY 1
  ) AS a ON a.bucket = b.bucket
  ORDER BY b.bucket`;

export interface ListBucket {
  bucket: string;
  /** wishlists (comparisons) created in the bucket */
  created: number;
  /** of those, shared now */
  shared: number;
  /** items they hold now */
  items: number;
  /** items added in the bucket (to any wishlist/comparison of the company) */
  added: number;
}

export async function wishlistSeries(run: Run, p: AnalyticsParams): Promise<ListBucket[]> {
  return (await run<Record<string, unknown>>(wishlistSeriesQuery(p))).map(listBucket);
}

export const listBucket = (row: Record<string, unknown>): ListBucket => ({
  bucket: String(row.bucket),
  created: toNumber(row.created),
  shared: toNumber(row.shared),
  items: toNumber(row.items),
  added: toNumber(row.added),
});

/** Items added in the range, by product: in how many wishlists, and how many items (variants count apart). */
export const topWishlistProductsQuery = (p: AnalyticsParams) => sql`
  WITH top AS (
    SELECT wi.product_id, count(DISTINCT wi.wishlist_id) AS lists, count(*) AS added
    FROM wishlist_items wi JOIN wishlists w ON w.id = wi.wishlist_id
    WHERE ${wishlistItemInScope(p)}
    GROUP BY wi.product_id
    ORDER BY lists DESC, added DESC, wi.product_id
    LIMIT ${TOP_N}
  )
  SELECT top.product_id::text AS product_id, pr.sku, pr.name, top.lists, top.added
  FROM top LEFT JOIN products pr ON pr.id = top.product_id AND pr.company_id = ${p.companyId}::uuid
  ORDER BY top.lists DESC, top.added DESC, top.product_id`;

export interface ListProduct {
  productId: string;
  sku: string | null;
  name: string | null;
  /** wishlists (comparisons) the product was added to */
  lists: number;
  /** items added (a product in two variants counts twice) */
  added: number;
}

export async function topWishlistProducts(run: Run, p: AnalyticsParams): Promise<ListProduct[]> {
  return (await run<Record<string, unknown>>(topWishlistProductsQuery(p))).map(listProduct);
}

export const listProduct = (row: Record<string, unknown>): ListProduct => ({
  productId: String(row.product_id),
  sku: nullableText(row.sku),
  name: nullableText(row.name),
  lists: toNumber(row.lists),
  added: toNumber(row.added),
});
