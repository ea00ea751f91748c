// The daily rollups (migrations 0007–0010; docs/design.md §65–67, 70): how a day is recomputed
// from the raw rows, and the series the endpoints read from them.
//
// A rollup day is never adjusted by a difference: triggers on the replicated tables record
// every (kind, company, UTC day) a write may change in analytics_dirty_days, in the writer's
// transaction, and `refreshRollups` recomputes exactly those days with the fragments of
// definitions.ts — the same ones the raw queries (the reference) use — and deletes the records
// it handled. A status change, a re-sent version, lines replaced, a cart created one day and
// converted another, a row deleted by a job: whatever the write, the day it touched is
// computed again from what the rows hold now.
//
// Imports carry `.ts` extensions and nothing but drizzle-orm (scripts run these under Node).
import { type SQL, sql } from "drizzle-orm";
import { toNumber } from "../metrics.ts";
import type { AnalyticsParams } from "../range.ts";
import {
  bucketBounds,
  bucketLabel,
  COMPARISONS,
  cartConverted,
  cartCounted,
  cartDiscountEntries,
  cartMeasures,
  LIST_LIMIT,
  type ListTables,
  listShared,
  type Run,
  sessionActive,
  sessionExpired,
  sessionMerged,
  sessionSiteCount,
  sessionSites,
  TOP_N,
  topProducts,
  WISHLISTS,
} from "./definitions.ts";

/** Runs a statement in the caller's transaction and returns its rows. */
export type Exec = (query: SQL) => Promise<Record<string, unknown>[]>;

type Kind = "cart" | "wishlist" | "comparison" | "session";

/** The (company, day) pairs to recompute, as a CTE body `k(company_id, day)`. */
const keysOf = (keys: { companyId: string; day: string }[]) => sql`
  SELECT DISTINCT company_id, day
  FROM unnest(${`{${keys.map((key) => key.companyId).join(",")}}`}::uuid[],
              ${`{${keys.map((key) => key.day).join(",")}}`}::date[]) AS k(company_id, day)`;

/** `column` on the UTC day k.day. */
const onDay = (column: SQL) =>
  sql`${column} >= k.day::timestamp AT TIME ZONE 'UTC' AND ${column} < (k.day + 1)::timestamp AT TIME ZONE 'UTC'`;

