// The weekly run (comparisons, retention, the CONVERTED archive, VACUUM) through the real
// scheduled handler at the real time: only rows this file ages are old enough to go.
import { env } from "cloudflare:workers";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  cartConversions,
  cartItems,
  carts,
  crossSiteSessions,
  productComparisons,
  savedCartItems,
} from "../../../src/db/schema";
import { applyRetention } from "../../../src/jobs/apply-retention";
import { archiveKey, archivePrefix, chunkKey } from "../../../src/jobs/archive-converted-carts";
import { BATCH_SIZE } from "../../../src/jobs/batches";
import { Budget, type JobContext } from "../../../src/jobs/runtime";
import { CRONS } from "../../../src/jobs/schedule";
import { createLogger } from "../../../src/lib/logger";
import { toHex } from "../../../src/lib/tokens";
import { convertedCart } from "../../support/cart";
import { testDatabase, withDatabase } from "../../support/db";
import {
  ageCart,
  cartResponse,
  cartStatuses,
  counts,
  createJobCompany,
  DAY_MS,
  daysFromNow,
  guestWithItems,
  type JobShopper,
  removeJobCompanies,
  runCron,
} from "../../support/jobs";
import { expireComparison, flush, replicateNow, send, sessionStubOf } from "../../support/sessions";

afterEach(removeJobCompanies);

const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

describe("purgeOldComparisons (weekly)", { timeout: 60_000 }, () => {
  it("deletes comparisons older than 90 days in set-based batches, asking no session", async () => {
    const company = await createJobCompany();
    const other = await createJobCompany();
    const old = await compareOne(await guestWithItems(company, 0));
    const recent = await compareOne(await guestWithItems(company, 0));
    const othersRecent = await compareOne(await guestWithItems(other, 0));
    await withDatabase((db) =>
      db
        .update(productComparisons)
        .set({ createdAt: daysAgo(100), expiresAt: daysAgo(10) })
        .where(eq(productComparisons.id, old.id)),
    );
    // The session's own clock says the same: its comparison is past its 90 days.
    await expireComparison(old.shopper);
    // A row whose session is long gone: the row still goes.
    const orphanId = crypto.randomUUID();
    await withDatabase((db) =>
      db.insert(productComparisons).values({
        id: orphanId,
        companyId: company.companyId,
        sessionId: crypto.randomUUID(),
        sessionTokenHash: toHex(crypto.getRandomValues(new Uint8Array(32))),
        expiresAt: daysAgo(5),
        createdAt: daysAgo(95),
      }),
    );

    // A call budget of one: the purge needs none.
    const run = await runCron(CRONS.weekly, new Date(), { JOBS_CALL_BUDGET: "1" });
    expect(counts(run.purgeOldComparisons)).toEqual({
      outcome: "done",
      selected: 2,
      changed: 2,
      skipped: 0,
      failed: 0,
      budgetExhausted: false,
    });
    expect(run.purgeOldComparisons?.batches).toBe(1);
    expect(await comparisonIds([old.id, orphanId, recent.id, othersRecent.id])).toEqual([recent.id, othersRecent.id]);
    // The session needed no telling: past its 90 days, its comparison is replaced by a new,
    // empty one on the next read; the others still have theirs.
    const fresh = await readComparison(old.shopper);
    expect(fresh.id).not.toBe(old.id);
    expect(fresh.items).toEqual([]);
    expect((await readComparison(recent.shopper)).id).toBe(recent.id);

    expect(counts((await runCron(CRONS.weekly, new Date())).purgeOldComparisons)).toMatchObject({
      selected: 0,
      changed: 0,
    });
    expect(await comparisonIds([recent.id, othersRecent.id])).toEqual([recent.id, othersRecent.id]);
  });
});

