// Comparison queries: the zero-filled series (comparisons created and shared, items added) and
// the most compared products. Same shape as the wishlist queries.
import { sql } from "drizzle-orm";
import type { AnalyticsParams } from "../range.ts";
import {
  bucketBounds,
  bucketLabel,
  bucketOf,
  comparisonItemInScope,
  comparisonOfCompany,
  comparisonShared,
  inBucket,
  type Run,
  TOP_N,
} from "./definitions.ts";
import { type ListBucket, type ListProduct, listBucket, listProduct } from "./wishlists.ts";

export const comparisonSeriesQuery = (p: AnalyticsParams) => sql`
  SELECT ${bucketLabel} AS bucket, l.created, l.shared, l.items, coalesce(a.added, 0) AS added
  FROM (${bucketBounds(p)}) AS b
  LEFT JOIN LATERAL (
    SELECT count(*) AS created,
           count(*) FILTER (WHERE ${comparisonShared}) AS shared,
           coalesce(sum(pc.item_count), 0) AS items
    FROM product_comparisons pc
    WHERE ${comparisonOfCompany(p)} AND ${inBucket(sql`pc.created_at`)}
  ) AS l ON true
  LEFT JOIN (
    SELECT ${bucketOf(p, sql`pci.added_at`)} AS bucket, count(*) AS added
    FROM product_comparison_items pci JOIN product_comparisons pc ON pc.id = pci.comparison_id
    WHERE ${comparisonItemInScope(p)}
    GROUP BY 1
  ) AS a ON a.bucket = b.bucket
  ORDER BY b.bucket`;

export async function comparisonSeries(run: Run, p: AnalyticsParams): Promise<ListBucket[]> {
  return (await run<Record<string, unknown>>(comparisonSeriesQuery(p))).map(listBucket);
}

export const topComparedProductsQuery = (p: AnalyticsParams) => sql`
  WITH top AS (
    SELECT pci.product_id, count(DISTINCT pci.comparison_id) AS lists, count(*) AS added
    FROM product_comparison_items pci JOIN product_comparisons pc ON pc.id = pci.comparison_id
    WHERE ${comparisonItemInScope(p)}
    GROUP BY pci.product_id
    ORDER BY lists DESC, added DESC, pci.product_id
    LIMIT ${TOP_N}
  )
  SELECT top.product_id::text AS product_id, pr.sku, pr.name, top.lists, top.added
  FROM top LEFT JOIN products pr ON pr.id = top.product_id AND pr.company_id = ${p.companyId}::uuid
  ORDER BY top.lists DESC, top.added DESC, top.product_id`;

export async function topComparedProducts(run: Run, p: AnalyticsParams): Promise<ListProduct[]> {
  return (await run<Record<string, unknown>>(topComparedProductsQuery(p))).map(listProduct);
}
