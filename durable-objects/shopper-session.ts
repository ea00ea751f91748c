import type { CartDoc, ComparisonDoc, SessionDoc } from "./contract";
import { MergeFeatures } from "./merge-features";
import { COMPARISON, cartDocName, SESSION } from "./session-core";

export type { GuestState, MergeResult } from "./merge-features";

// The class is split by responsibility into a chain, each file extending the one before:
// session-core → session-replication → catalog-access → cart-features → list-features →
// cross-site-features → merge-features → shopper-session. Only this last class is bound.

/**
 * One shopper session: its cart (and, as they land, wishlist and comparison). The single
 * writer of that state: every change runs in one synchronous SQLite transaction that also
 * writes the outbox row the alarm later replicates to Postgres.
 */
export class ShopperSession extends MergeFeatures {
  /**
   * For the lifecycle jobs: marks the cart ABANDONED if the session has been idle since
   * before `idleBefore`. A session touched after the job selected it is left alone.
   */
  async markAbandoned(idleBefore: string): Promise<{ changed: boolean; reason?: string }> {
    const session = this.readSession();
    if (session?.status !== "ACTIVE") return { changed: false, reason: "not active" };
    if (session.lastActivityAt >= idleBefore) return { changed: false, reason: "active since selection" };
    const cart = this.currentCart(session);
    if (cart.status !== "ACTIVE" || cart.state.lines.length === 0)
      return { changed: false, reason: "nothing to abandon" };
    this.ctx.storage.transactionSync(() => {
      const now = new Date().toISOString();
      const version = session.version + 1;
      this.store.write(SESSION, { ...session, version });
      this.store.write(cartDocName(cart.id), { ...cart, status: "ABANDONED", abandonedAt: now, version });
      this.store.enqueue(cartDocName(cart.id), version, Date.now());
    });
    await this.scheduleFlush();
    return { changed: true };
  }

  /**
   * For the lifecycle jobs: if idle since before `idleBefore`, replicates what is pending,
   * marks the session and cart EXPIRED in Postgres and clears the live state. Idempotent.
   */
  async expire(idleBefore: string): Promise<{ expired: boolean; reason?: string }> {
    const session = this.readSession();
    if (!session) return { expired: false, reason: "no session" };
    if (session.status === "EXPIRED") {
      // Done before, unless an earlier run could not replicate: then its live state is still here.
      if (!this.liveCart(session) && this.store.outboxSize() === 0) return { expired: true, reason: "already expired" };
    } else {
      if (session.lastActivityAt >= idleBefore) return { expired: false, reason: "active since selection" };
      const cart = this.currentCart(session);
      const now = new Date().toISOString();
      const version = session.version + 1;
      const expiredSession: SessionDoc = { ...session, status: "EXPIRED", version, updatedAt: now };
      const expiredCart: CartDoc =
        cart.status === "ACTIVE" || cart.status === "ABANDONED" ? { ...cart, status: "EXPIRED", version } : cart;
      this.ctx.storage.transactionSync(() => {
        this.store.write(SESSION, expiredSession);
        this.store.write(cartDocName(cart.id), expiredCart);
        this.store.enqueue(SESSION, version, Date.now());
        this.store.enqueue(cartDocName(cart.id), version, Date.now());
      });
    }
    // Replicate now, so Postgres holds the final state before the live state goes.
    await this.flush();
    if (this.store.outboxSize() > 0) return { expired: false, reason: "replication pending; retried by the next run" };
    this.ctx.storage.transactionSync(() => {
      this.store.clearLiveState([SESSION]);
    });
    return { expired: true };
  }

  // ── Retention RPC (src/jobs) ────────────────────────────────────────────────

  /** For the weekly purge: drops the session's comparison if it is still `comparisonId` (its row is going). */
  async dropComparison(comparisonId: string): Promise<{ dropped: boolean }> {
    if (this.store.read<ComparisonDoc>(COMPARISON)?.id !== comparisonId) return { dropped: false };
    this.store.remove(COMPARISON);
    return { dropped: true };
  }

  /**
   * For retention: if this object still holds session `sessionId` (a customer's object
   * starts a new session after one expires) and it has ended (EXPIRED or MERGED), forgets
   * everything it stores, so its token finds nothing any more.
   */
  async forget(sessionId: string): Promise<{ forgotten: boolean; reason?: string }> {
    const session = this.readSession();
    if (!session) return { forgotten: false, reason: "nothing stored" };
    if (session.id !== sessionId) return { forgotten: false, reason: "another session" };
    if (session.status !== "EXPIRED" && session.status !== "MERGED") return { forgotten: false, reason: "in use" };
    if (this.store.outboxSize() > 0) return { forgotten: false, reason: "replication pending" };
    this.ctx.storage.transactionSync(() => this.store.clearLiveState([]));
    await this.ctx.storage.deleteAlarm();
    return { forgotten: true };
  }
}
