// Issue 14: each session runs its own lifecycle on its alarm. Thousands of idle sessions are
// abandoned, expired and forgotten on time by their own alarms — no cron call — and Postgres
// says the same. The clock is the isolate's `Date`, moved on by the test; the runtime would
// fire each alarm when due, the test fires it (runDurableObjectAlarm) at the moment it is set for.
import { runInDurableObject } from "cloudflare:test";
import { inArray, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ShopperSession } from "../../../durable-objects/shopper-session";
import worker from "../../../src";
import { carts, crossSiteSessions } from "../../../src/db/schema";
import { ABANDONMENT_THRESHOLD_DAYS, DAY_MS, ENDED_SESSION_RETENTION_DAYS } from "../../../src/domain/lifecycle";
import { createCompany, seedProduct } from "../../support/catalog";
import { withDatabase } from "../../support/db";
import { eventually, inParallel, objectState, quietUntil, realTime, travelTo, wake } from "../../support/lifecycle";
import { newGuest, type Shopper, send, sessionStubOf } from "../../support/sessions";

/** The figure. About 6 minutes on 2 shared cores (1,000 take under 2); most of it is making them. */
const SESSIONS = 5_000;
/** Longer than the abandonment threshold, so abandonment and expiry fall on different days. */
const CART_EXPIRATION_DAYS = 45;
const PARALLEL = 25;

afterEach(realTime);

/** The carts and sessions rows of these shoppers, by cart id and session id. */
async function rowsOf(shoppers: Shopper[]) {
  return withDatabase(async (db) => {
    const cartRows = await db
      .select({ id: carts.id, status: carts.status, abandonedAt: carts.abandonedAt, itemCount: carts.itemCount })
      .from(carts)
      .where(
        inArray(
          carts.id,
          shoppers.map((shopper) => shopper.cartId),
        ),
      );
    const sessionRows = await db
      .select({ id: crossSiteSessions.id, status: crossSiteSessions.status, expiredAt: crossSiteSessions.expiredAt })
      .from(crossSiteSessions)
      .where(
        inArray(
          crossSiteSessions.id,
          shoppers.map((shopper) => shopper.sessionId),
        ),
      );
    return {
      carts: new Map(cartRows.map((row) => [row.id, row])),
      sessions: new Map(sessionRows.map((row) => [row.id, row])),
    };
  });
}

