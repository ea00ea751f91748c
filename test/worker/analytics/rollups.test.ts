// The proof that the daily rollups are exact (issue 16): every endpoint, range, interval and
// site answers the same from the rollups (what the endpoints read) as from the raw rows through
// definitions.ts (the reference, RAW_SERIES) — on the hand-computed fixtures, and on a
// randomized data set before and after the writes that move figures between days and
// statuses: status changes, re-sent and newer versions, lines replaced, rows deleted by jobs,
// list items of one product added in several variants on several days, removed or moved, lists
// moved to another site, and batches through the replication consumer.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import {
  cartItems,
  carts,
  crossSiteSessions,
  type NewCart,
  productComparisonItems,
  productComparisons,
  wishlistItems,
  wishlists,
} from "../../../src/db/schema";
import { analyticsRunner, refreshPendingRollups } from "../../../src/modules/analytics";
import { type AnalyticsParams, analyticsParams, INTERVALS } from "../../../src/modules/analytics/range";
import {
  cartReport,
  comparisonReport,
  overviewReport,
  RAW_SERIES,
  ROLLUP_SERIES,
  type SeriesSource,
  sessionReport,
  wishlistReport,
} from "../../../src/modules/analytics/reports";
import { loadAnalyticsDataset } from "../../support/analytics";
import { createCompany } from "../../support/catalog";
import { type TestDb, withDatabase } from "../../support/db";
import { deliver, messageOf } from "../../support/replication";

/** Each case compares up to 180 report pairs against a real Postgres: well past the default 5 s. */
const SLOW = 120_000;

const REPORTS = { overviewReport, cartReport, wishlistReport, comparisonReport, sessionReport } as const;
type Run = ReturnType<typeof analyticsRunner>;

/** Every report of `p` from both sources; the differences as [report, path] when any. */
async function compareAll(run: Run, p: AnalyticsParams) {
  const mismatches: string[] = [];
  for (const [name, report] of Object.entries(REPORTS)) {
    const at = (source: SeriesSource) =>
      (report as (r: Run, q: AnalyticsParams, s: SeriesSource) => unknown)(run, p, source);
    const [raw, rollup] = await Promise.all([at(RAW_SERIES), at(ROLLUP_SERIES)]);
    if (JSON.stringify(raw) !== JSON.stringify(rollup)) {
      mismatches.push(`${name} ${p.siteId ?? "all"} ${p.startDate}..${p.endDate}/${p.interval}`);
      expect.soft(rollup, `${name} ${JSON.stringify(p)}`).toEqual(raw);
    }
  }
  return mismatches;
}

/** Every interval and site of each range; returns how many comparisons were made. */
async function expectExact(db: TestDb, companyId: string, sites: (string | null)[], ranges: [string, string][]) {
  await refreshPendingRollups(db, companyId, 30_000);
  const run = analyticsRunner(db, 30_000);
  let compared = 0;
  const mismatches: string[] = [];
  for (const [startDate, endDate] of ranges) {
    for (const interval of INTERVALS) {
      for (const siteId of sites) {
        mismatches.push(
          ...(await compareAll(run, analyticsParams(companyId, siteId, { startDate, endDate }, interval))),
        );
        compared += Object.keys(REPORTS).length;
      }
    }
  }
  expect(mismatches).toEqual([]);
  return compared;
}

describe("analytics rollups: exact on the hand-computed fixtures", () => {
  it(
    "answers every endpoint, range, interval and site as the raw definitions do",
    async () => {
      const f = await loadAnalyticsDataset();
      await withDatabase(async (db) => {
        const compared = await expectExact(
          db,
          f.companyId,
          [null, ...f.siteIds],
          [
            ["2025-03-01", "2025-03-03"],
            ["2025-03-02", "2025-03-02"],
            ["2025-02-15", "2025-03-20"],
            ["2024-03-05", "2025-03-05"],
          ],
        );
        expect(compared).toBe(4 * 3 * 3 * 5);
        // Nothing left to recompute, and the other company's rows never landed in this one's.
        const pending = await db.execute(
          sql`SELECT count(*)::int AS n FROM analytics_dirty_days WHERE company_id = ${f.companyId}`,
        );
        expect(pending.rows[0]?.n).toBe(0);
      });
    },
    SLOW,
  );
});