describe("the weekly call budget", { timeout: 60_000 }, () => {
  it("bounds the archive's R2 writes (one per chunk); the next run archives the rest", async () => {
    const company = await createJobCompany();
    const threeYearsAgo = new Date();
    threeYearsAgo.setUTCFullYear(threeYearsAgo.getUTCFullYear() - 3);
    const days = [0, 1, 2].map((offset) => new Date(threeYearsAgo.getTime() + offset * DAY_MS));
    const shoppers: JobShopper[] = [];
    for (const day of days) shoppers.push(await convert(await guestWithItems(company, 1), day));
    const metrics = { writeDataPoint: vi.fn() };

    // Two calls: one chunk per day, so two of the three days.
    const first = await runCron(CRONS.weekly, new Date(), {
      JOBS_CALL_BUDGET: "2",
      METRICS: metrics as unknown as AnalyticsEngineDataset,
    });
    expect(counts(first.archiveConvertedCarts)).toMatchObject({ selected: 2, changed: 2, budgetExhausted: true });
    expect(await cartStatuses(shoppers)).toEqual(["MISSING", "MISSING", "CONVERTED"]);
    expect(first.vacuumAnalyze?.outcome).toBe("done");
    // One metric point per job run, with the summary's counts.
    expect(metrics.writeDataPoint).toHaveBeenCalledWith({
      indexes: ["jobs"],
      blobs: ["archiveConvertedCarts", "done", CRONS.weekly],
      doubles: [expect.any(Number), 2, 2, 0, 0, 1],
    });
    expect(metrics.writeDataPoint).toHaveBeenCalledTimes(4);

    const second = await runCron(CRONS.weekly, new Date(), { JOBS_CALL_BUDGET: "2" });
    expect(counts(second.archiveConvertedCarts)).toMatchObject({ selected: 1, changed: 1, budgetExhausted: false });
    expect(await cartStatuses(shoppers)).toEqual(["MISSING", "MISSING", "MISSING"]);
    for (const [index, shopper] of shoppers.entries()) {
      const day = (days[index] as Date).toISOString().slice(0, 10);
      expect(await readArchive(chunkKey(company.companyId, day, shopper.cartId))).toEqual([
        expect.objectContaining({ id: shopper.cartId, status: "CONVERTED" }),
      ]);
    }
  });
});

