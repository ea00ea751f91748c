// Times the analytics endpoints' SQL — the very queries the Worker runs (built by
// src/modules/analytics/sql/*) — against a loaded database, and prints EXPLAIN (ANALYZE,
// BUFFERS) of the slowest query behind the overview. Used by `npm run bench:data -- --explain`.
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import { addDays, analyticsParams, formatIsoDate, type Interval } from "../../src/modules/analytics/range.ts";
import {
  bundleAdditionsQuery,
  cartSeriesQuery,
  discountUsageQuery,
  topBundlesQuery,
  topCartProductsQuery,
} from "../../src/modules/analytics/sql/carts.ts";
import { COMPARISONS, WISHLISTS } from "../../src/modules/analytics/sql/definitions.ts";
import { listSeriesQuery, topListProductsQuery } from "../../src/modules/analytics/sql/lists.ts";
import { sessionSeriesQuery, sitePairsQuery, sitesPerSessionQuery } from "../../src/modules/analytics/sql/sessions.ts";
import { DEMO_COMPANY_ID } from "./demo-data.ts";

type Builder = (p: ReturnType<typeof analyticsParams>) => SQL;

const wishlistSeriesQuery: Builder = (p) => listSeriesQuery(WISHLISTS, p);
const comparisonSeriesQuery: Builder = (p) => listSeriesQuery(COMPARISONS, p);
const topWishlistProductsQuery: Builder = (p) => topListProductsQuery(WISHLISTS, p);
const topComparedProductsQuery: Builder = (p) => topListProductsQuery(COMPARISONS, p);

/** Each endpoint's queries, as src/modules/analytics/reports.ts runs them (side by side). */
export const ENDPOINT_QUERIES: Record<string, Record<string, Builder>> = {
  overview: {
    cartSeries: cartSeriesQuery,
    wishlistSeries: wishlistSeriesQuery,
    comparisonSeries: comparisonSeriesQuery,
    sessionSeries: sessionSeriesQuery,
  },
  cart: {
    cartSeries: cartSeriesQuery,
    bundleAdditions: bundleAdditionsQuery,
    topBundles: topBundlesQuery,
    discountUsage: discountUsageQuery,
    topCartProducts: topCartProductsQuery,
  },
  wishlist: { wishlistSeries: wishlistSeriesQuery, topWishlistProducts: topWishlistProductsQuery },
  comparison: { comparisonSeries: comparisonSeriesQuery, topComparedProducts: topComparedProductsQuery },
  "cross-site-sessions": {
    sessionSeries: sessionSeriesQuery,
    sitesPerSession: sitesPerSessionQuery,
    sitePairs: sitePairsQuery,
  },
};

export interface ExplainOptions {
  companyId?: string;
  /** days in the range, ending today (UTC); default 366 (the longest allowed) */
  days?: number;
  interval?: Interval;
  /** timed runs per query after one warm-up (default 5) */
  runs?: number;
  log?: (line: string) => void;
}

export interface EndpointTiming {
  endpoint: string;
  /** median ms of each query on its own */
  queries: Record<string, number>;
  /** median ms of the endpoint's queries run side by side, as the Worker does */
  parallelMs: number;
}

export async function explainAnalytics(databaseUrl: string, options: ExplainOptions = {}) {
  const log = options.log ?? ((line: string) => console.log(line));
  const days = options.days ?? 366;
  const runs = options.runs ?? 5;
  const today = new Date();
  const range = { startDate: formatIsoDate(addDays(today, -(days - 1))), endDate: formatIsoDate(today) };
  const params = analyticsParams(options.companyId ?? DEMO_COMPANY_ID, null, range, options.interval ?? "day");
  const dialect = new PgDialect();
  const render = (builder: Builder) => dialect.sqlToQuery(builder(params));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
  pool.on("error", () => {});
  try {
    log(
      `analytics SQL on ${range.startDate} … ${range.endDate} (${days} days, interval ${params.interval}), company ${params.companyId}`,
    );
    log(`median of ${runs} runs after a warm-up, ms`);
    const timings: EndpointTiming[] = [];
    for (const [endpoint, queries] of Object.entries(ENDPOINT_QUERIES)) {
      const perQuery: Record<string, number> = {};
      for (const [name, builder] of Object.entries(queries)) {
        const query = render(builder);
        perQuery[name] = await medianMs(runs, () => pool.query(query.sql, query.params));
      }
      const rendered = Object.values(queries).map(render);
      const parallelMs = await medianMs(runs, () =>
        Promise.all(rendered.map((query) => pool.query(query.sql, query.params))),
      );
      timings.push({ endpoint, queries: perQuery, parallelMs });
      const detail = Object.entries(perQuery)
        .map(([name, ms]) => `${name} ${ms}`)
        .join(", ");
      log(`  ${endpoint.padEnd(20)} ${String(parallelMs).padStart(6)} ms side by side  (${detail})`);
    }

    const overview = timings.find((timing) => timing.endpoint === "overview");
    const [slowest] = Object.entries(overview?.queries ?? {}).sort((a, b) => b[1] - a[1]);
    if (slowest) {
      const builder = ENDPOINT_QUERIES.overview?.[slowest[0]] as Builder;
      const query = render(builder);
      const { rows } = await pool.query<{ "QUERY PLAN": string }>(
        `EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`,
        query.params,
      );
      log("");
      log(`EXPLAIN (ANALYZE, BUFFERS) of the slowest overview query: ${slowest[0]}`);
      for (const row of rows) log(row["QUERY PLAN"]);
    }
    return timings;
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
