// The proof that the daily rollups are exact (issue 16): every endpoint, range, interval and
// site answers the same from the rollups (what the endpoints read) as from the raw rows through
// definitions.ts (the reference, RAW_SERIES) — on the hand-computed fixtures, and on a
// randomized data set before and after the writes that move figures between days and
// statuses: status changes, re-sent and newer versions, lines replaced, rows deleted by jobs,
// and batches through the replication consumer.
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
      const wishlistRows = lists(50);
      await db.insert(wishlists).values(wishlistRows);
      wishlistIds = wishlistRows.map((row) => row.id);
      await db.insert(wishlistItems).values(
        wishlistRows.flatMap((list) =>
          [...new Set(Array.from({ length: r.int(4) }, () => r.pick(products)))].map((productId) => ({
            wishlistId: list.id,
            productId,
            addedAt: instant(),
          })),
        ),
      );
      const comparisonRows = lists(40, { expiresAt: new Date("2026-01-01T00:00:00Z") });
      await db.insert(productComparisons).values(comparisonRows as never);
      comparisonIds = comparisonRows.map((row) => row.id);
      await db.insert(productComparisonItems).values(
        comparisonRows.flatMap((list) =>
          [...new Set(Array.from({ length: r.int(4) }, () => r.pick(products)))].map((productId, position) => ({
            comparisonId: list.id,
            productId,
            position,
            addedAt: instant(),
          })),
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
    "is brought up to date by the replication consumer, in the batch's transaction",
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
        await deliver([
          messageOf(body(3, "CONVERTED", 2, 2000), sender),
          messageOf(body(2, "ACTIVE", 1, 1000), sender),
        ]);
        await deliver([messageOf(body(2, "ACTIVE", 1, 1000), sender)]);
        const pending = await db.execute(
          sql`SELECT count(*)::int AS n FROM analytics_dirty_days WHERE company_id = ${companyId}::uuid`,
        );
        expect(pending.rows[0]?.n).toBe(0);
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