describe("applyRetention (weekly)", { timeout: 60_000 }, () => {
  it("deletes carts abandoned over 90 days ago, items and all, and keeps younger ones", async () => {
    const company = await createJobCompany();
    const abandoned = await abandon(await guestWithItems(company, 2));
    const abandonedThenExpired = await abandon(await guestWithItems(company, 1));
    expect((await sessionStubOf(abandonedThenExpired).expire(daysFromNow(1).toISOString())).expired).toBe(true);
    const young = await abandon(await guestWithItems(company, 1));
    const active = await guestWithItems(company, 1);
    await ageCart(abandoned.cartId, { abandonedAt: daysAgo(100) });
    await ageCart(abandonedThenExpired.cartId, { abandonedAt: daysAgo(91) });
    await ageCart(young.cartId, { abandonedAt: daysAgo(30) });

    const run = await runCron(CRONS.weekly, new Date());
    expect(counts(run.applyRetention)).toMatchObject({ outcome: "done", selected: 2, changed: 2, failed: 0 });
    expect(run.applyRetention?.abandonedCartsDeleted).toBe(2);
    expect(await cartStatuses([abandoned, abandonedThenExpired, young, active])).toEqual([
      "MISSING",
      "MISSING",
      "ABANDONED",
      "ACTIVE",
    ]);
    const items = await withDatabase((db) =>
      db
        .select({ cartId: cartItems.cartId })
        .from(cartItems)
        .where(inArray(cartItems.cartId, [abandoned.cartId, young.cartId])),
    );
    expect(items.map((item) => item.cartId)).toEqual([young.cartId]);

    expect((await runCron(CRONS.weekly, new Date())).applyRetention?.changed).toBe(0);
  });

  it("deletes sessions ended over 30 days ago, rows only", async () => {
    const company = await createJobCompany();
    const ended = await guestWithItems(company, 1);
    const endedRecently = await guestWithItems(company, 1);
    for (const shopper of [ended, endedRecently]) {
      expect((await sessionStubOf(shopper).expire(daysFromNow(1).toISOString())).expired).toBe(true);
      // The expired state reaches Postgres first: replicated after the aging below, it would
      // overwrite the backdated expired_at (this test failed so, now and then).
      await replicateNow(shopper);
      await endedSessionRow(shopper, daysAgo(0));
    }
    await endedSessionRow(ended, daysAgo(40));
    expect((await cartResponse(ended)).status).toBe(410);
    // A merged session's row with no session object left at all.
    const orphanId = crypto.randomUUID();
    await withDatabase((db) =>
      db.insert(crossSiteSessions).values({
        id: orphanId,
        companyId: company.companyId,
        sessionTokenHash: toHex(crypto.getRandomValues(new Uint8Array(32))),
        status: "MERGED",
        mergedAt: daysAgo(31),
        expiresAt: daysAgo(1),
      }),
    );

    const run = await runCron(CRONS.weekly, new Date());
    expect(counts(run.applyRetention)).toMatchObject({ outcome: "done", selected: 2, changed: 2, failed: 0 });
    expect(run.applyRetention).toMatchObject({ sessionsDeleted: 2, abandonedCartsDeleted: 0 });
    expect(await sessionIds([ended.sessionId, orphanId, endedRecently.sessionId])).toEqual([endedRecently.sessionId]);
    // Only the replica rows: no session is called (each forgets itself on its own alarm).
    expect((await cartResponse(ended)).status).toBe(410);
    expect((await cartResponse(endedRecently)).status).toBe(410);

    // Idempotent: the same state after a second run.
    expect(counts((await runCron(CRONS.weekly, new Date())).applyRetention)).toMatchObject({
      selected: 0,
      changed: 0,
    });
    expect(await sessionIds([ended.sessionId, orphanId, endedRecently.sessionId])).toEqual([endedRecently.sessionId]);
  });
});

describe("applyRetention in keyset batches", { timeout: 120_000 }, () => {
  it("deletes across several batches, oldest first, and a run cut short is finished by the next", async () => {
    const company = await createJobCompany();
    const tag = `retention-${crypto.randomUUID()}`;
    // 2,500 carts abandoned 100 days ago and more (n seconds older), 10 abandoned 30 days ago.
    await withDatabase((db) =>
      db.execute(sql`
        INSERT INTO carts (company_id, site_id, session_id, status, currency, item_count, abandoned_at, last_activity_at, expires_at)
        SELECT ${company.companyId}::uuid, ${company.siteIds[0]}::uuid, ${tag} || ':' || n, 'ABANDONED'::"CartStatus", 'USD', 1,
               ${daysAgo(100).toISOString()}::timestamptz - n * interval '1 second',
               now() - interval '130 days', now() - interval '100 days'
          FROM generate_series(1, 2500) AS n
        UNION ALL
        SELECT ${company.companyId}::uuid, ${company.siteIds[0]}::uuid, ${tag} || ':young:' || n, 'ABANDONED'::"CartStatus", 'USD', 1,
               ${daysAgo(30).toISOString()}::timestamptz, now() - interval '60 days', now() - interval '30 days'
          FROM generate_series(1, 10) AS n`),
    );
    const left = async () => {
      const result = await withDatabase((db) =>
        db.execute<{ old: number; young: number; oldest: string | null }>(sql`
          SELECT count(*) FILTER (WHERE session_id NOT LIKE '%:young:%')::int AS old,
                 count(*) FILTER (WHERE session_id LIKE '%:young:%')::int AS young,
                 max(split_part(session_id, ':', 2)::int) FILTER (WHERE session_id NOT LIKE '%:young:%')::text AS oldest
            FROM carts WHERE session_id LIKE ${`${tag}:%`}`),
      );
      return result.rows[0];
    };

    // A run that has time for one batch only (as if it met its time budget there).
    const { db, pool, close } = testDatabase();
    const ctx: JobContext = {
      job: "applyRetention",
      env,
      db,
      pool,
      now: new Date(),
      log: createLogger({ test: "retention" }),
      budget: new BatchesOnly(1),
      safetyNetCalls: 0,
      counts: { selected: 0, changed: 0, skipped: 0, failed: 0 },
      extra: {},
    };
    try {
      await applyRetention.run(ctx);
    } finally {
      await close();
    }
    expect(ctx.counts).toEqual({ selected: BATCH_SIZE, changed: BATCH_SIZE, skipped: 0, failed: 0 });
    expect(ctx.extra).toMatchObject({ abandonedCartsDeleted: BATCH_SIZE, batches: 1 });
    expect(ctx.budget.exhausted).toBe(true);
    // Oldest first: the 1,000 oldest went (n 1501–2500), n 1–1500 are left.
    expect(await left()).toEqual({ old: 1500, young: 10, oldest: "1500" });

    // The next run carries on with what is left, in two more batches.
    const run = await runCron(CRONS.weekly, new Date());
    expect(counts(run.applyRetention)).toMatchObject({
      outcome: "done",
      selected: 1500,
      changed: 1500,
      failed: 0,
      budgetExhausted: false,
    });
    expect(run.applyRetention?.abandonedCartsDeleted).toBe(1500);
    expect(run.applyRetention?.batches).toBeGreaterThanOrEqual(3);
    expect(await left()).toEqual({ old: 0, young: 10, oldest: null });

    // Idempotent: a third run finds nothing and leaves the same state.
    expect(counts((await runCron(CRONS.weekly, new Date())).applyRetention)).toMatchObject({ selected: 0, changed: 0 });
    expect(await left()).toEqual({ old: 0, young: 10, oldest: null });
  });
});

