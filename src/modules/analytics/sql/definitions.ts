// The one place the analytics' definitions are written in SQL: which rows a request covers,
// which bucket a row counts under, and what "active", "converted", "abandoned", "shared" and
// "merged" mean. Every query of every endpoint is built from these fragments; DEFINITIONS.md
// says the same in prose. Every value from a request is a bound parameter (drizzle's `sql`
// template); the only literal SQL here is fixed text.
//
// Imports carry `.ts` extensions and nothing but drizzle-orm: scripts/lib/bench-data-explain.ts
// runs these very queries under Node's type stripping.
import { type Name, type SQL, sql } from "drizzle-orm";
import type { AnalyticsParams, Interval } from "../range.ts";

/** How many rows the "top" lists (products, bundles) return. */
export const TOP_N = 10;
/** How many discount codes and site pairs are listed at most (most used first). */
export const LIST_LIMIT = 50;

/** A function that runs a query and returns its rows: the Worker's Neon pool, or node-postgres in scripts. */
export type Run = <Row = Record<string, unknown>>(query: SQL) => Promise<Row[]>;

const STEP: Record<Interval, string> = { day: "1 day", week: "1 week", month: "1 month" };

// ── Time ──────────────────────────────────────────────────────────────────────────────────────

/** `column` within [startDate 00:00Z, endDate + 1 day 00:00Z). */
export const inRange = (p: AnalyticsParams, column: SQL) =>
  sql`${column} >= ${p.from}::timestamptz AND ${column} < ${p.to}::timestamptz`;

/**
 * The buckets: every UTC calendar day, ISO week (from Monday) or month touching the range, as
 * rows `b` with `bucket` (its start, a timestamp without time zone, so the session's TimeZone
 * never matters) and the instants it covers inside the range, [lo, hi). Every bucket is a row,
 * which is what zero-fills the series. Same list as range.ts `bucketStarts`.
 */
export const bucketBounds = (p: AnalyticsParams) => sql`
  SELECT bucket,
         greatest(bucket AT TIME ZONE 'UTC', ${p.from}::timestamptz) AS lo,
         least((bucket + ${STEP[p.interval]}::interval) AT TIME ZONE 'UTC', ${p.to}::timestamptz) AS hi
  FROM generate_series(${p.firstBucket}::timestamp, ${p.lastBucket}::timestamp, ${STEP[p.interval]}::interval) AS bucket`;

/**
 * A row counts in bucket `b` when its timestamp is in [b.lo, b.hi). The series read each
 * bucket with its own range scan (LEFT JOIN LATERAL … ON true): no per-row date arithmetic.
 */
export const inBucket = (column: SQL) => sql`${column} >= b.lo AND ${column} < b.hi`;

/**
 * The same buckets computed per row, for rows reached through a join (list items, bundle lines): the start
 * of the UTC day, ISO week or month holding the timestamp, comparable with `b.bucket`.
 */
export const bucketOf = (p: AnalyticsParams, column: SQL) =>
  sql`date_trunc(${p.interval}, ${column} AT TIME ZONE 'UTC')`;

/** The label of bucket row `b`: the date its bucket starts. */
export const bucketLabel = sql`to_char(b.bucket, 'YYYY-MM-DD')`;

// ── Shapes shared by the endpoints ───────────────────────────────────────────────────────────

/**
 * A zero-filled series: every bucket row `b` beside `aggregate`, a SELECT over the rows in that
 * bucket (`inBucket`), which reads each bucket with its own range scan.
 */
export const perBucket = (p: AnalyticsParams, aggregate: SQL, orderBy: SQL = sql`b.bucket`) => sql`
  SELECT ${bucketLabel} AS bucket, a.*
  FROM (${bucketBounds(p)}) AS b
  LEFT JOIN LATERAL (${aggregate}) AS a ON true
  ORDER BY ${orderBy}`;

/**
 * The TOP_N products of `counted` (rows of product_id and the two `measures` it is ranked by,
 * most first), with sku and name from the company's own catalog: another company's product of
 * the same id never lends its name.
 */
export const topProducts = (p: AnalyticsParams, counted: SQL, measures: [string, string]) => {
  const [first, second] = measures.map((measure) => sql.identifier(measure));
  return sql`
  WITH top AS (
    ${counted}
    ORDER BY ${first} DESC, ${second} DESC, product_id
    LIMIT ${TOP_N}
  )
  SELECT top.product_id::text AS product_id, pr.sku, pr.name, top.${first}, top.${second}
  FROM top LEFT JOIN products pr ON pr.id = top.product_id AND pr.company_id = ${p.companyId}::uuid
  ORDER BY top.${first} DESC, top.${second} DESC, top.product_id`;
};

// ── Carts (alias c) ───────────────────────────────────────────────────────────────────────────

/** The company's carts (on the site). */
export const cartOfCompany = (p: AnalyticsParams) =>
  sql`c.company_id = ${p.companyId}::uuid${p.siteId ? sql` AND c.site_id = ${p.siteId}::uuid` : sql``}`;
/** A cart counts under its created_at: the company's carts created in the range (on the site). */
export const cartInScope = (p: AnalyticsParams) => sql`${cartOfCompany(p)} AND ${inRange(p, sql`c.created_at`)}`;