describe("analytics rollups: a list's top products across variants and days, by hand", () => {
  // Wishlist w1 (site A) adds product P as variants v1 on 04-01, v2 and v3 on 04-03, v4 on 04-06;
  // w2 (site B) adds P once, on 04-03; comparison c1 (site A) adds P on 04-01 and 04-02.
  const [v1, v2, v3, v4] = Array.from({ length: 4 }, () => crypto.randomUUID());
  const P = crypto.randomUUID();
  const w1 = crypto.randomUUID();
  const w2 = crypto.randomUUID();
  const c1 = crypto.randomUUID();
  let companyId: string;
  let sites: string[];

  /** [lists, items] of P over the range (site), from the rollups, after refreshing them. */
  const topOf = async (db: TestDb, startDate: string, endDate: string, siteId: string | null = null) => {
    await refreshPendingRollups(db, companyId, 30_000);
    const p = analyticsParams(companyId, siteId, { startDate, endDate }, "day");
    const run = analyticsRunner(db, 30_000);
    const [wishlist, comparison] = await Promise.all([wishlistReport(run, p), comparisonReport(run, p)]);
    return {
      wishlist: wishlist.topProducts.map((top) => [top.wishlists, top.itemsAdded]),
      comparison: comparison.topProducts.map((top) => [top.comparisons, top.itemsAdded]),
    };
  };
  const day = (date: string) => new Date(`${date}T12:00:00Z`);
  const exactOn = (db: TestDb, ranges: [string, string][]) => expectExact(db, companyId, [null, ...sites], ranges);

  beforeAll(async () => {
    const company = await createCompany();
    companyId = company.companyId;
    sites = company.siteIds;
    await withDatabase(async (db) => {
      const list = (id: string, siteId: string | undefined) => ({
        id,
        companyId,
        siteId: siteId ?? null,
        sessionId: `s-${id}`,
        createdAt: day("2025-04-01"),
      });
      await db.insert(wishlists).values([list(w1, sites[0]), list(w2, sites[1])]);
      await db.insert(wishlistItems).values([
        { wishlistId: w1, productId: P, variantId: v1, addedAt: day("2025-04-01") },
        { wishlistId: w1, productId: P, variantId: v2, addedAt: day("2025-04-03") },
        { wishlistId: w1, productId: P, variantId: v3, addedAt: new Date("2025-04-03T23:59:59Z") },
        { wishlistId: w1, productId: P, variantId: v4, addedAt: day("2025-04-06") },
        { wishlistId: w2, productId: P, addedAt: day("2025-04-03") },
      ]);
      await db.insert(productComparisons).values({ ...list(c1, sites[0]), expiresAt: day("2026-01-01") });
      await db.insert(productComparisonItems).values([
        { comparisonId: c1, productId: P, variantId: v1, position: 0, addedAt: day("2025-04-01") },
        { comparisonId: c1, productId: P, variantId: v2, position: 1, addedAt: day("2025-04-02") },
      ]);
    });
  }, SLOW);

  it(
    "counts each list once whatever number of days and variants it added in the range",
    async () => {
      await withDatabase(async (db) => {
        expect(await topOf(db, "2025-04-01", "2025-04-06")).toEqual({ wishlist: [[2, 5]], comparison: [[1, 2]] });
        expect(await topOf(db, "2025-04-02", "2025-04-06")).toEqual({ wishlist: [[2, 4]], comparison: [[1, 1]] });
        expect(await topOf(db, "2025-04-03", "2025-04-03")).toEqual({ wishlist: [[2, 3]], comparison: [] });
        expect(await topOf(db, "2025-04-04", "2025-04-06")).toEqual({ wishlist: [[1, 1]], comparison: [] });
        expect(await topOf(db, "2025-04-01", "2025-04-02")).toEqual({ wishlist: [[1, 1]], comparison: [[1, 2]] });
        // A list counts on its own site; the sites add up to the company.
        expect((await topOf(db, "2025-04-01", "2025-04-06", sites[0])).wishlist).toEqual([[1, 4]]);
        expect((await topOf(db, "2025-04-01", "2025-04-06", sites[1])).wishlist).toEqual([[1, 1]]);
        await exactOn(db, [
          ["2025-04-01", "2025-04-06"],
          ["2025-04-02", "2025-04-05"],
          ["2025-04-04", "2025-04-04"],
        ]);
      });
    },
    SLOW,
  );

  it(
    "moves a later day under the right previous day when an earlier add is removed or moved",
    async () => {
      await withDatabase(async (db) => {
        // 04-03's two variants go: 04-06 now follows 04-01, so w1 counts again from 04-02 on.
        await db.execute(sql`DELETE FROM wishlist_items WHERE variant_id IN (${v2}::uuid, ${v3}::uuid)`);
        expect((await topOf(db, "2025-04-02", "2025-04-06")).wishlist).toEqual([[2, 2]]);
        // v1 moves to 04-05: 04-06 now follows 04-05, so w1 counts once in 04-05…04-06.
        await db.execute(
          sql`UPDATE wishlist_items SET added_at = '2025-04-05T08:00:00Z' WHERE variant_id = ${v1}::uuid`,
        );
        expect((await topOf(db, "2025-04-05", "2025-04-06")).wishlist).toEqual([[1, 2]]);
        expect((await topOf(db, "2025-04-06", "2025-04-06")).wishlist).toEqual([[1, 1]]);
        // A variant added before the others: every later day keeps its own previous day.
        await db
          .insert(wishlistItems)
          .values({ wishlistId: w1, productId: P, variantId: v2, addedAt: day("2025-03-30") });
        // The comparison's first variant moves to another product: c1 still lists P once, from 04-02.
        await db.execute(sql`UPDATE product_comparison_items SET product_id = ${crypto.randomUUID()}::uuid
          WHERE comparison_id = ${c1}::uuid AND variant_id = ${v1}::uuid`);
        expect((await topOf(db, "2025-04-01", "2025-04-02")).comparison).toEqual([
          [1, 1],
          [1, 1],
        ]);
        await exactOn(db, [
          ["2025-03-30", "2025-04-06"],
          ["2025-03-31", "2025-04-05"],
          ["2025-04-06", "2025-04-06"],
        ]);
        // The list deleted takes every day of its items with it.
        await db.execute(sql`DELETE FROM wishlists WHERE id = ${w1}::uuid`);
        expect((await topOf(db, "2025-03-30", "2025-04-06")).wishlist).toEqual([[1, 1]]);
        // w2 moves to site A, and its items' figures with it.
        await db.execute(sql`UPDATE wishlists SET site_id = ${sites[0]}::uuid WHERE id = ${w2}::uuid`);
        expect((await topOf(db, "2025-03-30", "2025-04-06", sites[0])).wishlist).toEqual([[1, 1]]);
        expect((await topOf(db, "2025-03-30", "2025-04-06", sites[1])).wishlist).toEqual([]);
        await exactOn(db, [["2025-04-03", "2025-04-03"]]);
      });
    },
    SLOW,
  );
});

