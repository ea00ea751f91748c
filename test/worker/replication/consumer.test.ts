// The replication queue's consumer, batch by batch as Queues delivers them: duplicates and
// out-of-order versions change nothing, one bad message never holds the others, transient
// failures retry the batch with backoff, and what cannot be written becomes a dead letter —
// identifiers only. Large carts travel through R2 and land whole.
import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import type { CartDoc, SessionDoc } from "../../../durable-objects/contract";
import { cartReplica, sessionReplica } from "../../../durable-objects/replica-messages";
import { lockForErasure } from "../../../src/db/erasure";
import { crossSiteSessions } from "../../../src/db/schema";
import { retryDelaySeconds } from "../../../src/replication/consumer";
import { storedBodyKey } from "../../../src/replication/messages";
import { sendReplicas } from "../../../src/replication/producer";
import { cartRows } from "../../support/cart";
import { createCompany } from "../../support/catalog";
import { type TestDb, withDatabase } from "../../support/db";
import { DEAD_LETTER_QUEUE, deadLettersFor, deliver, messageOf, unreachableDatabase } from "../../support/replication";

const at = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 12, minutes)).toISOString();

/** A session and its cart as an object would hold them, built here so each version is exact. */
function session(companyId: string, siteId: string): SessionDoc {
  const id = crypto.randomUUID();
  return {
    id,
    companyId,
    customerId: null,
    tokenHash: crypto.randomUUID().replaceAll("-", "").repeat(2),
    status: "ACTIVE",
    cartId: crypto.randomUUID(),
    conversions: {},
    version: 1,
    originSiteId: siteId,
    sitesVisited: [siteId],
    createdAt: at(0),
    updatedAt: at(0),
    lastActivityAt: at(0),
    mergedIntoSessionId: null,
    mergedAt: null,
    expiresAt: at(59),
  };
}

function cartAt(owner: SessionDoc, version: number, quantities: number[], text = (i: number) => `Item ${i}`): CartDoc {
  const lines = quantities.map((quantity, i) => ({
    id: crypto.randomUUID(),
    productId: crypto.randomUUID(),
    variantId: null,
    sku: text(i).slice(0, 100),
    name: text(i),
    quantity,
    unitPrice: 1_000,
    lineTotal: 1_000 * quantity,
    siteId: owner.originSiteId,
    bundleGroupId: null,
    bundleId: null,
    addedAt: at(1),
    unavailable: false,
  }));
  const subtotal = lines.reduce((sum, line) => sum + line.lineTotal, 0);
  return {
    id: owner.cartId,
    status: "ACTIVE",
    siteId: owner.originSiteId,
    state: { currency: "USD", lines, savedLines: [], discounts: [] },
    totals: {
      subtotal,
      discountTotal: 0,
      taxTotal: 0,
      shippingTotal: 0,
      grandTotal: subtotal,
      itemCount: quantities.reduce((a, b) => a + b, 0),
    },
    version,
    createdAt: at(0),
    updatedAt: at(version),
    expiresAt: at(59),
    abandonedAt: null,
    orderId: null,
    convertedAt: null,
    appliedMerges: [],
  };
}

async function sessionRowVersion(sessionId: string): Promise<number | undefined> {
  const [row] = await withDatabase((db) =>
    db
      .select({ version: crossSiteSessions.version })
      .from(crossSiteSessions)
      .where(eq(crossSiteSessions.id, sessionId)),
  );
  return row?.version;
}