const recomputeCarts = (keys: SQL) => [
  sql`WITH k AS (${keys}) DELETE FROM analytics_cart_days r USING k WHERE r.company_id = k.company_id AND r.day = k.day`,
  sql`WITH k AS (${keys}),
  a AS (
    SELECT c.company_id, k.day, c.site_id, c.currency, ${cartMeasures}
    FROM k JOIN carts c ON c.company_id = k.company_id AND ${onDay(sql`c.created_at`)}
    GROUP BY c.company_id, k.day, c.site_id, c.currency
  ),
  bu AS (
    SELECT c.company_id, k.day, c.site_id, c.currency, count(DISTINCT ci.bundle_group_id) AS additions
    FROM k JOIN carts c ON c.company_id = k.company_id AND ${onDay(sql`c.created_at`)}
    JOIN cart_items ci ON ci.cart_id = c.id
    WHERE ${cartCounted} AND ci.bundle_group_id IS NOT NULL
    GROUP BY c.company_id, k.day, c.site_id, c.currency
  )
  INSERT INTO analytics_cart_days (company_id, day, site_id, currency, created, counted, active, converted,
    abandoned, merged, non_empty, non_empty_items, non_empty_value, revenue, bundle_additions)
  SELECT a.company_id, a.day, a.site_id, a.currency, a.created, a.counted, a.active, a.converted,
         a.abandoned, a.merged, a.non_empty, a.non_empty_items, a.non_empty_value, a.revenue,
         coalesce(bu.additions, 0)
  FROM a LEFT JOIN bu ON bu.company_id = a.company_id AND bu.day = a.day
    AND bu.site_id IS NOT DISTINCT FROM a.site_id AND bu.currency = a.currency`,
  sql`WITH k AS (${keys}) DELETE FROM analytics_ranked_days r USING k
      WHERE r.list IN ('cart_product', 'cart_bundle', 'discount') AND r.company_id = k.company_id AND r.day = k.day`,
  // carts.ts topCartProductsQuery, per day and site.
  sql`WITH k AS (${keys})
  INSERT INTO analytics_ranked_days (list, company_id, day, scope, item, a, b)
  SELECT 'cart_product', c.company_id, k.day, c.site_id::text, ci.product_id::text, sum(ci.quantity), count(*)
  FROM k JOIN carts c ON c.company_id = k.company_id AND ${onDay(sql`c.created_at`)}
  JOIN cart_items ci ON ci.cart_id = c.id
  WHERE ${cartCounted}
  GROUP BY c.company_id, k.day, c.site_id, ci.product_id`,
  // carts.ts topBundlesQuery (a line without a bundle id under item '').
  sql`WITH k AS (${keys})
  INSERT INTO analytics_ranked_days (list, company_id, day, scope, item, a)
  SELECT 'cart_bundle', c.company_id, k.day, c.site_id::text, coalesce(ci.bundle_id::text, ''),
         count(DISTINCT ci.bundle_group_id)
  FROM k JOIN carts c ON c.company_id = k.company_id AND ${onDay(sql`c.created_at`)}
  JOIN cart_items ci ON ci.cart_id = c.id
  WHERE ${cartCounted} AND ci.bundle_group_id IS NOT NULL
  GROUP BY c.company_id, k.day, c.site_id, ci.bundle_id`,
  // carts.ts discountUsageQuery, per day and site.
  sql`WITH k AS (${keys})
  INSERT INTO analytics_ranked_days (list, company_id, day, scope, item, item2, a, b, c, d)
  SELECT 'discount', c.company_id, k.day, c.site_id::text, d.code, c.currency,
         count(DISTINCT c.id),
         count(DISTINCT c.id) FILTER (WHERE ${cartConverted}),
         coalesce(sum(d.amount), 0),
         coalesce(sum(d.amount) FILTER (WHERE ${cartConverted}), 0)
  FROM k JOIN carts c ON c.company_id = k.company_id AND ${onDay(sql`c.created_at`)}
  CROSS JOIN LATERAL (${cartDiscountEntries}) AS d
  WHERE ${cartCounted} AND c.discounts <> '[]'::jsonb
  GROUP BY c.company_id, k.day, c.site_id, d.code, c.currency`,
];

/**
 * CTEs `day_items` and `added_items(company_id, day, site_id, list_id, product_id)`: the items
 * added on the key days, each with its list's site, for the lists of the key's company. The
 * day's items are read first, through the added_at index, and only then their lists: joined in
 * one step, Postgres hashed every list of the company for each key day (145 s instead of 2 s
 * for a year of the 1M-cart set's comparisons).
 */
const itemsAddedOnDays = (t: ListTables) => sql`
  day_items AS MATERIALIZED (
    SELECT k.company_id, k.day, li.${t.itemListId} AS list_id, li.product_id
    FROM k JOIN ${t.items} li ON ${onDay(sql`li.added_at`)}
  ),
  added_items AS (
    SELECT i.company_id, i.day, l.site_id, i.list_id, i.product_id
    FROM day_items i JOIN ${t.lists} l ON l.id = i.list_id AND l.company_id = i.company_id
  )`;

