// Times the analytics endpoints' SQL — the very queries the Worker runs (built by
// src/modules/analytics/sql/*) — against a loaded database, and prints EXPLAIN (ANALYZE,
// BUFFERS) of the slowest query behind the overview. Used by `npm run bench:data -- --explain`.
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import { addDays, analyticsParams, formatIsoDate } from "../../src/modules/analytics/range.ts";
import { COMPARISONS, WISHLISTS } from "../../src/modules/analytics/sql/definitions.ts";
import { topListProductsQuery } from "../../src/modules/analytics/sql/lists.ts";
import {
  bundleAdditionsFromRollupsQuery,
  cartSeriesFromRollupsQuery,
  discountUsageFromRollupsQuery,
  listSeriesFromRollupsQuery,
  sessionSeriesFromRollupsQuery,
  sitePairsFromRollupsQuery,
  sitesPerSessionFromRollupsQuery,
  topBundlesFromRollupsQuery,
  topCartProductsFromRollupsQuery,
  topListProductsFromRollupsQuery,
} from "../../src/modules/analytics/sql/rollups.ts";
import { DEMO_COMPANY_ID } from "./demo-data.ts";

type Builder = (p: ReturnType<typeof analyticsParams>) => SQL;

const topWishlistProductsQuery: Builder = (p) => topListProductsFromRollupsQuery(WISHLISTS, p);
const topComparedProductsQuery: Builder = (p) => topListProductsFromRollupsQuery(COMPARISONS, p);

/** The series as the endpoints read them: from the daily rollups (ROLLUP_SERIES in reports.ts). */
const rollupCartSeries: Builder = cartSeriesFromRollupsQuery;
const rollupWishlistSeries: Builder = (p) => listSeriesFromRollupsQuery(WISHLISTS, p);
const rollupComparisonSeries: Builder = (p) => listSeriesFromRollupsQuery(COMPARISONS, p);
const rollupSessionSeries: Builder = sessionSeriesFromRollupsQuery;

/** Each endpoint's queries, as src/modules/analytics/reports.ts runs them (side by side). */
const ENDPOINT_QUERIES: Record<string, Record<string, Builder>> = {
  overview: {
    cartSeries: rollupCartSeries,
    wishlistSeries: rollupWishlistSeries,
    comparisonSeries: rollupComparisonSeries,
    sessionSeries: rollupSessionSeries,
  },
  cart: {
    cartSeries: rollupCartSeries,
    bundleAdditions: bundleAdditionsFromRollupsQuery,
    topBundles: topBundlesFromRollupsQuery,
    discountUsage: discountUsageFromRollupsQuery,
    topCartProducts: topCartProductsFromRollupsQuery,
  },
  wishlist: { wishlistSeries: rollupWishlistSeries, topWishlistProducts: topWishlistProductsQuery },
  comparison: { comparisonSeries: rollupComparisonSeries, topComparedProducts: topComparedProductsQuery },
  "cross-site-sessions": {
    sessionSeries: rollupSessionSeries,
    sitesPerSession: sitesPerSessionFromRollupsQuery,
    sitePairs: sitePairsFromRollupsQuery,
  },
};

/** The raw-row queries the rollups replaced, timed for comparison (the endpoints no longer run them). */
const REFERENCE_QUERIES: Record<string, Builder> = {
  "wishlist top products from the raw rows": (p) => topListProductsQuery(WISHLISTS, p),
  "comparison top products from the raw rows": (p) => topListProductsQuery(COMPARISONS, p),
};

/** median ms of each endpoint's queries, on their own and side by side (as the Worker runs them), over `days` days ending today */
export async function explainAnalytics(databaseUrl: string, days = 366, runs = 5): Promise<void> {
  const today = new Date();
  const range = { startDate: formatIsoDate(addDays(today, -(days - 1))), endDate: formatIsoDate(today) };
  const params = analyticsParams(DEMO_COMPANY_ID, null, range, "day");
  const dialect = new PgDialect();
  const render = (builder: Builder) => dialect.sqlToQuery(builder(params));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
  pool.on("error", () => {});
  try {
    console.log(
      `analytics SQL on ${range.startDate} … ${range.endDate} (${days} days, interval day), company ${DEMO_COMPANY_ID}`,
    );
    console.log(`median of ${runs} runs after a warm-up, ms`);
    let overview: Record<string, number> = {};
    for (const [endpoint, queries] of Object.entries(ENDPOINT_QUERIES)) {
      const perQuery: Record<string, number> = {};
      for (const [name, builder] of Object.entries(queries)) {
        const query = render(builder);
        perQuery[name] = await medianMs(runs, () => pool.query(query.sql, query.params));
      }
      const rendered = Object.values(queries).map(render);
      const parallelMs = await medianMs(runs, () => Promise.all(rendered.map((q) => pool.query(q.sql, q.params))));
      if (endpoint === "overview") overview = perQuery;
      const detail = Object.entries(perQuery).map(([name, ms]) => `${name} ${ms}`);
      console.log(`  ${endpoint.padEnd(20)} ${String(parallelMs).padStart(6)} ms side by side  (${detail.join(", ")})`);
    }
    for (const [name, builder] of Object.entries(REFERENCE_QUERIES)) {
      const query = render(builder);
      console.log(`  ${name}: ${await medianMs(runs, () => pool.query(query.sql, query.params))} ms`);
    }
    const [slowest] = Object.entries(overview).sort((a, b) => b[1] - a[1]);
    if (!slowest) return;
    const query = render(ENDPOINT_QUERIES.overview?.[slowest[0]] as Builder);
    const { rows } = await pool.query<{ "QUERY PLAN": string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`,
      query.params,
    );
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of the slowest overview query: ${slowest[0]}`);
    for (const row of rows) console.log(row["QUERY PLAN"]);
  } finally {
    await pool.end();
  }
}

async function medianMs(runs: number, work: () => Promise<unknown>): Promise<number> {
  await work();
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return Math.round(samples[Math.floor(samples.length / 2)] ?? 0);
}
