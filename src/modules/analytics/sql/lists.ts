// Wishlist and comparison queries, one set for both (their tables have the same shape): the
// zero-filled series (lists created and shared, items added) and the most listed products.
import { type SQL, sql } from "drizzle-orm";
import { nullableText, toNumber } from "../metrics.ts";
import type { AnalyticsParams } from "../range.ts";
import {
  bucketBounds,
  bucketLabel,
  bucketOf,
  inBucket,
  type ListTables,
  listItemInScope,
  listItems,
  listOfCompany,
  listShared,
  type Run,
  topProducts,
} from "./definitions.ts";

export const listSeriesQuery = (t: ListTables, p: AnalyticsParams) => sql`
  SELECT ${bucketLabel} AS bucket, counts.created, counts.shared, counts.items, coalesce(a.added, 0) AS added
  FROM (${bucketBounds(p)}) AS b
  LEFT JOIN LATERAL (
    SELECT count(*) AS created,
           count(*) FILTER (WHERE ${listShared}) AS shared,
           coalesce(sum(l.item_count), 0) AS items
    FROM ${t.lists} l
    WHERE ${listOfCompany(p)} AND ${inBucket(sql`l.created_at`)}
  ) AS counts ON true
  LEFT JOIN (
    SELECT ${bucketOf(p, sql`li.added_at`)} AS bucket, count(*) AS added
    FROM ${listItems(t)}
    WHERE ${listItemInScope(p)}
    GROUP BY 1
  ) AS a ON a.bucket = b.bucket
  ORDER BY b.bucket`;

export interface ListBucket {
  bucket: string;
  /** lists created in the bucket */
  created: number;
  /** of those, shared now */
  shared: number;
  /** items they hold now */
  items: number;
  /** items added in the bucket (to any list of the company) */
  added: number;
}

export async function listSeries(run: Run, t: ListTables, p: AnalyticsParams): Promise<ListBucket[]> {
  return listBuckets(await run<Record<string, unknown>>(listSeriesQuery(t, p)));
}

/** Rows of a list series (from the raw rows or the rollups), typed. */
export function listBuckets(rows: Record<string, unknown>[]): ListBucket[] {
  return rows.map((row) => ({
    bucket: String(row.bucket),
    created: toNumber(row.created),
    shared: toNumber(row.shared),
    items: toNumber(row.items),
    added: toNumber(row.added),
  }));
}

/** Items added in the range, by product: in how many lists, and how many items (variants count apart). */
export const topListProductsQuery = (t: ListTables, p: AnalyticsParams) =>
  topProducts(
    p,
    sql`SELECT li.product_id, count(DISTINCT li.${t.itemListId}) AS lists, count(*) AS added
    FROM ${listItems(t)}
    WHERE ${listItemInScope(p)}
    GROUP BY li.product_id`,
    ["lists", "added"],
  );

export interface ListProduct {
  productId: string;
  sku: string | null;
  name: string | null;
  /** lists the product was added to */
  lists: number;
  /** items added (a product in two variants counts twice) */
  added: number;
}

/** `query`: the raw rows (the reference) by default, or the same rows from the rollups (sql/rollups.ts). */
export async function topListProducts(
  run: Run,
  t: ListTables,
  p: AnalyticsParams,
  query: (t: ListTables, p: AnalyticsParams) => SQL = topListProductsQuery,
): Promise<ListProduct[]> {
  const rows = await run<Record<string, unknown>>(query(t, p));
  return rows.map((row) => ({
    productId: String(row.product_id),
    sku: nullableText(row.sku),
    name: nullableText(row.name),
    lists: toNumber(row.lists),
    added: toNumber(row.added),
  }));
}