/** Carts in rate denominators: all but MERGED (a merged guest cart lives on in the cart it merged into). */
export const cartCounted = sql`c.status <> 'MERGED'`;
export const cartMerged = sql`c.status = 'MERGED'`;
export const cartActive = sql`c.status = 'ACTIVE'`;
export const cartConverted = sql`c.status = 'CONVERTED'`;
/** Ended with items and without an order: marked ABANDONED, or EXPIRED while holding items. */
export const cartAbandoned = sql`(c.status = 'ABANDONED' OR (c.status = 'EXPIRED' AND c.item_count > 0))`;
/** Counted carts holding at least one item: the base of "average cart value" and "average items". */
export const cartNonEmpty = sql`(c.status <> 'MERGED' AND c.item_count > 0)`;
/**
 * The well-formed entries of c.discounts (`[{code, type, value, amount}]`) as rows (code,
 * amount): `CROSS JOIN LATERAL (${cartDiscountEntries}) AS d`. Malformed entries are skipped.
 */
export const cartDiscountEntries = sql`
    SELECT e->>'code' AS code,
           CASE WHEN jsonb_typeof(e->'amount') = 'number' THEN round((e->>'amount')::numeric) ELSE 0 END AS amount
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(c.discounts) = 'array' THEN c.discounts ELSE '[]'::jsonb END) AS e
    WHERE jsonb_typeof(e) = 'object' AND jsonb_typeof(e->'code') = 'string'`;
/** A cart's value: what the shopper pays, in minor units of c.currency. */
export const cartValue = sql`c.grand_total`;
/**
 * What the cart series counts over a group of carts c: the counters and money sums of
 * metrics.ts `CartCounters`/`CartMoneyCounters`, by the rules above. The raw series and the
 * daily rollups (rollups.ts) both select exactly this list.
 */
export const cartMeasures = sql`count(*) AS created,
           count(*) FILTER (WHERE ${cartCounted}) AS counted,
           count(*) FILTER (WHERE ${cartActive}) AS active,
           count(*) FILTER (WHERE ${cartConverted}) AS converted,
           count(*) FILTER (WHERE ${cartAbandoned}) AS abandoned,
           count(*) FILTER (WHERE ${cartMerged}) AS merged,
           count(*) FILTER (WHERE ${cartNonEmpty}) AS non_empty,
           coalesce(sum(c.item_count) FILTER (WHERE ${cartNonEmpty}), 0) AS non_empty_items,
           coalesce(sum(${cartValue}) FILTER (WHERE ${cartNonEmpty}), 0) AS non_empty_value,
           coalesce(sum(${cartValue}) FILTER (WHERE ${cartConverted}), 0) AS revenue`;

// ── Wishlists and comparisons (alias l, items li) ──────────────────────────────────────────────

/**
 * Wishlists and comparisons are the same shape — a list per shopper session and site, items
 * added to it, a share link — so one set of fragments reads either, by its table names.
 */
export interface ListTables {
  /** the rollup's name for them (analytics_list_days.kind, analytics_dirty_days.kind) */
  kind: "wishlist" | "comparison";
  lists: Name;
  items: Name;
  /** the items' column naming their list */
  itemListId: Name;
}
export const WISHLISTS: ListTables = {
  kind: "wishlist",
  lists: sql.identifier("wishlists"),
  items: sql.identifier("wishlist_items"),
  itemListId: sql.identifier("wishlist_id"),
};
export const COMPARISONS: ListTables = {
  kind: "comparison",
  lists: sql.identifier("product_comparisons"),
  items: sql.identifier("product_comparison_items"),
  itemListId: sql.identifier("comparison_id"),
};

/** Items with their list: `FROM ${listItems(t)}` binds li and l. */
export const listItems = (t: ListTables) => sql`${t.items} li JOIN ${t.lists} l ON l.id = li.${t.itemListId}`;
/** The company's lists (on the site), whatever their age: items are counted by their own added_at. */
export const listOfCompany = (p: AnalyticsParams) =>
  sql`l.company_id = ${p.companyId}::uuid${p.siteId ? sql` AND l.site_id = ${p.siteId}::uuid` : sql``}`;
/** A list counts under its created_at; an item under its added_at (items removed since are gone from the replica). */
export const listItemInScope = (p: AnalyticsParams) => sql`${listOfCompany(p)} AND ${inRange(p, sql`li.added_at`)}`;
/** Shared = has a live share link now (revoking a share clears it). */
export const listShared = sql`l.share_token_hash IS NOT NULL`;

// ── Cross-site sessions (alias s) ─────────────────────────────────────────────────────────────

/** The company's sessions; with a site, those that started on it or visited it. */
export const sessionOfCompany = (p: AnalyticsParams) =>
  sql`s.company_id = ${p.companyId}::uuid${
    p.siteId
      ? sql` AND (s.origin_site_id = ${p.siteId}::uuid OR s.sites_visited @> jsonb_build_array(${p.siteId}::text))`
      : sql``
  }`;
/** A session counts under its created_at. */
export const sessionInScope = (p: AnalyticsParams) => sql`${sessionOfCompany(p)} AND ${inRange(p, sql`s.created_at`)}`;
export const sessionActive = sql`s.status = 'ACTIVE'`;
export const sessionMerged = sql`s.status = 'MERGED'`;
export const sessionExpired = sql`s.status = 'EXPIRED'`;
/** sites_visited as a JSON array (a malformed replica row counts as no sites rather than failing). */
export const sessionSites = sql`(CASE WHEN jsonb_typeof(s.sites_visited) = 'array' THEN s.sites_visited ELSE '[]'::jsonb END)`;
/** How many distinct sites a session has been on. */
export const sessionSiteCount = sql`jsonb_array_length(${sessionSites})`;
