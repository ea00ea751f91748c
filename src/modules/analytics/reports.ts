// Each endpoint's body (without its meta fields): runs the endpoint's queries side by side and
// folds their rows with the one set of rate and average rules in metrics.ts.
import {
  addInto,
  average,
  type CartBucketRow,
  cartMoney,
  cartRates,
  cartSummary,
  foldCartRows,
  rate,
  revenueList,
  toNumber,
} from "./metrics";
import type { AnalyticsParams } from "./range";
import type {
  AnalyticsMeta,
  CartAnalytics,
  ComparisonAnalytics,
  Overview,
  SessionAnalytics,
  WishlistAnalytics,
} from "./schema";
import {
  bundleAdditionsQuery,
  cartBucketRows,
  cartSeries,
  discountUsage,
  topBundles,
  topCartProducts,
} from "./sql/carts";
import { COMPARISONS, type ListTables, type Run, WISHLISTS } from "./sql/definitions";
import { type ListBucket, listBuckets, listSeries, topListProducts } from "./sql/lists";
import {
  bundleSeriesFromRollups,
  cartSeriesFromRollupsQuery,
  discountUsageFromRollupsQuery,
  listSeriesFromRollupsQuery,
  sessionSeriesFromRollupsQuery,
  sitePairsFromRollupsQuery,
  sitesPerSessionFromRollupsQuery,
  topBundlesFromRollupsQuery,
  topCartProductsFromRollupsQuery,
  topListProductsFromRollupsQuery,
} from "./sql/rollups";
import {
  SESSION_COUNTERS,
  type SessionBucket,
  type SessionCounters,
  sessionBuckets,
  sessionSeries,
  sitePairs,
  sitesPerSession,
} from "./sql/sessions";

type Body<T> = Omit<T, keyof AnalyticsMeta>;

/**
 * Where the time series come from: the daily rollups (what the endpoints read), or the raw
 * rows through definitions.ts (the reference; the exactness tests compare the two on every
 * endpoint, range and interval). Both give the same rows, bucket for bucket.
 */
export interface SeriesSource {
  cartSeries(run: Run, p: AnalyticsParams): Promise<CartBucketRow[]>;
  listSeries(run: Run, t: ListTables, p: AnalyticsParams): Promise<ListBucket[]>;
  sessionSeries(run: Run, p: AnalyticsParams): Promise<SessionBucket[]>;
  bundleSeries(run: Run, p: AnalyticsParams): Promise<Map<string, number>>;
  topCartProducts: typeof topCartProducts;
  topBundles: typeof topBundles;
  discountUsage: typeof discountUsage;
  sitesPerSession: typeof sitesPerSession;
  sitePairs: typeof sitePairs;
  topListProducts: typeof topListProducts;
}

export const RAW_SERIES: SeriesSource = {
  cartSeries,
  listSeries,
  sessionSeries,
  bundleSeries: async (run, p) => {
    const rows = await run<Record<string, unknown>>(bundleAdditionsQuery(p));
    return new Map(rows.map((row) => [String(row.bucket), toNumber(row.additions)]));
  },
  topCartProducts,
  topBundles,
  discountUsage,
  sitesPerSession,
  sitePairs,
  topListProducts,
};

export const ROLLUP_SERIES: SeriesSource = {
  cartSeries: async (run, p) => cartBucketRows(await run(cartSeriesFromRollupsQuery(p))),
  listSeries: async (run, t, p) => listBuckets(await run(listSeriesFromRollupsQuery(t, p))),
  sessionSeries: async (run, p) => sessionBuckets(await run(sessionSeriesFromRollupsQuery(p))),
  bundleSeries: bundleSeriesFromRollups,
  topCartProducts: (run, p) => topCartProducts(run, p, topCartProductsFromRollupsQuery),
  topBundles: (run, p) => topBundles(run, p, topBundlesFromRollupsQuery),
  discountUsage: (run, p) => discountUsage(run, p, discountUsageFromRollupsQuery),
  sitesPerSession: (run, p) => sitesPerSession(run, p, sitesPerSessionFromRollupsQuery),
  sitePairs: (run, p) => sitePairs(run, p, sitePairsFromRollupsQuery),
  topListProducts: (run, t, p) => topListProducts(run, t, p, topListProductsFromRollupsQuery),
};

export async function overviewReport(
  run: Run,
  p: AnalyticsParams,
  source: SeriesSource = ROLLUP_SERIES,
): Promise<Body<Overview>> {
  const [cartRows, wishlistRows, comparisonRows, sessionRows] = await Promise.all([
    source.cartSeries(run, p),
    source.listSeries(run, WISHLISTS, p),
    source.listSeries(run, COMPARISONS, p),
    source.sessionSeries(run, p),
  ]);
  const carts = foldCartRows(cartRows);
  const wishlistAdds = byBucket(wishlistRows, (row) => row.added);
  const comparisonsCreated = byBucket(comparisonRows, (row) => row.created);
  const sessionsByBucket = new Map(sessionRows.map((row) => [row.bucket, row.counters]));
  const sessions = sumSessions(sessionRows.map((row) => row.counters));
  return {
    carts: cartSummary(carts.total),
    money: carts.money.map(cartMoney),
    wishlist: { itemsAdded: sum(wishlistRows.map((row) => row.added)) },
    comparison: { created: sum(comparisonRows.map((row) => row.created)) },
    crossSiteSessions: {
      created: sessions.created,
      active: sessions.active,
      mergeRate: rate(sessions.merged, sessions.created),
      transfers: sessions.transfers,
    },
    series: carts.buckets.map((bucket) => {
      const session = sessionsByBucket.get(bucket);
      return {
        ...cartPoint(bucket, carts),
        wishlistItemsAdded: wishlistAdds.get(bucket) ?? 0,
        comparisonsCreated: comparisonsCreated.get(bucket) ?? 0,
        sessionsCreated: session?.created ?? 0,
        transfers: session?.transfers ?? 0,
      };
    }),
  };
}