/** Sessions waiting for the company's erasure lock (a replication batch takes it shared). */
async function waitersForErasureLock(companyId: string): Promise<number> {
  return withDatabase(async (db) => {
    const { rows } = await db.$client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks
       WHERE locktype = 'advisory' AND NOT granted AND objid = hashtext($1)::oid`,
      [companyId],
    );
    return rows[0]?.n ?? 0;
  });
}

/**
 * Takes a lock in a transaction of the test's own (`take`) and holds it until `release()`,
 * which ends the transaction: what waits for that lock meanwhile gets no answer.
 */
async function holdLock(take: (tx: Parameters<Parameters<TestDb["transaction"]>[0]>[0]) => Promise<unknown>) {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let taken = () => {};
  const locked = new Promise<void>((resolve) => {
    taken = resolve;
  });
  const holder = withDatabase((db) =>
    db.transaction(async (tx) => {
      await take(tx);
      taken();
      await held;
    }),
  );
  // A lock that could not be taken fails the test here rather than leaving it waiting.
  await Promise.race([locked, holder]);
  return {
    release: async () => {
      release();
      await holder;
    },
  };
}

async function newSession() {
  const { companyId, siteIds } = await createCompany();
  const owner = session(companyId, siteIds[0]);
  const sender = { companyId, sessionId: owner.id };
  const message = (cart: CartDoc) => messageOf(cartReplica(owner, cart), sender);
  return { owner, sender, message };
}

describe("replication consumer: delivery order", () => {
  it("duplicates and out-of-order versions in one batch and across batches: the newest wins, nothing moves back", async () => {
    const { owner, sender, message } = await newSession();
    const [v1, v2, v3] = [cartAt(owner, 1, [1]), cartAt(owner, 2, [1, 2]), cartAt(owner, 3, [5, 2, 7])];
    const sessionMessage = messageOf(sessionReplica(owner, owner.tokenHash), sender);

    const first = await deliver([message(v2), message(v3), sessionMessage, message(v1), message(v3)]);
    expect(first).toMatchObject({ ackAll: true, retryMessages: [] });
    const rows = await cartRows(owner.cartId);
    expect(rows.cart).toMatchObject({ version: 3, subtotal: 14_000, sessionTokenHash: owner.tokenHash });
    expect(rows.items.map((item) => item.quantity).sort()).toEqual([2, 5, 7]);

    // Redelivered later, each older version alone: acknowledged, and nothing changes.
    for (const late of [v1, v2, v3]) expect(await deliver([message(late)])).toMatchObject({ ackAll: true });
    const after = await cartRows(owner.cartId);
    expect(after.cart?.version).toBe(3);
    expect(after.items.map((item) => item.id).sort()).toEqual(rows.items.map((item) => item.id).sort());
    expect(await deadLettersFor(owner.cartId, owner.id)).toEqual([]);
  });
});

describe("replication consumer: bad messages", () => {
  it("a lone UTF-16 surrogate in a line name is written as U+FFFD, as the driver always did, not set aside", async () => {
    const { owner, message } = await newSession();
    const result = await deliver([message(cartAt(owner, 1, [1], () => "half \ud800 pair"))]);
    expect(result).toMatchObject({ ackAll: true, retryMessages: [] });
    const rows = await cartRows(owner.cartId);
    expect(rows.cart?.version).toBe(1);
    expect(rows.items.map((item) => item.name)).toEqual(["half \ufffd pair"]);
    expect(await deadLettersFor(owner.cartId, owner.id)).toEqual([]);
  });

  it("a resource Postgres refuses (a NUL in a line name) is a dead letter; the rest of the batch, its own message included, is written", async () => {
    const good = await newSession();
    const bad = await newSession();
    const poisoned = cartAt(bad.owner, 4, [1], () => "bad\u0000name");
    // The bad session's message also carries its session row: written, although its cart is not.
    const badSend = messageOf(
      [sessionReplica(bad.owner, bad.owner.tokenHash), cartReplica(bad.owner, poisoned)],
      bad.sender,
    );
    const result = await deliver([good.message(cartAt(good.owner, 1, [2])), badSend]);

    expect(result).toMatchObject({ ackAll: true, retryMessages: [] });
    expect((await cartRows(good.owner.cartId)).cart?.version).toBe(1);
    expect((await cartRows(bad.owner.cartId)).cart).toBeUndefined();
    expect(await sessionRowVersion(bad.owner.id)).toBe(1);
    const [letter] = await deadLettersFor(bad.owner.cartId);
    expect(letter).toMatchObject({ resource: "cart", version: 4, reason: "refused", count: 1 });
    // 22P05: the rows go to Postgres as JSON, where a NUL cannot become text (class 22, data: permanent).
    expect(letter?.sql_state).toBe("22P05");
    // Identifiers only: the row has no column that could hold a body, a token or a name.
    expect(Object.keys(letter ?? {}).sort()).toEqual(
      [
        "company_id",
        "count",
        "first_seen_at",
        "id",
        "last_seen_at",
        "object_id",
        "reason",
        "replayed_at",
        "resource",
        "resource_id",
        "session_id",
        "sql_state",
        "version",
      ].sort(),
    );
  });

  it("a message that does not decode is a dead letter at once, never retried; its batch goes through", async () => {
    const { owner, message } = await newSession();
    const missingLines = message(cartAt(owner, 2, [1]));
    (missingLines.resources[0] as { body: unknown }).body = { kind: "cart", row: { id: owner.cartId } };
    const result = await deliver(["not json at all", missingLines, message(cartAt(owner, 1, [3]))]);

    expect(result).toMatchObject({ ackAll: true, retryMessages: [] });
    expect((await cartRows(owner.cartId)).cart?.version).toBe(1);
    expect(await deadLettersFor(owner.cartId)).toEqual([
      expect.objectContaining({ resource: "cart", version: 2, reason: "invalid-message" }),
    ]);
    const [garbageId] = result.ids;
    expect(await deadLettersFor(garbageId as string)).toEqual([
      expect.objectContaining({ resource: "message", reason: "invalid-message" }),
    ]);
  });

  it("a letter goes once a later version of its resource is written", async () => {
    const { owner, message } = await newSession();
    await deliver([message(cartAt(owner, 1, [1], () => "bad\u0000"))]);
    expect(await deadLettersFor(owner.cartId)).toHaveLength(1);
    await deliver([message(cartAt(owner, 2, [1]))]);
    expect(await deadLettersFor(owner.cartId)).toEqual([]);
    expect((await cartRows(owner.cartId)).cart?.version).toBe(2);
  });
});

describe("replication consumer: Postgres unreachable", () => {
  it("the whole batch is retried later with backoff; nothing is acknowledged or lost", async () => {
    const { owner, message } = await newSession();
    const result = await deliver([message(cartAt(owner, 1, [1])), message(cartAt(owner, 2, [2]))], {
      attempts: 3,
      env: unreachableDatabase(),
    });

    expect(result.ackAll).toBe(false);
    // Each message is retried (the test harness does not report the delay it asked for; the
    // schedule is retryDelaySeconds, below).
    expect(result.retryMessages.map((retry) => retry.msgId).sort()).toEqual([...result.ids].sort());
    expect((await cartRows(owner.cartId)).cart).toBeUndefined();
  });

  it("retry delays double from 2 s to 5 min with equal jitter", () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelaySeconds(attempts, 0))).toEqual([1, 2, 4, 8]);
    expect([1, 2, 3, 4].map((attempts) => retryDelaySeconds(attempts, 1))).toEqual([2, 4, 8, 16]);
    expect(retryDelaySeconds(30, 0)).toBe(150);
    expect(retryDelaySeconds(30, 1)).toBe(300);
  });

  it("the dead-letter queue records messages out of retries; while Postgres is down it waits", async () => {
    const { owner, message } = await newSession();
    const exhausted = message(cartAt(owner, 7, [1]));
    const waiting = await deliver([exhausted], { queue: DEAD_LETTER_QUEUE, env: unreachableDatabase() });
    expect(waiting.ackAll).toBe(false);
    expect(waiting.retryMessages).toHaveLength(1);

    const recorded = await deliver([exhausted], { queue: DEAD_LETTER_QUEUE });
    expect(recorded.ackAll).toBe(true);
    expect(await deadLettersFor(owner.cartId)).toEqual([
      expect.objectContaining({
        resource: "cart",
        version: 7,
        reason: "retries-exhausted",
        session_id: owner.id,
        company_id: owner.companyId,
      }),
    ]);
  });
});

describe("replication consumer: a batch that does not finish", () => {
  it("is given up at its deadline and retried; its connection goes, and with it the locks it waited for", {
    timeout: 30_000,
  }, async () => {
    const { owner, sender, message } = await newSession();
    // An erasure of the company holds its lock: the batch waits on Postgres and gets no answer.
    const erasure = await holdLock((tx) => lockForErasure(tx, sender.companyId));
    try {
      const started = performance.now();
      const given = await deliver([message(cartAt(owner, 1, [1]))], { hooks: { deadlineMs: 1_500 } });
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(given.ackAll).toBe(false);
      expect(given.retryMessages.map((retry) => retry.msgId)).toEqual(given.ids);
      // Nobody waits for the company's lock any more: the given-up batch's session is gone.
      await expect.poll(() => waitersForErasureLock(sender.companyId), { timeout: 10_000, interval: 250 }).toBe(0);
    } finally {
      await erasure.release();
    }
    const retried = await deliver([message(cartAt(owner, 1, [1]))]);
    expect(retried.ackAll).toBe(true);
    expect((await cartRows(owner.cartId)).cart?.version).toBe(1);
  });

  it("a dead-letter batch is bounded the same way: given up at its deadline, retried, its letter kept", {
    timeout: 30_000,
  }, async () => {
    const { owner, message } = await newSession();
    const exhausted = message(cartAt(owner, 7, [1]));
    expect((await deliver([exhausted], { queue: DEAD_LETTER_QUEUE })).ackAll).toBe(true);
    // The letter's row is locked by someone else: counting it again waits with no answer.
    const holder = await holdLock((tx) =>
      tx.execute(sql`SELECT 1 FROM replication_dead_letters WHERE resource_id = ${owner.cartId} FOR UPDATE`),
    );
    try {
      const started = performance.now();
      const given = await deliver([exhausted], { queue: DEAD_LETTER_QUEUE, hooks: { deadlineMs: 1_500 } });
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(given.ackAll).toBe(false);
      expect(given.retryMessages.map((retry) => retry.msgId)).toEqual(given.ids);
    } finally {
      await holder.release();
    }
    expect((await deliver([exhausted], { queue: DEAD_LETTER_QUEUE })).ackAll).toBe(true);
    // The given-up write may still have landed once the lock went (it only counts the letter
    // again): the letter is there, counted at least for both deliveries that were acknowledged.
    const [letter] = await deadLettersFor(owner.cartId);
    expect(letter).toMatchObject({ resource: "cart", version: 7, reason: "retries-exhausted" });
    expect(letter?.count).toBeGreaterThanOrEqual(2);
  });

  it("runs its transaction under Postgres' own bounds, so a silent client's locks never outlive it", async () => {
    const { owner, message } = await newSession();
    let settings: Record<string, unknown>[] = [];
    const result = await deliver([message(cartAt(owner, 1, [1]))], {
      hooks: {
        afterWrite: async (execute) => {
          settings = await execute(
            sql`SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle,
                   current_setting('client_connection_check_interval') AS gone`,
          );
        },
      },
    });
    expect(result.ackAll).toBe(true);
    expect(settings).toEqual([{ statement: "30s", idle: "30s", gone: "1s" }]);
  });

  it("a rollups refresh that times out never holds the rows back: they commit without it", async () => {
    const { owner, message } = await newSession();
    const result = await deliver([message(cartAt(owner, 1, [2]))], {
      hooks: {
        afterWrite: async (execute) => {
          // A very large day's recompute, cancelled by Postgres at its statement timeout (57014).
          await execute(sql`SET LOCAL statement_timeout = '50ms'`);
          await execute(sql`SELECT pg_sleep(1)`);
        },
      },
    });
    expect(result.ackAll).toBe(true);
    expect((await cartRows(owner.cartId)).cart?.version).toBe(1);
  });

  it("a hook that fails before it queries anything (no savepoint opened) never holds the rows back either", async () => {
    const { owner, message } = await newSession();
    const result = await deliver([message(cartAt(owner, 1, [2]))], {
      hooks: {
        afterWrite: async () => {
          throw new Error("the hook's own bug");
        },
      },
    });
    expect(result.ackAll).toBe(true);
    expect((await cartRows(owner.cartId)).cart?.version).toBe(1);
  });
});

describe("replication producer: message size", () => {
  it("a 250-line cart with 250 saved lines and maximum-length names travels through R2 and lands whole", async () => {
    const { owner, sender } = await newSession();
    // 200 three-byte characters per name: the longest the catalog accepts, 600 bytes in UTF-8.
    const longest = (i: number) => `${"€".repeat(196)}${String(i).padStart(4, "0")}`;
    const cart = cartAt(
      owner,
      1,
      Array.from({ length: 250 }, () => 999),
      longest,
    );
    cart.state.savedLines = cartAt(
      owner,
      1,
      Array.from({ length: 250 }, () => 1),
      longest,
    ).state.lines.map(({ lineTotal: _t, bundleGroupId: _g, bundleId: _b, unavailable: _u, ...line }) => ({
      ...line,
      savedAt: at(2),
    }));
    const replica = cartReplica(owner, cart);
    expect(new TextEncoder().encode(JSON.stringify(replica.body)).byteLength).toBeGreaterThan(128_000);

    // Through the real local queue, as the outbox sends it.
    await sendReplicas(env, { objectId: "0".repeat(64), ...sender }, [replica]);
    expect(await env.ARCHIVE.head(storedBodyKey("cart", owner.cartId))).not.toBeNull();
    await vi.waitFor(
      async () => {
        const rows = await cartRows(owner.cartId);
        expect(rows.cart?.version).toBe(1);
        expect(rows.items).toHaveLength(250);
        expect(rows.saved).toHaveLength(250);
      },
      { timeout: 20_000, interval: 250 },
    );
    const { items } = await cartRows(owner.cartId);
    expect(new Set(items.map((item) => item.name))).toEqual(new Set(cart.state.lines.map((line) => line.name)));
  });
});