const recomputeLists = (t: ListTables, keys: SQL) => [
  sql`WITH k AS (${keys}) DELETE FROM analytics_list_days r USING k
      WHERE r.kind = ${t.kind} AND r.company_id = k.company_id AND r.day = k.day`,
  sql`WITH k AS (${keys}), ${itemsAddedOnDays(t)}
  INSERT INTO analytics_list_days (kind, company_id, day, site_id, created, shared, items, added)
  SELECT ${t.kind}, company_id, day, site_id, sum(created), sum(shared), sum(items), sum(added)
  FROM (
    SELECT l.company_id, k.day, l.site_id,
           count(*) AS created, count(*) FILTER (WHERE ${listShared}) AS shared,
           coalesce(sum(l.item_count), 0) AS items, 0 AS added
    FROM k JOIN ${t.lists} l ON l.company_id = k.company_id AND ${onDay(sql`l.created_at`)}
    GROUP BY l.company_id, k.day, l.site_id
    UNION ALL
    SELECT company_id, day, site_id, 0, 0, 0, count(*)
    FROM added_items
    GROUP BY company_id, day, site_id
  ) AS x
  GROUP BY company_id, day, site_id`,
  sql`WITH k AS (${keys}) DELETE FROM analytics_list_product_days r USING k
      WHERE r.kind = ${t.kind} AND r.company_id = k.company_id AND r.day = k.day`,
  // lists.ts topListProductsQuery, per day and site: each (list, product) added that day under
  // its previous add day of the product in that list (0010's triggers mark the next add day of
  // every change, so these stay right when an earlier day's items move or go).
  sql`WITH k AS (${keys}), ${itemsAddedOnDays(t)},
  added AS (
    SELECT company_id, day, site_id, list_id, product_id, count(*) AS items
    FROM added_items
    GROUP BY company_id, day, site_id, list_id, product_id
  )
  INSERT INTO analytics_list_product_days (kind, company_id, day, site_id, product_id, prev_day, lists, items)
  SELECT ${t.kind}, a.company_id, a.day, a.site_id, a.product_id, prev.day, count(*), sum(a.items)
  FROM added a
  CROSS JOIN LATERAL (
    SELECT (max(earlier.added_at) AT TIME ZONE 'UTC')::date AS day
    FROM ${t.items} earlier
    WHERE earlier.${t.itemListId} = a.list_id AND earlier.product_id = a.product_id
      AND earlier.added_at < a.day::timestamp AT TIME ZONE 'UTC'
  ) AS prev
  GROUP BY a.company_id, a.day, a.site_id, a.product_id, prev.day`,
];

/**
 * Sessions: one row for the company (scope null) and one per site a session started on or
 * visited (scope = that site id as text), the two ways definitions.ts `sessionOfCompany` reads.
 */
const recomputeSessions = (keys: SQL) => [
  sql`WITH k AS (${keys}) DELETE FROM analytics_session_days r USING k WHERE r.company_id = k.company_id AND r.day = k.day`,
  sql`WITH k AS (${keys})
  INSERT INTO analytics_session_days (company_id, day, scope, created, active, merged, expired, transfers,
    transferred, merges_received, sites)
  SELECT s.company_id, k.day, sc.scope,
         count(*),
         count(*) FILTER (WHERE ${sessionActive}),
         count(*) FILTER (WHERE ${sessionMerged}),
         count(*) FILTER (WHERE ${sessionExpired}),
         coalesce(sum(s.transfer_count), 0),
         count(*) FILTER (WHERE s.transfer_count > 0),
         coalesce(sum(s.merge_count), 0),
         coalesce(sum(${sessionSiteCount}), 0)
  FROM k JOIN cross_site_sessions s ON s.company_id = k.company_id AND ${onDay(sql`s.created_at`)}
  CROSS JOIN LATERAL (${sessionScopes}) AS sc
  GROUP BY s.company_id, k.day, sc.scope`,
  sql`WITH k AS (${keys}) DELETE FROM analytics_ranked_days r USING k
      WHERE r.list IN ('session_sites', 'site_pair') AND r.company_id = k.company_id AND r.day = k.day`,
  sql`WITH k AS (${keys})
  INSERT INTO analytics_ranked_days (list, company_id, day, scope, item, a)
  SELECT 'session_sites', s.company_id, k.day, sc.scope, (${sessionSiteCount})::text, count(*)
  FROM k JOIN cross_site_sessions s ON s.company_id = k.company_id AND ${onDay(sql`s.created_at`)}
  CROSS JOIN LATERAL (${sessionScopes}) AS sc
  GROUP BY s.company_id, k.day, sc.scope, ${sessionSiteCount}`,
  // sessions.ts sitePairsQuery, per day and scope.
  sql`WITH k AS (${keys})
  INSERT INTO analytics_ranked_days (list, company_id, day, scope, item, item2, a)
  SELECT 'site_pair', s.company_id, k.day, sc.scope, s.origin_site_id::text, v.site, count(DISTINCT s.id)
  FROM k JOIN cross_site_sessions s ON s.company_id = k.company_id AND ${onDay(sql`s.created_at`)}
  CROSS JOIN LATERAL (${sessionScopes}) AS sc
  CROSS JOIN LATERAL jsonb_array_elements_text(${sessionSites}) AS v(site)
  WHERE s.origin_site_id IS NOT NULL AND v.site <> s.origin_site_id::text
  GROUP BY s.company_id, k.day, sc.scope, s.origin_site_id, v.site`,
];