async function countWhere(companyId: string, status: string): Promise<number> {
  return withDatabase(async (db) => {
    const rows = await db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM carts WHERE company_id = ${companyId} AND status = ${status} AND item_count > 0`,
    );
    return Number(rows.rows[0]?.n ?? 0);
  });
}

/**
 * Where replication stopped, for a failure message: the company's carts by status in Postgres,
 * and what a few of the objects whose carts are behind say they sent (Queues took it: the local
 * queue or its consumer lost or holds it) or still hold (the object did not send).
 */
async function replicationDiagnosis(companyId: string, shoppers: Shopper[], status: string): Promise<string> {
  const statuses = await withDatabase(async (db) => {
    const rows = await db.execute<{ status: string; n: number }>(
      sql`SELECT status, count(*)::int AS n FROM carts WHERE company_id = ${companyId} GROUP BY status`,
    );
    return rows.rows.map((row) => `${row.status} ${row.n}`).join(", ");
  });
  const rows = await rowsOf(shoppers);
  const behind = shoppers.filter((shopper) => rows.carts.get(shopper.cartId)?.status !== status).slice(0, 5);
  const objects = await inParallel(behind, 5, (shopper) =>
    runInDurableObject(sessionStubOf(shopper), (_instance, state) => {
      const sql = state.storage.sql;
      const replication = sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = 'replication'").toArray();
      const pending = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
      return `${shopper.cartId}: pending ${pending}, replication ${replication[0]?.body ?? "none"}`;
    }),
  );
  return `Postgres: ${statuses}; behind: ${objects.join(" | ")}`;
}

describe("idle sessions run their own lifecycle", { timeout: 1_200_000 }, () => {
  it(`${SESSIONS} idle sessions are abandoned, expired and forgotten on time by their own alarms, with no cron call; Postgres agrees`, async () => {
    const cron = vi.spyOn(worker, "scheduled");
    const rpc = (["markAbandoned", "expire", "forget"] as const).map((method) =>
      vi.spyOn(ShopperSession.prototype, method),
    );
    const company = await createCompany(
      { cartExpirationDays: CART_EXPIRATION_DAYS },
      { cartExpirationDays: CART_EXPIRATION_DAYS },
    );
    const productId = await seedProduct(company.companyId, { price: 1_000 });

    // Real time: 5,000 guests put one item in their carts; their alarms replicate them.
    const shoppers = await inParallel(Array.from({ length: SESSIONS }), PARALLEL, async () => {
      const guest = await newGuest(company);
      const added = await send(guest, "POST", guest.cartPath("/items"), { productId, quantity: 1 });
      expect(added.status).toBe(201);
      return guest;
    });
    await eventually(
      "every cart in Postgres",
      async () => (await countWhere(company.companyId, "ACTIVE")) === SESSIONS,
      { diagnose: () => replicationDiagnosis(company.companyId, shoppers, "ACTIVE") },
    );

    // Once quiet (the confirming send done), each alarm sleeps until its abandonment is due.
    const lastActivity = new Map<Shopper, number>();
    await eventually("every alarm set for its abandonment", async () => {
      const states = await inParallel(shoppers, PARALLEL, objectState);
      states.forEach((state, index) => {
        lastActivity.set(shoppers[index] as Shopper, Date.parse(state.session?.lastActivityAt ?? ""));
      });
      return states.every(
        (state, index) =>
          state.alarm ===
          (lastActivity.get(shoppers[index] as Shopper) as number) + ABANDONMENT_THRESHOLD_DAYS * DAY_MS,
      );
    });
    const dueAt = (shopper: Shopper, days: number) => (lastActivity.get(shopper) as number) + days * DAY_MS;
    const byDue = [...shoppers].sort((a, b) => dueAt(a, 0) - dueAt(b, 0));

    // A millisecond early, an alarm (woken anyway) changes nothing and sleeps on until the due time.
    const early = byDue.slice(0, 50);
    for (const shopper of early) {
      travelTo(dueAt(shopper, ABANDONMENT_THRESHOLD_DAYS) - 1);
      await wake(shopper);
    }
    for (const shopper of early) {
      const state = await objectState(shopper);
      expect(state.alarm).toBe(dueAt(shopper, ABANDONMENT_THRESHOLD_DAYS));
      expect(state.session?.version).toBe(2);
    }

    // Day 30: each alarm, at the moment it is set for, abandons its cart and replicates that.
    for (const shopper of byDue) {
      travelTo(dueAt(shopper, ABANDONMENT_THRESHOLD_DAYS));
      expect(await wake(shopper)).toBe(true);
      await quietUntil(shopper, dueAt(shopper, CART_EXPIRATION_DAYS));
    }
    // Postgres is polled in real time (its driver's timeouts must not see the moved clock).
    realTime();
    await eventually(
      "every cart ABANDONED in Postgres",
      async () => (await countWhere(company.companyId, "ABANDONED")) === SESSIONS,
      { diagnose: () => replicationDiagnosis(company.companyId, shoppers, "ABANDONED") },
    );
    let rows = await rowsOf(shoppers);
    for (const shopper of shoppers) {
      expect(rows.carts.get(shopper.cartId)?.abandonedAt?.getTime()).toBe(dueAt(shopper, ABANDONMENT_THRESHOLD_DAYS));
    }

    // The next wake-up of each is its expiry, the site's cartExpirationDays after the last activity.
    const afterAbandonment = await inParallel(shoppers, PARALLEL, objectState);
    afterAbandonment.forEach((state, index) => {
      expect(state.alarm).toBe(dueAt(shoppers[index] as Shopper, CART_EXPIRATION_DAYS));
    });

    // Day 45: each alarm expires its session, hands the final state to replication, clears the live state.
    for (const shopper of byDue) {
      travelTo(dueAt(shopper, CART_EXPIRATION_DAYS));
      expect(await wake(shopper)).toBe(true);
      await quietUntil(shopper, dueAt(shopper, CART_EXPIRATION_DAYS) + ENDED_SESSION_RETENTION_DAYS * DAY_MS);
    }
    realTime();
    await eventually(
      "every cart EXPIRED in Postgres",
      async () => (await countWhere(company.companyId, "EXPIRED")) === SESSIONS,
      { diagnose: () => replicationDiagnosis(company.companyId, shoppers, "EXPIRED") },
    );
    await eventually("every session EXPIRED in Postgres", async () => {
      rows = await rowsOf(shoppers);
      return shoppers.every((shopper) => rows.sessions.get(shopper.sessionId)?.status === "EXPIRED");
    });
    for (const shopper of shoppers) {
      expect(rows.sessions.get(shopper.sessionId)?.expiredAt?.getTime()).toBe(dueAt(shopper, CART_EXPIRATION_DAYS));
      // Still counted as abandoned: the expired row keeps when it was abandoned.
      expect(rows.carts.get(shopper.cartId)?.abandonedAt?.getTime()).toBe(dueAt(shopper, ABANDONMENT_THRESHOLD_DAYS));
    }
    const expired = await inParallel(shoppers, PARALLEL, objectState);
    expired.forEach((state, index) => {
      const shopper = shoppers[index] as Shopper;
      expect(state.documents).toEqual(["replication", "session"]);
      expect(state.pending).toBe(0);
      expect(state.alarm).toBe(dueAt(shopper, CART_EXPIRATION_DAYS) + ENDED_SESSION_RETENTION_DAYS * DAY_MS);
    });

    // 30 days later: each forgets itself entirely and sets no alarm again. Postgres keeps its rows
    // (retention there is the weekly job's set-based SQL).
    for (const shopper of byDue) {
      travelTo(dueAt(shopper, CART_EXPIRATION_DAYS) + ENDED_SESSION_RETENTION_DAYS * DAY_MS);
      expect(await wake(shopper)).toBe(true);
    }
    realTime();
    const forgotten = await inParallel(shoppers, PARALLEL, objectState);
    // Only the marker stays: the token cannot start the session again (design 96).
    for (const state of forgotten) expect(state).toMatchObject({ alarm: null, documents: ["forgotten"], pending: 0 });
    expect(await countWhere(company.companyId, "EXPIRED")).toBe(SESSIONS);

    // No cron call, no lifecycle RPC: the objects did it all by themselves.
    expect(cron).not.toHaveBeenCalled();
    for (const spy of rpc) expect(spy).not.toHaveBeenCalled();
    // (The spies do see an RPC call when one is made: the jobs' safety net may still ask.)
    expect(await sessionStubOf(shoppers[0] as Shopper).expire(new Date().toISOString())).toEqual({
      expired: false,
      reason: "no session",
    });
    expect(rpc[1]).toHaveBeenCalledTimes(1);
  });
});