/** A small deterministic generator (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(values: readonly T[]): T => values[int(values.length)] as T;
  return { next, int, pick };
}

const SEED = Number(process.env.ROLLUP_SEED ?? 16_2026);
const FIRST_DAY = Date.parse("2025-01-27T00:00:00Z");
const DAYS = 45;
const uuid = () => crypto.randomUUID();

describe(`analytics rollups: exact on a randomized data set (seed ${SEED})`, () => {
  const r = random(SEED);
  const instant = () => new Date(FIRST_DAY + r.int(DAYS * 86_400) * 1000);
  let companyId: string;
  let sites: string[];
  let cartIds: string[] = [];
  let wishlistIds: string[] = [];
  let comparisonIds: string[] = [];
  let sessionIds: string[] = [];
  const products = Array.from({ length: 6 }, uuid);
  const bundleIds = [uuid(), uuid()];
  const ranges: [string, string][] = [
    ["2025-01-27", "2025-03-12"],
    ["2025-02-03", "2025-02-09"],
    ["2025-02-27", "2025-03-02"],
    ["2025-01-30", "2025-01-30"],
    ["2025-01-15", "2025-02-20"],
  ];

  beforeAll(async () => {
    const company = await createCompany();
    companyId = company.companyId;
    sites = company.siteIds;
    await withDatabase(async (db) => {
      const siteOrNull = () => (r.next() < 0.1 ? null : r.pick(sites));
      const cartRows: NewCart[] = Array.from({ length: 160 }, () => {
        const status = r.pick(["ACTIVE", "CONVERTED", "ABANDONED", "EXPIRED", "MERGED"] as const);
        const itemCount = r.next() < 0.2 ? 0 : 1 + r.int(6);
        return {
          id: uuid(),
          companyId,
          siteId: siteOrNull(),
          sessionId: `s-${r.int(1e9)}`,
          currency: r.pick(["USD", "EUR", "GBP"]),
          status,
          itemCount,
          grandTotal: itemCount * (100 + r.int(10_000)),
          discounts:
            r.next() < 0.3
              ? [{ code: r.pick(["SAVE10", "WELCOME5"]), type: "PERCENT", value: 10, amount: r.int(900) }]
              : [],
          createdAt: instant(),
        };
      });
      await db.insert(carts).values(cartRows);
      cartIds = cartRows.map((row) => row.id as string);
      await db.insert(cartItems).values(
        cartRows.flatMap((cart) =>
          Array.from({ length: Math.min(cart.itemCount ?? 0, 3) }, (_, index) => {
            const bundled = index < 2 && r.next() < 0.3;
            return {
              cartId: cart.id as string,
              productId: r.pick(products),
              sku: "s",
              name: "n",
              quantity: 1 + r.int(3),
              unitPrice: 100,
              lineTotal: 100,
              // one group per cart (a bundle added once), as the domain makes them
              bundleGroupId: bundled ? `${(cart.id as string).slice(0, 24)}${"0".repeat(12)}` : null,
              bundleId: bundled ? r.pick(bundleIds) : null,
            };
          }),
        ),
      );
      const lists = (count: number, extra: Record<string, unknown> = {}) =>
        Array.from({ length: count }, () => ({
          id: uuid(),
          companyId,
          siteId: siteOrNull(),
          sessionId: `s-${r.int(1e9)}`,
          shareTokenHash: r.next() < 0.3 ? `h-${uuid()}` : null,
          itemCount: r.int(5),
          createdAt: instant(),
          ...extra,
        }));
      // Up to three products a list, each in one to three variants (items), the later ones
      // added up to 5 days after the first: a list adds one product on several days.
      const listed = () =>
        [...new Set(Array.from({ length: r.int(4) }, () => r.pick(products)))].flatMap((productId) => {
          const first = instant().getTime();
          return Array.from({ length: 1 + r.int(3) }, (_, index) => ({
            productId,
            variantId: index === 0 && r.next() < 0.5 ? null : uuid(),
            addedAt: new Date(first + (index === 0 ? 0 : r.int(6 * 86_400) * 1000)),
          }));
        });
      const wishlistRows = lists(50);
      await db.insert(wishlists).values(wishlistRows);
      wishlistIds = wishlistRows.map((row) => row.id);
      await db
        .insert(wishlistItems)
        .values(wishlistRows.flatMap((list) => listed().map((item) => ({ ...item, wishlistId: list.id }))));
      const comparisonRows = lists(40, { expiresAt: new Date("2026-01-01T00:00:00Z") });
      await db.insert(productComparisons).values(comparisonRows as never);
      comparisonIds = comparisonRows.map((row) => row.id);
      await db
        .insert(productComparisonItems)
        .values(
          comparisonRows.flatMap((list) =>
            listed().map((item, position) => ({ ...item, comparisonId: list.id, position })),
          ),
        );
      const sessionRows = Array.from({ length: 80 }, () => {
        const origin = r.next() < 0.1 ? null : r.pick(sites);
        const visited = [...new Set([origin, ...sites.filter(() => r.next() < 0.4)].filter((site) => site !== null))];
        return {
          id: uuid(),
          companyId,
          originSiteId: origin,
          sitesVisited: visited as string[],
          status: r.pick(["ACTIVE", "MERGED", "EXPIRED"] as const),
          transferCount: r.int(4),
          mergeCount: r.int(2),
          expiresAt: new Date("2026-01-01T00:00:00Z"),
          createdAt: instant(),
        };
      });
      await db.insert(crossSiteSessions).values(sessionRows);
      sessionIds = sessionRows.map((row) => row.id);
    });
  }, SLOW);

  it(
    "answers like the raw definitions once loaded",
    async () => {
      await withDatabase((db) => expectExact(db, companyId, [null, ...sites], ranges));
    },
    SLOW,
  );

  it(
    "stays exact through status changes, moved days, replaced lines and deletes by other writers",
    async () => {
      await withDatabase(async (db) => {
        // Jobs and conversions: statuses move (a cart converted days after it was created counts on its created day).
        await db.execute(
          sql`UPDATE carts SET status = 'ABANDONED' WHERE id = ANY(${`{${cartIds.slice(0, 20).join(",")}}`}::uuid[])`,
        );
        await db.execute(sql`UPDATE carts SET status = 'CONVERTED', converted_at = created_at + interval '9 days'
        WHERE id = ANY(${`{${cartIds.slice(20, 30).join(",")}}`}::uuid[])`);
        // A row whose created day changes (a re-sent body that corrects it) leaves one day for another.
        await db.execute(sql`UPDATE carts SET created_at = created_at + interval '3 days', currency = 'EUR'
        WHERE id = ANY(${`{${cartIds.slice(30, 40).join(",")}}`}::uuid[])`);
        // Lines replaced wholesale, as the writer does for a newer version.
        await db.execute(
          sql`DELETE FROM cart_items WHERE cart_id = ANY(${`{${cartIds.slice(40, 60).join(",")}}`}::uuid[])`,
        );
        // Retention and archive deletes; a purge of comparisons (their items go by cascade).
        await db.execute(sql`DELETE FROM carts WHERE id = ANY(${`{${cartIds.slice(60, 75).join(",")}}`}::uuid[])`);
        await db.execute(
          sql`DELETE FROM product_comparisons WHERE id = ANY(${`{${comparisonIds.slice(0, 10).join(",")}}`}::uuid[])`,
        );
        await db.execute(
          sql`DELETE FROM wishlists WHERE id = ANY(${`{${wishlistIds.slice(0, 8).join(",")}}`}::uuid[])`,
        );
        await db.execute(sql`UPDATE wishlists SET share_token_hash = NULL, item_count = item_count + 1
        WHERE id = ANY(${`{${wishlistIds.slice(8, 20).join(",")}}`}::uuid[])`);
        await db.execute(sql`UPDATE wishlist_items SET added_at = added_at - interval '2 days'
        WHERE wishlist_id = ANY(${`{${wishlistIds.slice(20, 30).join(",")}}`}::uuid[])`);
        // A list's product: its first added variant removed, a variant added days before the
        // others, variants moved to later days or to another product (each shifts the day that
        // follows it, in the top products' rollup).
        const ids = (list: string[]) => `{${list.join(",")}}`;
        await db.execute(sql`DELETE FROM wishlist_items WHERE id IN (
          SELECT DISTINCT ON (wishlist_id, product_id) id FROM wishlist_items
          WHERE wishlist_id = ANY(${ids(wishlistIds.slice(30, 40))}::uuid[]) ORDER BY wishlist_id, product_id, added_at)`);
        await db.execute(sql`INSERT INTO wishlist_items (wishlist_id, product_id, variant_id, added_at)
          SELECT DISTINCT ON (wishlist_id, product_id) wishlist_id, product_id, gen_random_uuid(), added_at - interval '3 days'
          FROM wishlist_items WHERE wishlist_id = ANY(${ids(wishlistIds.slice(40, 50))}::uuid[])
          ORDER BY wishlist_id, product_id, added_at`);
        await db.execute(sql`UPDATE product_comparison_items SET added_at = added_at + interval '4 days'
          WHERE variant_id IS NOT NULL AND comparison_id = ANY(${ids(comparisonIds.slice(10, 25))}::uuid[])`);
        await db.execute(sql`UPDATE product_comparison_items SET product_id = ${products[0]}::uuid
          WHERE variant_id IS NOT NULL AND comparison_id = ANY(${ids(comparisonIds.slice(20, 30))}::uuid[])`);
        // Lists moved to another site take their items' figures with them.
        await db.execute(sql`UPDATE wishlists SET site_id = ${sites[1]}::uuid
          WHERE id = ANY(${ids(wishlistIds.slice(10, 16))}::uuid[])`);
        await db.execute(sql`UPDATE product_comparisons SET site_id = ${sites[0]}::uuid
          WHERE id = ANY(${ids(comparisonIds.slice(25, 35))}::uuid[])`);
        await db.execute(sql`DELETE FROM product_comparison_items WHERE id IN (
          SELECT DISTINCT ON (comparison_id, product_id) id FROM product_comparison_items
          WHERE comparison_id = ANY(${ids(comparisonIds.slice(30, 40))}::uuid[]) ORDER BY comparison_id, product_id, added_at)`);
        await db.execute(sql`UPDATE cross_site_sessions SET status = 'EXPIRED', sites_visited = '[]'::jsonb
        WHERE id = ANY(${`{${sessionIds.slice(0, 20).join(",")}}`}::uuid[])`);
        await db.execute(
          sql`DELETE FROM cross_site_sessions WHERE id = ANY(${`{${sessionIds.slice(20, 30).join(",")}}`}::uuid[])`,
        );
        await expectExact(db, companyId, [null, ...sites], ranges);
      });
    },
    SLOW,
  );

  it(
    "is brought up to date by the replication consumer (in the batch's transaction) and by a read's refresh",
    async () => {
      const cartId = uuid();
      const created = "2025-02-10T23:59:59.000Z";
      const body = (version: number, status: "ACTIVE" | "CONVERTED", quantity: number, grandTotal: number) => ({
        kind: "cart" as const,
        resourceId: cartId,
        version,
        body: {
          kind: "cart" as const,
          row: {
            id: cartId,
            companyId,
            siteId: sites[0] ?? null,
            customerId: null,
            sessionId: "s-replicated",
            sessionTokenHash: null,
            version,
            createdAt: created,
            updatedAt: "2025-02-20T10:00:00.000Z",
            status,
            currency: "USD",
            subtotal: grandTotal,
            discountTotal: 0,
            taxTotal: 0,
            shippingTotal: 0,
            grandTotal,
            itemCount: quantity,
            discounts: [],
            orderId: status === "CONVERTED" ? `order-${cartId}` : null,
            convertedAt: status === "CONVERTED" ? "2025-02-20T10:00:00.000Z" : null,
            abandonedAt: null,
            lastActivityAt: "2025-02-20T10:00:00.000Z",
            expiresAt: "2025-03-20T10:00:00.000Z",
          },
          items: [
            {
              id: uuid(),
              productId: products[0] as string,
              variantId: null,
              sku: "s",
              name: "n",
              quantity,
              unitPrice: 1000,
              lineTotal: 1000 * quantity,
              siteId: null,
              bundleGroupId: uuid(),
              bundleId: bundleIds[0] as string,
              addedAt: created,
              updatedAt: created,
            },
          ],
          saved: [],
        },
      });
      const sender = { companyId, sessionId: "s-replicated" };
      const rollupDay = (db: TestDb) =>
        db.execute(sql`SELECT coalesce(sum(created), 0)::int AS created, coalesce(sum(converted), 0)::int AS converted,
          coalesce(sum(revenue), 0)::int AS revenue, coalesce(sum(bundle_additions), 0)::int AS bundles
        FROM analytics_cart_days WHERE company_id = ${companyId}::uuid AND day = '2025-02-10' AND site_id = ${sites[0]}::uuid AND currency = 'USD'`);
      await withDatabase(async (db) => {
        await refreshPendingRollups(db, companyId, 30_000);
        const [before] = (await rollupDay(db)).rows as {
          created: number;
          converted: number;
          revenue: number;
          bundles: number;
        }[];
        // Version 2 then version 3 (converted, lines replaced) then a re-sent version 2: the day
        // moves by exactly one converted cart, whatever the order and the repeats.
        await deliver([messageOf(body(2, "ACTIVE", 1, 1000), sender)]);
        // The company's first batch in this isolate recomputes its marks in its own transaction
        // (the Worker's queue() passes the hook): nothing is left marked.
        const marked = () =>
          db.execute(sql`SELECT count(*)::int AS n FROM analytics_dirty_days WHERE company_id = ${companyId}::uuid`);
        expect((await marked()).rows[0]?.n).toBe(0);
        await deliver([
          messageOf(body(3, "CONVERTED", 2, 2000), sender),
          messageOf(body(2, "ACTIVE", 1, 1000), sender),
        ]);
        await deliver([messageOf(body(2, "ACTIVE", 1, 1000), sender)]);
        // Replication refreshes a company at most every 30 s (design 106); a read recomputes
        // whatever is still marked first, as this does.
        await refreshPendingRollups(db, companyId, 30_000);
        expect((await marked()).rows[0]?.n).toBe(0);
        const [after] = (await rollupDay(db)).rows as (typeof before)[];
        expect(after).toEqual({
          created: (before?.created ?? 0) + 1,
          converted: (before?.converted ?? 0) + 1,
          revenue: (before?.revenue ?? 0) + 2000,
          bundles: (before?.bundles ?? 0) + 1,
        });
        await expectExact(db, companyId, [null, ...sites], ranges.slice(0, 2));
      });
    },
    SLOW,
  );
});