/**
 * The scopes a session counts in: null (the company) and each site it started on or visited,
 * the two ways definitions.ts `sessionOfCompany` reads (`@>` matches string elements only).
 */
const sessionScopes = sql`
    SELECT NULL::text AS scope
    UNION SELECT s.origin_site_id::text WHERE s.origin_site_id IS NOT NULL
    UNION SELECT e #>> '{}' FROM jsonb_array_elements(${sessionSites}) AS e WHERE jsonb_typeof(e) = 'string'`;

const RECOMPUTE: Record<Kind, (keys: SQL) => SQL[]> = {
  cart: recomputeCarts,
  wishlist: (keys) => recomputeLists(WISHLISTS, keys),
  comparison: (keys) => recomputeLists(COMPARISONS, keys),
  session: recomputeSessions,
};

/**
 * Recomputes every day the companies' writes have marked, in the caller's transaction, and
 * returns how many marks it handled. A transaction-scoped advisory lock per company (taken in
 * id order, so two refreshes never deadlock) makes refreshes of one company take turns: each
 * reads the dirty marks and the raw rows after the previous one committed, so the last to
 * commit has seen every row the marks it deletes stand for. A mark committed while this runs
 * is not deleted here and is handled by the next refresh.
 */
export async function refreshRollups(exec: Exec, companyIds: string[]): Promise<number> {
  const companies = [...new Set(companyIds)].sort();
  if (companies.length === 0) return 0;
  const companyArray = `{${companies.join(",")}}`;
  await exec(sql`
    SELECT pg_advisory_xact_lock(hashtextextended('analytics-rollups:' || company_id, 0))
    FROM (SELECT company_id FROM unnest(${companyArray}::text[]) AS company_id ORDER BY company_id) AS locks`);
  const marks = await exec(sql`
    SELECT id, kind, company_id::text AS company_id, day::text AS day
    FROM analytics_dirty_days WHERE company_id = ANY(${companyArray}::uuid[])`);
  if (marks.length === 0) return 0;
  const byKind = new Map<Kind, { companyId: string; day: string }[]>();
  for (const mark of marks) {
    const kind = mark.kind as Kind;
    if (!(kind in RECOMPUTE)) continue;
    const keys = byKind.get(kind) ?? [];
    keys.push({ companyId: String(mark.company_id), day: String(mark.day) });
    byKind.set(kind, keys);
  }
  for (const [kind, keys] of byKind) {
    for (const statement of RECOMPUTE[kind](keysOf(keys))) await exec(statement);
  }
  await exec(
    sql`DELETE FROM analytics_dirty_days WHERE id = ANY(${`{${marks.map((mark) => mark.id).join(",")}}`}::bigint[])`,
  );
  return marks.length;
}

/** Whether a company has marked days no refresh has handled yet (replication between its refreshes, jobs, erasure). */
export const pendingRollupsQuery = (companyId: string) =>
  sql`SELECT EXISTS (SELECT 1 FROM analytics_dirty_days WHERE company_id = ${companyId}::uuid) AS pending`;

// ── Reading the rollups ───────────────────────────────────────────────────────────────────────

/** The company's rollup rows (on the site) of the days in the range: alias r. */
const rollupInRange = (p: AnalyticsParams, siteColumn: SQL) =>
  sql`r.company_id = ${p.companyId}::uuid${p.siteId ? sql` AND ${siteColumn} = ${p.siteId}::uuid` : sql``}
      AND r.day >= ${p.startDate}::date AND r.day <= ${p.endDate}::date`;
/** The bucket (day, ISO week, month) of rollup row r, comparable with b.bucket. */
const rollupBucket = (p: AnalyticsParams) => sql`date_trunc(${p.interval}, r.day::timestamp)`;

