// Cart queries: the zero-filled series per (bucket, currency) behind the overview and the cart
// endpoint, and the cart endpoint's line, bundle and discount breakdowns.
import { type SQL, sql } from "drizzle-orm";
import { type CartBucketRow, nullableText, toNumber } from "../metrics.ts";
import type { AnalyticsParams } from "../range.ts";
import {
  bucketBounds,
  bucketLabel,
  bucketOf,
  cartConverted,
  cartCounted,
  cartDiscountEntries,
  cartInScope,
  cartMeasures,
  cartOfCompany,
  inBucket,
  LIST_LIMIT,
  perBucket,
  type Run,
  TOP_N,
  topProducts,
} from "./definitions.ts";

/** One row per bucket and currency; a bucket without carts comes once with a null currency. */
export const cartSeriesQuery = (p: AnalyticsParams) =>
  perBucket(
    p,
    sql`SELECT c.currency, ${cartMeasures}
    FROM carts c
    WHERE ${cartOfCompany(p)} AND ${inBucket(sql`c.created_at`)}
    GROUP BY c.currency`,
    sql`b.bucket, a.currency`,
  );

export async function cartSeries(run: Run, p: AnalyticsParams): Promise<CartBucketRow[]> {
  return cartBucketRows(await run<Record<string, unknown>>(cartSeriesQuery(p)));
}

/** Rows of the cart series (from the raw rows or the rollups), typed. */
export function cartBucketRows(rows: Record<string, unknown>[]): CartBucketRow[] {
  return rows.map((row) => ({
    bucket: String(row.bucket),
    currency: row.currency === null || row.currency === undefined ? null : String(row.currency),
    counters: {
      created: toNumber(row.created),
      counted: toNumber(row.counted),
      active: toNumber(row.active),
      converted: toNumber(row.converted),
      abandoned: toNumber(row.abandoned),
      merged: toNumber(row.merged),
      nonEmpty: toNumber(row.non_empty),
      nonEmptyItems: toNumber(row.non_empty_items),
    },
    money: {
      convertedCarts: toNumber(row.converted),
      revenue: toNumber(row.revenue),
      nonEmptyCarts: toNumber(row.non_empty),
      nonEmptyValue: toNumber(row.non_empty_value),
    },
  }));
}

/** Lines of counted carts in scope, by product: units and lines; catalog name and sku when known. */
export const topCartProductsQuery = (p: AnalyticsParams) =>
  topProducts(
    p,
    sql`SELECT ci.product_id, sum(ci.quantity) AS quantity, count(*) AS lines
    FROM carts c JOIN cart_items ci ON ci.cart_id = c.id
    WHERE ${cartInScope(p)} AND ${cartCounted}
    GROUP BY ci.product_id`,
    ["quantity", "lines"],
  );

/** `query`: the raw rows (the reference) by default, or the same rows from the rollups (sql/rollups.ts). */
export async function topCartProducts(
  run: Run,
  p: AnalyticsParams,
  query: (p: AnalyticsParams) => SQL = topCartProductsQuery,
) {
  const rows = await run<Record<string, unknown>>(query(p));
  return rows.map((row) => ({
    productId: String(row.product_id),
    sku: nullableText(row.sku),
    name: nullableText(row.name),
    quantity: toNumber(row.quantity),
    lines: toNumber(row.lines),
  }));
}

/**
 * A bundle addition is one distinct bundle_group_id among the lines of counted carts in scope,
 * under its cart's bucket. One pass over the lines (a per-bucket scan would probe them 366 times).
 */
export const bundleAdditionsQuery = (p: AnalyticsParams) => sql`
  SELECT ${bucketLabel} AS bucket, coalesce(a.additions, 0) AS additions
  FROM (${bucketBounds(p)}) AS b
  LEFT JOIN (
    SELECT ${bucketOf(p, sql`c.created_at`)} AS bucket, count(DISTINCT ci.bundle_group_id) AS additions
    FROM carts c JOIN cart_items ci ON ci.cart_id = c.id
    WHERE ${cartInScope(p)} AND ${cartCounted} AND ci.bundle_group_id IS NOT NULL
    GROUP BY 1
  ) AS a ON a.bucket = b.bucket
  ORDER BY b.bucket`;

/**
 * The most added bundles. (Lines with a bundle group always name their bundle; testing
 * bundle_id too would make the planner expect far fewer rows and pick a slow plan.)
 */
export const topBundlesQuery = (p: AnalyticsParams) => sql`
  WITH top AS (
    SELECT ci.bundle_id, count(DISTINCT ci.bundle_group_id) AS additions
    FROM carts c JOIN cart_items ci ON ci.cart_id = c.id
    WHERE ${cartInScope(p)} AND ${cartCounted} AND ci.bundle_group_id IS NOT NULL
    GROUP BY ci.bundle_id
    ORDER BY additions DESC, ci.bundle_id
    LIMIT ${TOP_N}
  )
  SELECT top.bundle_id::text AS bundle_id, bu.name, top.additions
  FROM top LEFT JOIN bundles bu ON bu.id = top.bundle_id AND bu.company_id = ${p.companyId}::uuid
  WHERE top.bundle_id IS NOT NULL
  ORDER BY top.additions DESC, top.bundle_id`;

/** `query`: the raw rows (the reference) by default, or the same rows from the rollups (sql/rollups.ts). */
export async function topBundles(run: Run, p: AnalyticsParams, query: (p: AnalyticsParams) => SQL = topBundlesQuery) {
  const top = await run<Record<string, unknown>>(query(p));
  return top.map((row) => ({
    bundleId: String(row.bundle_id),
    name: nullableText(row.name),
    additions: toNumber(row.additions),
  }));
}

/**
 * Codes applied to counted carts in scope, per code and currency, from carts.discounts
 * (`[{code, type, value, amount}]`). Malformed entries are skipped rather than failing.
 */
export const discountUsageQuery = (p: AnalyticsParams) => sql`
  SELECT d.code, c.currency,
         count(DISTINCT c.id) AS carts,
         count(DISTINCT c.id) FILTER (WHERE ${cartConverted}) AS converted_carts,
         coalesce(sum(d.amount), 0) AS total_discount,
         coalesce(sum(d.amount) FILTER (WHERE ${cartConverted}), 0) AS converted_discount
  FROM carts c
  CROSS JOIN LATERAL (${cartDiscountEntries}) AS d
  WHERE ${cartInScope(p)} AND ${cartCounted} AND c.discounts <> '[]'::jsonb
  GROUP BY d.code, c.currency
  ORDER BY carts DESC, d.code, c.currency
  LIMIT ${LIST_LIMIT}`;

/** `query`: the raw rows (the reference) by default, or the same rows from the rollups (sql/rollups.ts). */
export async function discountUsage(
  run: Run,
  p: AnalyticsParams,
  query: (p: AnalyticsParams) => SQL = discountUsageQuery,
) {
  const rows = await run<Record<string, unknown>>(query(p));
  return rows.map((row) => ({
    code: String(row.code),
    currency: String(row.currency),
    carts: toNumber(row.carts),
    convertedCarts: toNumber(row.converted_carts),
    totalDiscount: toNumber(row.total_discount),
    convertedDiscount: toNumber(row.converted_discount),
  }));
}
