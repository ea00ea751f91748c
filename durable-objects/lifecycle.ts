// The end of a session's life, as the lifecycle jobs drive it: abandoned carts, expiry
// (final state to Postgres, then the live state goes), retention (forget everything).
import type { CartDoc, ComparisonDoc, SessionDoc } from "./contract";
import type { Outbox } from "./outbox";
import type { AlarmScheduler } from "./scheduler";
import type { SessionState } from "./session-state";
import { COMPARISON, REPLICATION, SESSION, type SessionStorage } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

export class Lifecycle {
  constructor(
    private readonly store: SessionStorage,
    private readonly state: SessionState,
    private readonly work: UnitOfWork,
    private readonly outbox: Outbox,
    private readonly alarm: AlarmScheduler,
  ) {}

  /** Marks the cart ABANDONED if the session has been idle since before `idleBefore`; a session touched since is left alone. */
  async markAbandoned(idleBefore: string): Promise<{ changed: boolean; reason?: string }> {
    const session = this.state.read();
    if (session?.status !== "ACTIVE") return { changed: false, reason: "not active" };
    if (session.lastActivityAt >= idleBefore) return { changed: false, reason: "active since selection" };
    const cart = this.state.currentCart(session);
    if (cart.status !== "ACTIVE" || cart.state.lines.length === 0)
      return { changed: false, reason: "nothing to abandon" };
    await this.work.apply(() => {
      const now = new Date();
      const version = session.version + 1;
      this.state.write({ ...session, version });
      this.state.saveCart({ ...cart, status: "ABANDONED", abandonedAt: now.toISOString(), version }, now);
    });
    return { changed: true };
  }

  /**
   * If idle since before `idleBefore`: marks the session and cart EXPIRED, replicates that,
   * then clears the live state. Idempotent; an expiry that could not replicate is finished
   * by the next run.
   */
  async expire(idleBefore: string): Promise<{ expired: boolean; reason?: string }> {
    const session = this.state.read();
    if (!session) return { expired: false, reason: "no session" };
    if (session.status === "EXPIRED") {
      if (!this.state.liveCart(session) && this.outbox.isEmpty()) return { expired: true, reason: "already expired" };
    } else {
      if (session.lastActivityAt >= idleBefore) return { expired: false, reason: "active since selection" };
      const cart = this.state.currentCart(session);
      await this.work.apply(() => {
        const now = new Date();
        const version = session.version + 1;
        const expired: SessionDoc = { ...session, status: "EXPIRED", version, updatedAt: now.toISOString() };
        this.state.save(expired, now);
        const endsHere = cart.status === "ACTIVE" || cart.status === "ABANDONED";
        this.state.saveCart(endsHere ? ({ ...cart, status: "EXPIRED", version } satisfies CartDoc) : cart, now);
      });
    }
    // Replicate now, so Postgres holds the final state before the live state goes.
    await this.outbox.flush();
    if (!this.outbox.isEmpty()) return { expired: false, reason: "replication pending; retried by the next run" };
    await this.work.apply(() => {
      // The replication bookkeeping stays with the session document: what was sent, and when.
      this.store.clearLiveState([SESSION, REPLICATION]);
    });
    return { expired: true };
  }

  /** For the weekly purge: drops the session's comparison if it is still `comparisonId` (its row is going). */
  async dropComparison(comparisonId: string): Promise<{ dropped: boolean }> {
    if (this.store.read<ComparisonDoc>(COMPARISON)?.id !== comparisonId) return { dropped: false };
    await this.work.apply(() => {
      this.store.remove(COMPARISON);
    });
    return { dropped: true };
  }

  /**
   * For retention: if this object still holds session `sessionId` (a customer's object
   * starts a new session after one expires) and it has ended (EXPIRED or MERGED), forgets
   * everything it stores, so its token finds nothing any more.
   */
  async forget(sessionId: string): Promise<{ forgotten: boolean; reason?: string }> {
    const session = this.state.read();
    if (!session) return { forgotten: false, reason: "nothing stored" };
    if (session.id !== sessionId) return { forgotten: false, reason: "another session" };
    if (session.status !== "EXPIRED" && session.status !== "MERGED") return { forgotten: false, reason: "in use" };
    if (!this.outbox.isEmpty()) return { forgotten: false, reason: "replication pending" };
    await this.work.apply(() => {
      this.store.clearLiveState([]);
    });
    await this.alarm.cancel();
    return { forgotten: true };
  }
}