/** Same rows as carts.ts `cartSeriesQuery`: one per bucket and currency, a null currency on an empty bucket. */
export const cartSeriesFromRollupsQuery = (p: AnalyticsParams) => sql`
  SELECT ${bucketLabel} AS bucket, a.currency, a.created, a.counted, a.active, a.converted, a.abandoned, a.merged,
         a.non_empty, a.non_empty_items, a.non_empty_value, a.revenue
  FROM (${bucketBounds(p)}) AS b
  LEFT JOIN (
    SELECT ${rollupBucket(p)} AS bucket, r.currency,
           sum(r.created) AS created, sum(r.counted) AS counted, sum(r.active) AS active,
           sum(r.converted) AS converted, sum(r.abandoned) AS abandoned, sum(r.merged) AS merged,
           sum(r.non_empty) AS non_empty, sum(r.non_empty_items) AS non_empty_items,
           sum(r.non_empty_value) AS non_empty_value, sum(r.revenue) AS revenue
    FROM analytics_cart_days r
    WHERE ${rollupInRange(p, sql`r.site_id`)}
    GROUP BY 1, 2
  ) AS a ON a.bucket = b.bucket
  ORDER BY b.bucket, a.currency`;

/** Same rows as carts.ts `bundleAdditionsQuery`. */
export const bundleAdditionsFromRollupsQuery = (p: AnalyticsParams) => sql`
  SELECT ${bucketLabel} AS bucket, coalesce(a.additions, 0) AS additions
  FROM (${bucketBounds(p)}) AS b
  LEFT JOIN (
    SELECT ${rollupBucket(p)} AS bucket, sum(r.bundle_additions) AS additions
    FROM analytics_cart_days r
    WHERE ${rollupInRange(p, sql`r.site_id`)}
    GROUP BY 1
  ) AS a ON a.bucket = b.bucket
  ORDER BY b.bucket`;

export async function bundleSeriesFromRollups(run: Run, p: AnalyticsParams): Promise<Map<string, number>> {
  const rows = await run<Record<string, unknown>>(bundleAdditionsFromRollupsQuery(p));
  return new Map(rows.map((row) => [String(row.bucket), toNumber(row.additions)]));
}

/** Same rows as lists.ts `listSeriesQuery`. */
export const listSeriesFromRollupsQuery = (t: ListTables, p: AnalyticsParams) => sql`
  SELECT ${bucketLabel} AS bucket, coalesce(a.created, 0) AS created, coalesce(a.shared, 0) AS shared,
         coalesce(a.items, 0) AS items, coalesce(a.added, 0) AS added
  FROM (${bucketBounds(p)}) AS b
  LEFT JOIN (
    SELECT ${rollupBucket(p)} AS bucket, sum(r.created) AS created, sum(r.shared) AS shared,
           sum(r.items) AS items, sum(r.added) AS added
    FROM analytics_list_days r
    WHERE r.kind = ${t.kind} AND ${rollupInRange(p, sql`r.site_id`)}
    GROUP BY 1
  ) AS a ON a.bucket = b.bucket
  ORDER BY b.bucket`;

/** Same rows as sessions.ts `sessionSeriesQuery`: the company's rows, or the site's. */
export const sessionSeriesFromRollupsQuery = (p: AnalyticsParams) => sql`
  SELECT ${bucketLabel} AS bucket, coalesce(a.created, 0) AS created, coalesce(a.active, 0) AS active,
         coalesce(a.merged, 0) AS merged, coalesce(a.expired, 0) AS expired,
         coalesce(a.transfers, 0) AS transfers, coalesce(a.transferred, 0) AS transferred,
         coalesce(a.merges_received, 0) AS merges_received, coalesce(a.sites, 0) AS sites
  FROM (${bucketBounds(p)}) AS b
  LEFT JOIN (
    SELECT ${rollupBucket(p)} AS bucket, sum(r.created) AS created, sum(r.active) AS active,
           sum(r.merged) AS merged, sum(r.expired) AS expired, sum(r.transfers) AS transfers,
           sum(r.transferred) AS transferred, sum(r.merges_received) AS merges_received, sum(r.sites) AS sites
    FROM analytics_session_days r
    WHERE r.company_id = ${p.companyId}::uuid
      AND ${p.siteId ? sql`r.scope = ${p.siteId}::text` : sql`r.scope IS NULL`}
      AND r.day >= ${p.startDate}::date AND r.day <= ${p.endDate}::date
    GROUP BY 1
  ) AS a ON a.bucket = b.bucket
  ORDER BY b.bucket`;

