// Cross-site session queries: the zero-filled series (created, by status, transfers, sites),
// sites per session, and the site pairs sessions moved between.
import { type SQL, sql } from "drizzle-orm";
import { toNumber } from "../metrics.ts";
import type { AnalyticsParams } from "../range.ts";
import {
  inBucket,
  LIST_LIMIT,
  perBucket,
  type Run,
  sessionActive,
  sessionExpired,
  sessionInScope,
  sessionMerged,
  sessionOfCompany,
  sessionSiteCount,
  sessionSites,
} from "./definitions.ts";

export const sessionSeriesQuery = (p: AnalyticsParams) =>
  perBucket(
    p,
    sql`SELECT count(*) AS created,
           count(*) FILTER (WHERE ${sessionActive}) AS active,
           count(*) FILTER (WHERE ${sessionMerged}) AS merged,
           count(*) FILTER (WHERE ${sessionExpired}) AS expired,
           coalesce(sum(s.transfer_count), 0) AS transfers,
           count(*) FILTER (WHERE s.transfer_count > 0) AS transferred,
           coalesce(sum(s.merge_count), 0) AS merges_received,
           coalesce(sum(${sessionSiteCount}), 0) AS sites
    FROM cross_site_sessions s
    WHERE ${sessionOfCompany(p)} AND ${inBucket(sql`s.created_at`)}`,
  );

export const SESSION_COUNTERS = [
  "created",
  "active",
  "merged",
  "expired",
  "transfers",
  "transferred",
  "mergesReceived",
  "sites",
] as const;
export type SessionCounters = Record<(typeof SESSION_COUNTERS)[number], number>;

export interface SessionBucket {
  bucket: string;
  counters: SessionCounters;
}

export async function sessionSeries(run: Run, p: AnalyticsParams): Promise<SessionBucket[]> {
  return sessionBuckets(await run<Record<string, unknown>>(sessionSeriesQuery(p)));
}

/** Rows of the session series (from the raw rows or the rollups), typed. */
export function sessionBuckets(rows: Record<string, unknown>[]): SessionBucket[] {
  return rows.map((row) => ({
    bucket: String(row.bucket),
    counters: {
      created: toNumber(row.created),
      active: toNumber(row.active),
      merged: toNumber(row.merged),
      expired: toNumber(row.expired),
      transfers: toNumber(row.transfers),
      transferred: toNumber(row.transferred),
      mergesReceived: toNumber(row.merges_received),
      sites: toNumber(row.sites),
    } satisfies SessionCounters,
  }));
}

/** How many sessions visited 1, 2, 3… sites. */
export const sitesPerSessionQuery = (p: AnalyticsParams) => sql`
  SELECT ${sessionSiteCount} AS sites, count(*) AS sessions
  FROM cross_site_sessions s
  WHERE ${sessionInScope(p)}
  GROUP BY 1
  ORDER BY 1`;

/** `query`: the raw rows (the reference) by default, or the same rows from the rollups (sql/rollups.ts). */
export async function sitesPerSession(
  run: Run,
  p: AnalyticsParams,
  query: (p: AnalyticsParams) => SQL = sitesPerSessionQuery,
) {
  const rows = await run<Record<string, unknown>>(query(p));
  return rows.map((row) => ({ sites: toNumber(row.sites), sessions: toNumber(row.sessions) }));
}

/**
 * Site pairs: a session that started on site A (origin_site_id) and has been on site B since
 * counts once for A → B. Postgres keeps only each session's total transfer_count and the set of
 * sites it visited, not individual transfers, so this is the closest per-pair figure there is.
 */
export const sitePairsQuery = (p: AnalyticsParams) => sql`
  SELECT s.origin_site_id::text AS from_site_id, v.site AS to_site_id,
         count(DISTINCT s.id) AS sessions
  FROM cross_site_sessions s
  CROSS JOIN LATERAL jsonb_array_elements_text(${sessionSites}) AS v(site)
  WHERE ${sessionInScope(p)} AND s.origin_site_id IS NOT NULL AND v.site <> s.origin_site_id::text
  GROUP BY 1, 2
  ORDER BY sessions DESC, from_site_id, to_site_id
  LIMIT ${LIST_LIMIT}`;

/** `query`: the raw rows (the reference) by default, or the same rows from the rollups (sql/rollups.ts). */
export async function sitePairs(run: Run, p: AnalyticsParams, query: (p: AnalyticsParams) => SQL = sitePairsQuery) {
  const rows = await run<Record<string, unknown>>(query(p));
  return rows.map((row) => ({
    fromSiteId: String(row.from_site_id),
    toSiteId: String(row.to_site_id),
    sessions: toNumber(row.sessions),
  }));
}