export async function cartReport(
  run: Run,
  p: AnalyticsParams,
  source: SeriesSource = ROLLUP_SERIES,
): Promise<Body<CartAnalytics>> {
  const [cartRows, bundleSeries, bundlesTop, discounts, topProducts] = await Promise.all([
    source.cartSeries(run, p),
    source.bundleSeries(run, p),
    source.topBundles(run, p),
    source.discountUsage(run, p),
    source.topCartProducts(run, p),
  ]);
  const carts = foldCartRows(cartRows);
  const bundles = { byBucket: bundleSeries, top: bundlesTop };
  return {
    carts: cartSummary(carts.total),
    money: carts.money.map(cartMoney),
    bundleAdditions: sum([...bundles.byBucket.values()]),
    topBundles: bundles.top,
    discounts,
    topProducts,
    series: carts.buckets.map((bucket) => ({
      ...cartPoint(bucket, carts),
      bundleAdditions: bundles.byBucket.get(bucket) ?? 0,
    })),
  };
}

export async function wishlistReport(
  run: Run,
  p: AnalyticsParams,
  source: SeriesSource = ROLLUP_SERIES,
): Promise<Body<WishlistAnalytics>> {
  const [rows, top] = await Promise.all([
    source.listSeries(run, WISHLISTS, p),
    source.topListProducts(run, WISHLISTS, p),
  ]);
  return {
    wishlists: listSummary(rows),
    topProducts: top.map(({ lists, added, ...product }) => ({ ...product, wishlists: lists, itemsAdded: added })),
    series: rows.map(listPoint),
  };
}

export async function comparisonReport(
  run: Run,
  p: AnalyticsParams,
  source: SeriesSource = ROLLUP_SERIES,
): Promise<Body<ComparisonAnalytics>> {
  const [rows, top] = await Promise.all([
    source.listSeries(run, COMPARISONS, p),
    source.topListProducts(run, COMPARISONS, p),
  ]);
  return {
    comparisons: listSummary(rows),
    topProducts: top.map(({ lists, added, ...product }) => ({ ...product, comparisons: lists, itemsAdded: added })),
    series: rows.map(listPoint),
  };
}

export async function sessionReport(
  run: Run,
  p: AnalyticsParams,
  source: SeriesSource = ROLLUP_SERIES,
): Promise<Body<SessionAnalytics>> {
  const [rows, distribution, pairs] = await Promise.all([
    source.sessionSeries(run, p),
    source.sitesPerSession(run, p),
    source.sitePairs(run, p),
  ]);
  const total = sumSessions(rows.map((row) => row.counters));
  return {
    sessions: {
      created: total.created,
      active: total.active,
      expired: total.expired,
      merged: total.merged,
      mergeRate: rate(total.merged, total.created),
      transfers: total.transfers,
      sessionsWithTransfers: total.transferred,
      transferRate: rate(total.transferred, total.created),
      mergesReceived: total.mergesReceived,
      averageSitesPerSession: average(total.sites, total.created, 2),
    },
    sitesPerSession: distribution,
    sitePairs: pairs,
    series: rows.map(({ bucket, counters }) => ({
      bucket,
      created: counters.created,
      active: counters.active,
      merged: counters.merged,
      expired: counters.expired,
      mergeRate: rate(counters.merged, counters.created),
      transfers: counters.transfers,
    })),
  };
}

function cartPoint(bucket: string, carts: ReturnType<typeof foldCartRows>) {
  const counters = carts.byBucket.get(bucket);
  if (!counters) throw new Error(`bucket ${bucket} missing from the cart series`);
  return {
    bucket,
    cartsCreated: counters.created,
    convertedCarts: counters.converted,
    abandonedCarts: counters.abandoned,
    ...cartRates(counters),
    revenue: revenueList(carts.revenueByBucket.get(bucket)),
  };
}

function listSummary(rows: ListBucket[]) {
  const created = sum(rows.map((row) => row.created));
  const shared = sum(rows.map((row) => row.shared));
  return {
    created,
    shared,
    shareRate: rate(shared, created),
    averageItems: average(sum(rows.map((row) => row.items)), created, 2),
    itemsAdded: sum(rows.map((row) => row.added)),
  };
}

const listPoint = (row: ListBucket) => ({
  bucket: row.bucket,
  created: row.created,
  shared: row.shared,
  itemsAdded: row.added,
});

function sumSessions(rows: SessionCounters[]): SessionCounters {
  const total = Object.fromEntries(SESSION_COUNTERS.map((key) => [key, 0])) as SessionCounters;
  for (const row of rows) addInto(total, row);
  return total;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

const byBucket = <T extends { bucket: string }>(rows: T[], value: (row: T) => number) =>
  new Map(rows.map((row) => [row.bucket, value(row)]));