/**
 * Same rows as lists.ts `topListProductsQuery`. A (list, product) added on days d1 < … < dk
 * counts in the rows of those days, each under the previous one (d1 under null); the days in
 * [a, b] are some di … dj, and only di's row has a previous day before a (or none): summing
 * those rows counts each list once, whatever number of days and variants it added.
 */
export const topListProductsFromRollupsQuery = (t: ListTables, p: AnalyticsParams) =>
  topProducts(
    p,
    sql`SELECT r.product_id,
           coalesce(sum(r.lists) FILTER (WHERE r.prev_day IS NULL OR r.prev_day < ${p.startDate}::date), 0) AS lists,
           sum(r.items) AS added
    FROM analytics_list_product_days r
    WHERE r.kind = ${t.kind} AND ${rollupInRange(p, sql`r.site_id`)}
    GROUP BY r.product_id`,
    ["lists", "added"],
  );

// ── The ranked lists from analytics_ranked_days ───────────────────────────────────────────────

/** The company's rows of `list` in the range: carts' on the site (or all, summed), sessions' of the scope. */
const rankedInRange = (p: AnalyticsParams, list: string, scoped: "cart" | "session") => sql`
  r.list = ${list} AND r.company_id = ${p.companyId}::uuid
  AND r.day >= ${p.startDate}::date AND r.day <= ${p.endDate}::date
  AND ${p.siteId ? sql`r.scope = ${p.siteId}::text` : scoped === "session" ? sql`r.scope IS NULL` : sql`true`}`;

/** Same rows as carts.ts `topCartProductsQuery`. */
export const topCartProductsFromRollupsQuery = (p: AnalyticsParams) =>
  topProducts(
    p,
    sql`SELECT r.item::uuid AS product_id, sum(r.a) AS quantity, sum(r.b) AS lines
    FROM analytics_ranked_days r
    WHERE ${rankedInRange(p, "cart_product", "cart")}
    GROUP BY r.item`,
    ["quantity", "lines"],
  );

/** Same rows as carts.ts `topBundlesQuery`. */
export const topBundlesFromRollupsQuery = (p: AnalyticsParams) => sql`
  WITH top AS (
    SELECT nullif(r.item, '')::uuid AS bundle_id, sum(r.a) AS additions
    FROM analytics_ranked_days r
    WHERE ${rankedInRange(p, "cart_bundle", "cart")}
    GROUP BY r.item
    ORDER BY additions DESC, bundle_id
    LIMIT ${TOP_N}
  )
  SELECT top.bundle_id::text AS bundle_id, bu.name, top.additions
  FROM top LEFT JOIN bundles bu ON bu.id = top.bundle_id AND bu.company_id = ${p.companyId}::uuid
  WHERE top.bundle_id IS NOT NULL
  ORDER BY top.additions DESC, top.bundle_id`;

/** Same rows as carts.ts `discountUsageQuery`. */
export const discountUsageFromRollupsQuery = (p: AnalyticsParams) => sql`
  SELECT r.item AS code, r.item2 AS currency, sum(r.a) AS carts, sum(r.b) AS converted_carts,
         sum(r.c) AS total_discount, sum(r.d) AS converted_discount
  FROM analytics_ranked_days r
  WHERE ${rankedInRange(p, "discount", "cart")}
  GROUP BY r.item, r.item2
  ORDER BY carts DESC, code, currency
  LIMIT ${LIST_LIMIT}`;

/** Same rows as sessions.ts `sitesPerSessionQuery`. */
export const sitesPerSessionFromRollupsQuery = (p: AnalyticsParams) => sql`
  SELECT r.item::int AS sites, sum(r.a) AS sessions
  FROM analytics_ranked_days r
  WHERE ${rankedInRange(p, "session_sites", "session")}
  GROUP BY r.item
  ORDER BY 1`;

/** Same rows as sessions.ts `sitePairsQuery`. */
export const sitePairsFromRollupsQuery = (p: AnalyticsParams) => sql`
  SELECT r.item AS from_site_id, r.item2 AS to_site_id, sum(r.a) AS sessions
  FROM analytics_ranked_days r
  WHERE ${rankedInRange(p, "site_pair", "session")}
  GROUP BY r.item, r.item2
  ORDER BY sessions DESC, from_site_id, to_site_id
  LIMIT ${LIST_LIMIT}`;