/** A budget with time for `batches` batches (inBatches asks before each one), then none. */
class BatchesOnly extends Budget {
  constructor(private left: number) {
    super(0, Date.now() + 60_000);
  }

  override hasTime(): boolean {
    if (this.left-- > 0) return true;
    this.exhausted = true;
    return false;
  }
}

describe("archiveConvertedCarts (weekly)", { timeout: 60_000 }, () => {
  it("archives CONVERTED carts older than two years to R2 as NDJSON chunks per company and day, then deletes them", async () => {
    const company = await createJobCompany();
    const other = await createJobCompany();
    const threeYearsAgo = new Date();
    threeYearsAgo.setUTCFullYear(threeYearsAgo.getUTCFullYear() - 3);
    const day = threeYearsAgo.toISOString().slice(0, 10);
    const at = (hour: number, offsetDays = 0) =>
      new Date(Date.parse(`${day}T${String(hour).padStart(2, "0")}:00:00.000Z`) + offsetDays * DAY_MS);
    const morning = await convert(await guestWithItems(company, 2), at(1));
    const evening = await convert(await guestWithItems(company, 1), at(23));
    const nextDay = await convert(await guestWithItems(company, 1), at(0, 1));
    const othersSameDay = await convert(await guestWithItems(other, 1), at(12));
    const lastYear = await convert(await guestWithItems(other, 1), daysAgo(365));
    // An object of that day from before chunks: left as it is.
    const legacyKey = archiveKey(company.companyId, day);
    const earlier = JSON.stringify({ id: "00000000-0000-4000-8000-000000000000", status: "CONVERTED" });
    await env.ARCHIVE.put(legacyKey, `${earlier}\n`);
    // A chunk an interrupted run wrote without committing its delete: written again, not twice.
    const key = chunkKey(company.companyId, day, morning.cartId);
    await env.ARCHIVE.put(key, `${JSON.stringify({ id: morning.cartId, partial: true })}\n`);
    const expected = await archivedForm([morning, evening, nextDay, othersSameDay]);

    const run = await runCron(CRONS.weekly, new Date());
    expect(counts(run.archiveConvertedCarts)).toEqual({
      outcome: "done",
      selected: 4,
      changed: 4,
      skipped: 0,
      failed: 0,
      budgetExhausted: false,
    });
    expect(run.archiveConvertedCarts?.archiveObjectsWritten).toBe(3);

    expect(await readArchive(key)).toEqual([expected.get(morning.cartId), expected.get(evening.cartId)].sort(byId));
    expect(await readArchive(legacyKey)).toEqual([JSON.parse(earlier)]);
    const nextDayKey = chunkKey(company.companyId, at(0, 1).toISOString().slice(0, 10), nextDay.cartId);
    expect(await readArchive(nextDayKey)).toEqual([expected.get(nextDay.cartId)]);
    expect(await readArchive(chunkKey(other.companyId, day, othersSameDay.cartId))).toEqual([
      expected.get(othersSameDay.cartId),
    ]);
    const listed = await env.ARCHIVE.list({ prefix: archivePrefix(company.companyId) });
    expect(listed.objects.map((object) => object.key).sort()).toEqual([key, legacyKey, nextDayKey].sort());
    const object = await env.ARCHIVE.head(key);
    expect(object?.httpMetadata?.contentType).toBe("application/x-ndjson");

    expect(await cartStatuses([morning, evening, nextDay, othersSameDay, lastYear])).toEqual([
      "MISSING",
      "MISSING",
      "MISSING",
      "MISSING",
      "CONVERTED",
    ]);
    const items = await withDatabase((db) =>
      db
        .select()
        .from(cartItems)
        .where(inArray(cartItems.cartId, [morning.cartId, evening.cartId])),
    );
    expect(items).toEqual([]);
    // The platform's conversion records go with their carts; the younger one stays.
    const conversions = await withDatabase((db) =>
      db
        .select({ cartId: cartConversions.cartId })
        .from(cartConversions)
        .where(inArray(cartConversions.companyId, [company.companyId, other.companyId])),
    );
    expect(conversions).toEqual([{ cartId: lastYear.cartId }]);

    const again = await runCron(CRONS.weekly, new Date());
    expect(counts(again.archiveConvertedCarts)).toMatchObject({ selected: 0, changed: 0 });
    expect(await readArchive(key)).toHaveLength(2);
  });
});

