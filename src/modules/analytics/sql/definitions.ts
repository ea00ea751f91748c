// The one place the analytics' definitions are written in SQL: which rows a request covers,
// which bucket a row counts under, and what "active", "converted", "abandoned", "shared" and
// "merged" mean. Every query of every endpoint is built from these fragments; DEFINITIONS.md
// says the same in prose. Every value from a request is a bound parameter (drizzle's `sql`
// template); the only literal SQL here is fixed text.
//
// Imports carry `.ts` extensions and nothing but drizzle-orm: scripts/lib/bench-data-explain.ts
// runs these very queries under Node's type stripping.
import { type SQL, sql } from "drizzle-orm";
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
/** A cart's value: what the shopper pays, in minor units of c.currency. */
export const cartValue = sql`c.grand_total`;

// ── Wishlists (alias w, items wi) ─────────────────────────────────────────────────────────────

/** The company's wishlists (on the site), whatever their age: items are counted by their own added_at. */
export const wishlistOfCompany = (p: AnalyticsParams) =>
  sql`w.company_id = ${p.companyId}::uuid${p.siteId ? sql` AND w.site_id = ${p.siteId}::uuid` : sql``}`;
/** A wishlist counts under its created_at. */
export const wishlistInScope = (p: AnalyticsParams) =>
  sql`${wishlistOfCompany(p)} AND ${inRange(p, sql`w.created_at`)}`;
/** A wishlist item counts under its added_at (items removed since are gone from the replica). */
export const wishlistItemInScope = (p: AnalyticsParams) =>
  sql`${wishlistOfCompany(p)} AND ${inRange(p, sql`wi.added_at`)}`;
/** Shared = has a live share link now (revoking a share clears it). */
export const wishlistShared = sql`w.share_token_hash IS NOT NULL`;

// ── Comparisons (alias pc, items pci) ─────────────────────────────────────────────────────────

export const comparisonOfCompany = (p: AnalyticsParams) =>
  sql`pc.company_id = ${p.companyId}::uuid${p.siteId ? sql` AND pc.site_id = ${p.siteId}::uuid` : sql``}`;
export const comparisonInScope = (p: AnalyticsParams) =>
  sql`${comparisonOfCompany(p)} AND ${inRange(p, sql`pc.created_at`)}`;
export const comparisonItemInScope = (p: AnalyticsParams) =>
  sql`${comparisonOfCompany(p)} AND ${inRange(p, sql`pci.added_at`)}`;
export const comparisonShared = sql`pc.share_token_hash IS NOT NULL`;

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
