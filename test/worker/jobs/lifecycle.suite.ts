// The hourly and daily jobs through the real scheduled handler. Sites here keep carts 1–5
// days, so a scheduledTime a few days ahead makes exactly these sessions idle — in Postgres
// and in their Durable Objects alike — while every other test file's carts (7+ days) are not.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { carts, crossSiteSessions } from "../../../src/db/schema";
import { EXPIRY_GRACE_MS } from "../../../src/jobs/cleanup-expired-sessions";
import { ABANDON_GRACE_MS } from "../../../src/jobs/mark-abandoned-carts";
import { CRONS } from "../../../src/jobs/schedule";
import { toHex } from "../../../src/lib/tokens";
import { withDatabase } from "../../support/db";
import {
  ageCart,
  cartResponse,
  cartRow,
  cartStatuses,
  counts,
  createJobCompany,
  customerWithItems,
  DAY_MS,
  daysFromNow,
  guestWithEmptiedCart,
  guestWithItems,
  type JobShopper,
  removeJobCompanies,
  runCron,
  summariesOf,
  trigger,
} from "../../support/jobs";
import { flush, send, sessionStubOf } from "../../support/sessions";

afterEach(removeJobCompanies);

const HOUR_MS = 3_600_000;

describe("markAbandonedCarts (hourly)", { timeout: 60_000 }, () => {
  it("abandons carts with items idle past their own site's cartExpirationDays, and nothing else", async () => {
    const oneDay = await createJobCompany(1);
    const fiveDays = await createJobCompany(5);
    const guests = [await guestWithItems(oneDay, 1), await guestWithItems(oneDay, 2)];
    const customer = await customerWithItems(oneDay, 1);
    const empty = await guestWithEmptiedCart(oneDay);
    const other = await guestWithItems(fiveDays, 1);

    const run = await runCron(CRONS.hourly, daysFromNow(2));
    expect(counts(run.markAbandonedCarts)).toEqual({
      outcome: "done",
      selected: 3,
      changed: 3,
      skipped: 0,
      failed: 0,
      budgetExhausted: false,
    });
    expect(run.markAbandonedCarts?.durationMs).toEqual(expect.any(Number));

    await flush(...guests, customer, empty, other);
    expect(await cartStatuses([...guests, customer, empty, other])).toEqual([
      "ABANDONED",
      "ABANDONED",
      "ABANDONED",
      "ACTIVE",
      "ACTIVE",
    ]);
    expect((await cartRow(customer.cartId))?.abandonedAt).toBeInstanceOf(Date);
    expect((await cartResponse(guests[0] as JobShopper)).body.status).toBe("ABANDONED");
    expect((await cartResponse(other)).body.status).toBe("ACTIVE");

    // Idempotent: nothing left to do at the same time.
    expect(counts((await runCron(CRONS.hourly, daysFromNow(2))).markAbandonedCarts)).toMatchObject({
      selected: 0,
      changed: 0,
    });

    // The five-day site's cart goes once five days have passed.
    expect(counts((await runCron(CRONS.hourly, daysFromNow(6))).markAbandonedCarts)).toMatchObject({
      selected: 1,
      changed: 1,
      failed: 0,
    });
    await flush(other);
    expect(await cartStatuses([other, empty])).toEqual(["ABANDONED", "ACTIVE"]);
  });

  it("leaves a session alone when Postgres says idle but the session was active since", async () => {
    const company = await createJobCompany(1);
    const shopper = await guestWithItems(company, 1);
    // Postgres' copy says three days idle (two past due); the session itself was active moments ago.
    await ageCart(shopper.cartId, {
      lastActivityAt: new Date(Date.now() - 3 * DAY_MS),
      expiresAt: new Date(Date.now() - 2 * DAY_MS),
    });

    const run = await runCron(CRONS.hourly, new Date());
    expect(counts(run.markAbandonedCarts)).toMatchObject({ selected: 1, changed: 0, skipped: 1, failed: 0 });
    expect(run.markAbandonedCarts?.skippedReasons).toEqual({ "active since selection": 1 });
    expect(await cartStatuses([shopper])).toEqual(["ACTIVE"]);
    expect((await cartResponse(shopper)).body.status).toBe("ACTIVE");
  });

  it("stops at its call budget and the next run carries on where it stopped", async () => {
    const company = await createJobCompany(1);
    const shoppers: JobShopper[] = [];
    for (let index = 0; index < 5; index++) shoppers.push(await guestWithItems(company, 1));
    const at = daysFromNow(2);

    const first = await runCron(CRONS.hourly, at, { JOBS_CALL_BUDGET: "3" });
    expect(counts(first.markAbandonedCarts)).toMatchObject({ selected: 3, changed: 3, budgetExhausted: true });
    await flush(...shoppers);
    // The three lowest ids (keyset order) went first.
    const byId = [...shoppers].sort((a, b) => (a.cartId < b.cartId ? -1 : 1));
    expect(await cartStatuses(byId)).toEqual(["ABANDONED", "ABANDONED", "ABANDONED", "ACTIVE", "ACTIVE"]);

    const second = await runCron(CRONS.hourly, at, { JOBS_CALL_BUDGET: "3" });
    expect(counts(second.markAbandonedCarts)).toMatchObject({ selected: 2, changed: 2, budgetExhausted: false });
    await flush(...shoppers);
    expect(new Set(await cartStatuses(shoppers))).toEqual(new Set(["ABANDONED"]));

    expect(counts((await runCron(CRONS.hourly, at, { JOBS_CALL_BUDGET: "3" })).markAbandonedCarts)).toMatchObject({
      selected: 0,
      changed: 0,
      budgetExhausted: false,
    });
  });

  it("is a safety net: it steps in only once a cart is ABANDON_GRACE_MS past due", async () => {
    const company = await createJobCompany(1);
    const shopper = await guestWithItems(company, 1);
    const dueAt = Date.now() + DAY_MS;

    // Due an hour ago: the session's own alarm has it; the net leaves it alone.
    const early = await runCron(CRONS.hourly, new Date(dueAt + HOUR_MS));
    expect(counts(early.markAbandonedCarts)).toMatchObject({ selected: 0, changed: 0 });
    // Still ACTIVE seven hours past due: the net nudges the session, which abandons its cart.
    const late = await runCron(CRONS.hourly, new Date(dueAt + ABANDON_GRACE_MS + HOUR_MS));
    expect(counts(late.markAbandonedCarts)).toMatchObject({ selected: 1, changed: 1, failed: 0 });
    await flush(shopper);
    expect(await cartStatuses([shopper])).toEqual(["ABANDONED"]);
    // Idempotent: an ABANDONED row is no candidate any more.
    expect(
      counts((await runCron(CRONS.hourly, new Date(dueAt + ABANDON_GRACE_MS + HOUR_MS))).markAbandonedCarts),
    ).toMatchObject({ selected: 0, changed: 0 });
  });

  it("makes at most SAFETY_NET_CALL_BUDGET calls a run, however much of JOBS_CALL_BUDGET is left", async () => {
    const company = await createJobCompany(1);
    const shoppers = [await guestWithItems(company), await guestWithItems(company), await guestWithItems(company)];
    const at = daysFromNow(2);
    const budgets = { JOBS_CALL_BUDGET: "800", SAFETY_NET_CALL_BUDGET: "2" } as Partial<Env>;

    const first = await runCron(CRONS.hourly, at, budgets);
    expect(counts(first.markAbandonedCarts)).toMatchObject({ selected: 2, changed: 2, budgetExhausted: true });
    await flush(...shoppers);
    const second = await runCron(CRONS.hourly, at, budgets);
    expect(counts(second.markAbandonedCarts)).toMatchObject({ selected: 1, changed: 1, budgetExhausted: false });
    await flush(...shoppers);
    expect(await cartStatuses(shoppers)).toEqual(["ABANDONED", "ABANDONED", "ABANDONED"]);
  });

  it("is safe to trigger twice at the same time: each cart changes once", async () => {
    const company = await createJobCompany(1);
    const shoppers = [await guestWithItems(company), await guestWithItems(company), await guestWithItems(company)];
    const at = daysFromNow(2);

    const summaries = await summariesOf(() => Promise.all([trigger(CRONS.hourly, at), trigger(CRONS.hourly, at)]));
    expect(summaries).toHaveLength(2);
    expect(summaries.map((summary) => summary.outcome).filter((outcome) => outcome === "error")).toEqual([]);
    expect(summaries.reduce((sum, summary) => sum + summary.changed, 0)).toBe(3);
    expect(summaries.reduce((sum, summary) => sum + summary.failed, 0)).toBe(0);
    await flush(...shoppers);
    expect(await cartStatuses(shoppers)).toEqual(["ABANDONED", "ABANDONED", "ABANDONED"]);
  });
});