describe("vacuumAnalyze (weekly)", { timeout: 60_000 }, () => {
  it("runs VACUUM ANALYZE on the session tables after the retention jobs, in the same run", async () => {
    const before = new Date();
    const run = await runCron(CRONS.weekly, new Date());
    expect(Object.keys(run)).toEqual([
      "applyRetention",
      "archiveConvertedCarts",
      "purgeOldComparisons",
      "vacuumAnalyze",
    ]);
    expect(counts(run.vacuumAnalyze)).toMatchObject({ outcome: "done", selected: 8, changed: 8, failed: 0 });
    // Statistics reach pg_stat a moment after the command.
    let vacuumed: Date | null = null;
    for (let attempt = 0; attempt < 20 && !(vacuumed && vacuumed >= before); attempt++) {
      const result = await withDatabase((db) =>
        db.execute<{ last_vacuum: string | null }>(
          sql`SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'cart_items'`,
        ),
      );
      const value = result.rows[0]?.last_vacuum;
      vacuumed = value ? new Date(value) : null;
      if (!(vacuumed && vacuumed >= before)) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(vacuumed?.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
  });
});

// ── Helpers ──────────────────────────────────────────────────────────────────

interface ComparisonBody {
  id: string;
  items: unknown[];
}

async function readComparison(shopper: JobShopper): Promise<ComparisonBody> {
  const response = await send(shopper, "GET", shopper.path("comparison"));
  expect(response.status).toBe(200);
  return (await response.json()) as ComparisonBody;
}

/** Compares one product; the comparison replicated. */
async function compareOne(shopper: JobShopper): Promise<{ id: string; shopper: JobShopper }> {
  const response = await send(shopper, "POST", shopper.path("comparison", "/items"), {
    productId: shopper.company.productIds[0],
  });
  expect(response.status, await response.clone().text()).toBe(201);
  const { id } = (await response.json()) as ComparisonBody;
  await flush(shopper);
  return { id, shopper };
}

async function comparisonIds(ids: string[]): Promise<string[]> {
  const rows = await withDatabase((db) =>
    db.select({ id: productComparisons.id }).from(productComparisons).where(inArray(productComparisons.id, ids)),
  );
  const present = new Set(rows.map((row) => row.id));
  return ids.filter((id) => present.has(id));
}

async function sessionIds(ids: string[]): Promise<string[]> {
  const rows = await withDatabase((db) =>
    db.select({ id: crossSiteSessions.id }).from(crossSiteSessions).where(inArray(crossSiteSessions.id, ids)),
  );
  const present = new Set(rows.map((row) => row.id));
  return ids.filter((id) => present.has(id));
}

/** The session marks its cart ABANDONED (as the hourly job would, a day from now), replicated. */
async function abandon(shopper: JobShopper): Promise<JobShopper> {
  expect((await sessionStubOf(shopper).markAbandoned(daysFromNow(1).toISOString())).changed).toBe(true);
  await flush(shopper);
  return shopper;
}

/** The session's cross_site_sessions row, EXPIRED at `endedAt` (made here if replication has not). */
async function endedSessionRow(shopper: JobShopper, endedAt: Date): Promise<void> {
  const values = { status: "EXPIRED" as const, expiredAt: endedAt, updatedAt: endedAt };
  await withDatabase((db) =>
    db
      .insert(crossSiteSessions)
      .values({
        id: shopper.sessionId,
        companyId: shopper.company.companyId,
        sessionTokenHash: shopper.address.kind === "anonymous" ? shopper.address.tokenHash : null,
        expiresAt: endedAt,
        ...values,
      })
      .onConflictDoUpdate({ target: crossSiteSessions.id, set: values }),
  );
}

/** Converts the cart for an order, replicated, then dates the conversion `convertedAt`. */
async function convert(shopper: JobShopper, convertedAt: Date): Promise<JobShopper> {
  await convertedCart(shopper, crypto.randomUUID());
  await flush(shopper);
  await withDatabase((db) =>
    db
      .update(carts)
      .set({ convertedAt })
      .where(and(eq(carts.id, shopper.cartId), eq(carts.status, "CONVERTED"))),
  );
  return shopper;
}

/** What the archive should hold for these carts: each row with its items and saved items, as JSON. */
async function archivedForm(shoppers: JobShopper[]): Promise<Map<string, unknown>> {
  const ids = shoppers.map((shopper) => shopper.cartId);
  return withDatabase(async (db) => {
    const rows = await db.select().from(carts).where(inArray(carts.id, ids));
    const items = await db.select().from(cartItems).where(inArray(cartItems.cartId, ids)).orderBy(asc(cartItems.id));
    const saved = await db
      .select()
      .from(savedCartItems)
      .where(inArray(savedCartItems.cartId, ids))
      .orderBy(asc(savedCartItems.id));
    expect(rows).toHaveLength(ids.length);
    expect(items.length).toBeGreaterThan(0);
    return new Map(
      rows.map((row) => [
        row.id,
        JSON.parse(
          JSON.stringify({
            ...row,
            items: items.filter((item) => item.cartId === row.id),
            savedItems: saved.filter((item) => item.cartId === row.id),
          }),
        ),
      ]),
    );
  });
}

async function readArchive(key: string): Promise<unknown[]> {
  const object = await env.ARCHIVE.get(key);
  expect(object, key).not.toBeNull();
  const text = (await object?.text()) ?? "";
  expect(text.endsWith("\n")).toBe(true);
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

const byId = (a: unknown, b: unknown) => ((a as { id: string }).id < (b as { id: string }).id ? -1 : 1);
