import { openDatabase } from "../src/db/client";
import { loadConfig } from "../src/lib/config";
import { sha256Hex } from "../src/lib/tokens";
import { pruneCodes } from "./codes";
import type { CartDoc, ComparisonDoc, WishlistDoc } from "./contract";
import { replicate } from "./replication";
import { COMPARISON, cartDocName, DAY_MS, FLUSH_DELAY_MS, SESSION, SessionCore, WISHLIST } from "./session-core";

const IDEMPOTENCY_TTL_MS = DAY_MS;
const MAX_BACKOFF_MS = 5 * 60_000;

/** The outbox's way out: the alarm replicates pending changes to Postgres, with backoff. */
export abstract class SessionReplication extends SessionCore {
  // ── Replication ─────────────────────────────────────────────────────────────

  override async alarm(): Promise<void> {
    await this.flush();
    const now = Date.now();
    const oldest = this.store.sweepIdempotency(now - IDEMPOTENCY_TTL_MS);
    const nextCodeExpiry = this.ctx.storage.transactionSync(() => pruneCodes(this.store, now));
    if (this.store.outboxSize() > 0) return; // flush() has set its own (retry) alarm
    const next = Math.min(oldest === undefined ? Infinity : oldest + IDEMPOTENCY_TTL_MS, nextCodeExpiry ?? Infinity);
    if (Number.isFinite(next)) await this.scheduleAlarmBy(next);
  }

  /** Replicates every pending change; on failure keeps them and retries with backoff. */
  protected async flush(): Promise<void> {
    const pending = this.store.pending();
    if (!pending) return;
    const session = this.readSession();
    if (!session) {
      this.store.acknowledge(pending.lastSeq);
      return;
    }
    const cartsToSend = pending.resources
      .filter((resource) => resource.startsWith("cart:"))
      .map((resource) => this.store.read<CartDoc>(resource))
      .filter((cart): cart is CartDoc => cart !== undefined);
    const wishlist = pending.resources.includes(WISHLIST) ? this.store.read<WishlistDoc>(WISHLIST) : undefined;
    const comparison = pending.resources.includes(COMPARISON) ? this.store.read<ComparisonDoc>(COMPARISON) : undefined;
    const state = this.store.read<{ failures: number }>("replication") ?? { failures: 0 };
    try {
      const config = loadConfig(this.env as unknown as Record<string, unknown>);
      const database = openDatabase({ databaseUrl: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY });
      try {
        // A customer's cross-site token is kept raw in the object; Postgres gets its digest.
        const tokenHash =
          session.tokenHash ?? (session.crossSiteToken ? await sha256Hex(session.crossSiteToken) : null);
        const sessionRow = pending.resources.includes(SESSION) ? { tokenHash } : undefined;
        await replicate(database.db, { session, sessionRow, carts: cartsToSend, wishlist, comparison });
      } finally {
        await database.close();
      }
    } catch (error) {
      const failures = state.failures + 1;
      const delay = Math.min(1_000 * 2 ** Math.min(failures, 10), MAX_BACKOFF_MS);
      this.store.write("replication", { failures, lastError: String(error), lastErrorAt: new Date().toISOString() });
      this.log.warn("replication failed; will retry", {
        sessionId: session.id,
        failures,
        retryInMs: delay,
        error: String(error),
      });
      await this.ctx.storage.setAlarm(Date.now() + delay);
      return;
    }
    this.ctx.storage.transactionSync(() => {
      this.store.acknowledge(pending.lastSeq);
      if (state.failures) this.store.write("replication", { failures: 0 });
      // Converted carts live here until Postgres has their final state and their order is
      // no longer remembered (a repeated conversion of a remembered order returns its cart).
      const remembered = new Set(Object.values(session.conversions));
      for (const cart of cartsToSend) {
        if (cart.id !== session.cartId && !remembered.has(cart.id)) this.store.remove(cartDocName(cart.id));
      }
    });
    // Changes made while this flush was in flight are still in the outbox.
    if (this.store.outboxSize() > 0) await this.ctx.storage.setAlarm(Date.now() + FLUSH_DELAY_MS);
  }
}