describe("cleanupExpiredSessions (daily 03:00)", { timeout: 60_000 }, () => {
  it("expires sessions past expiresAt, clears their live state, and leaves the rest", async () => {
    const oneDay = await createJobCompany(1);
    const fiveDays = await createJobCompany(5);
    const abandoned = await guestWithItems(oneDay, 1);
    const empty = await guestWithEmptiedCart(oneDay);
    const customer = await customerWithItems(oneDay, 2);
    const other = await guestWithItems(fiveDays, 1);
    const at = daysFromNow(3);
    // The hourly job got to the carts with items first.
    expect((await runCron(CRONS.hourly, at)).markAbandonedCarts?.changed).toBe(2);
    await flush(abandoned, customer);
    expect(await cartStatuses([abandoned, empty, customer])).toEqual(["ABANDONED", "ACTIVE", "ABANDONED"]);

    const run = await runCron(CRONS.daily, at);
    // Each session has two rows past due, its cart and its cross-site session (which expires
    // after its site's days too, design 101); the net counts rows.
    expect(counts(run.cleanupExpiredSessions)).toEqual({
      outcome: "done",
      selected: 6,
      changed: 6,
      skipped: 0,
      failed: 0,
      budgetExhausted: false,
    });
    // Each session handed its final state to replication before clearing itself.
    await flush(abandoned, empty, customer);
    expect(await cartStatuses([abandoned, empty, customer, other])).toEqual([
      "EXPIRED",
      "EXPIRED",
      "EXPIRED",
      "ACTIVE",
    ]);
    expect((await cartRow(abandoned.cartId))?.abandonedAt).toBeInstanceOf(Date);
    expect((await cartResponse(abandoned)).status).toBe(410);
    expect((await cartResponse(empty)).status).toBe(410);
    // A customer simply starts over with a new, empty cart.
    const fresh = await cartResponse(customer);
    expect(fresh.status).toBe(200);
    expect(fresh.body.id).not.toBe(customer.cartId);
    expect((await cartResponse(other)).body.status).toBe("ACTIVE");

    expect(counts((await runCron(CRONS.daily, at)).cleanupExpiredSessions)).toMatchObject({
      selected: 0,
      changed: 0,
      failed: 0,
    });
  });

  it("is a safety net: it steps in only once a session is EXPIRY_GRACE_MS past its expiry", async () => {
    const company = await createJobCompany(1);
    const shopper = await guestWithItems(company, 1);
    const dueAt = Date.now() + DAY_MS;

    const early = await runCron(CRONS.daily, new Date(dueAt + 12 * HOUR_MS));
    expect(counts(early.cleanupExpiredSessions)).toMatchObject({ selected: 0, changed: 0 });
    expect((await cartResponse(shopper)).status).toBe(200);

    const late = await runCron(CRONS.daily, new Date(dueAt + EXPIRY_GRACE_MS + HOUR_MS));
    // its cart row and its cross-site session row
    expect(counts(late.cleanupExpiredSessions)).toMatchObject({ selected: 2, changed: 2, failed: 0 });
    await flush(shopper);
    expect(await cartStatuses([shopper])).toEqual(["EXPIRED"]);
    expect((await cartResponse(shopper)).status).toBe(410);
    // Idempotent: nothing left to nudge, the same state.
    const again = await runCron(CRONS.daily, new Date(dueAt + EXPIRY_GRACE_MS + HOUR_MS));
    expect(counts(again.cleanupExpiredSessions)).toMatchObject({ selected: 0, changed: 0 });
    expect(await cartStatuses([shopper])).toEqual(["EXPIRED"]);
  });

  it("expires, set-based, overdue rows that name no session (as an erasure leaves them)", async () => {
    const company = await createJobCompany(1);
    const row = (expiresAt: Date) => ({
      id: crypto.randomUUID(),
      companyId: company.companyId,
      siteId: company.siteIds[0],
      sessionId: crypto.randomUUID(),
      currency: "USD",
      itemCount: 1,
      status: "ACTIVE" as const,
      expiresAt,
      lastActivityAt: new Date(expiresAt.getTime() - DAY_MS),
    });
    const overdue = row(new Date(Date.now() - 2 * DAY_MS));
    const withinGrace = row(new Date(Date.now() - 12 * HOUR_MS));
    await withDatabase((db) => db.insert(carts).values([overdue, withinGrace]));

    const run = await runCron(CRONS.daily, new Date());
    expect(counts(run.cleanupExpiredSessions)).toMatchObject({ selected: 1, changed: 1, failed: 0 });
    expect(run.cleanupExpiredSessions?.unreachableRowsExpired).toBe(1);
    expect((await cartRow(overdue.id))?.status).toBe("EXPIRED");
    expect((await cartRow(withinGrace.id))?.status).toBe("ACTIVE");
    // Idempotent.
    expect((await runCron(CRONS.daily, new Date())).cleanupExpiredSessions?.unreachableRowsExpired).toBe(0);
    // Only the status: the version stays, so whatever is replicated later still lands.
    expect((await cartRow(overdue.id))?.version).toBe(0);
  });

  it("keeps a session that was active after Postgres last saw it", async () => {
    const company = await createJobCompany(1);
    const shopper = await guestWithItems(company, 1);
    await ageCart(shopper.cartId, {
      lastActivityAt: new Date(Date.now() - 3 * DAY_MS),
      expiresAt: new Date(Date.now() - 2 * DAY_MS),
    });
    // The shopper is back, on the session itself; Postgres has not heard of it yet.
    const added = await send(shopper, "POST", shopper.cartPath("/items"), {
      productId: company.productIds[1],
      quantity: 1,
    });
    expect(added.status).toBe(201);

    const run = await runCron(CRONS.daily, new Date());
    expect(counts(run.cleanupExpiredSessions)).toMatchObject({ selected: 1, changed: 0, skipped: 1, failed: 0 });
    expect(run.cleanupExpiredSessions?.skippedReasons).toEqual({ "active since selection": 1 });
    expect((await cartResponse(shopper)).status).toBe(200);
    await flush(shopper);
    const row = await cartRow(shopper.cartId);
    expect(row?.status).toBe("ACTIVE");
    expect(row?.itemCount).toBe(3);
    expect(row?.expiresAt?.getTime()).toBeGreaterThan(Date.now());
  });

  it("expires a session whose cross-site session row is past its expiry", async () => {
    // Thirty-day carts: only the session row is due.
    const company = await createJobCompany(30);
    const shopper = await guestWithItems(company, 1);
    const control = await guestWithItems(company, 1);
    await giveSessionLifetime(shopper, DAY_MS);

    const run = await runCron(CRONS.daily, daysFromNow(3));
    expect(counts(run.cleanupExpiredSessions)).toMatchObject({ selected: 1, changed: 1, failed: 0 });
    await flush(shopper);
    const [row] = await withDatabase((db) =>
      db.select().from(crossSiteSessions).where(eq(crossSiteSessions.id, shopper.sessionId)),
    );
    expect(row?.status).toBe("EXPIRED");
    expect(await cartStatuses([shopper, control])).toEqual(["EXPIRED", "ACTIVE"]);
    expect((await cartResponse(shopper)).status).toBe(410);
    expect((await cartResponse(control)).status).toBe(200);
    expect((await sessionStubOf(shopper).expire(new Date().toISOString())).reason).toBe("already expired");
  });

  it("expires the row of a session whose object holds nothing", async () => {
    const company = await createJobCompany(1);
    const cartId = crypto.randomUUID();
    await withDatabase((db) =>
      db.insert(carts).values({
        id: cartId,
        companyId: company.companyId,
        siteId: company.siteIds[0],
        sessionId: crypto.randomUUID(),
        sessionTokenHash: toHex(crypto.getRandomValues(new Uint8Array(32))),
        currency: "USD",
        itemCount: 1,
        expiresAt: new Date(),
        lastActivityAt: new Date(Date.now() - DAY_MS),
      }),
    );
    const run = await runCron(CRONS.daily, daysFromNow(3));
    expect(counts(run.cleanupExpiredSessions)).toMatchObject({ selected: 1, changed: 1, failed: 0 });
    expect(run.cleanupExpiredSessions?.rowsOnlyExpired).toBe(1);
    expect((await cartRow(cartId))?.status).toBe("EXPIRED");
  });
});

/** Gives the session's cross_site_sessions row (made here if replication has not) a short lifetime. */
async function giveSessionLifetime(shopper: JobShopper, lifetimeMs: number): Promise<void> {
  const lastActivityAt = new Date();
  const expiresAt = new Date(lastActivityAt.getTime() + lifetimeMs);
  await withDatabase(async (db) => {
    await db
      .insert(crossSiteSessions)
      .values({
        id: shopper.sessionId,
        companyId: shopper.company.companyId,
        sessionTokenHash: shopper.address.kind === "anonymous" ? shopper.address.tokenHash : null,
        customerId: shopper.address.kind === "customer" ? shopper.address.customerId : null,
        status: "ACTIVE",
        lastActivityAt,
        expiresAt,
      })
      .onConflictDoUpdate({ target: crossSiteSessions.id, set: { lastActivityAt, expiresAt } });
  });
}
