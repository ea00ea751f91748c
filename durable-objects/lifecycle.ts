// The end of a session's life: abandoned carts, expiry (final state to Postgres, then the live
// state goes), retention (forget everything). The session's own alarm runs what is due
// (`runDue`, after the rules of src/domain/lifecycle.ts); the RPC methods let the lifecycle
// jobs' safety net ask for the same for a session whose alarm evidently did not.
import {
  type LifecycleDueTimes,
  type LifecycleDuty,
  type LifecycleFacts,
  lifecycleDueTimes,
} from "../src/domain/lifecycle";
import type { Logger } from "../src/lib/logger";
import type { CartDoc, ComparisonDoc, SessionDoc } from "./contract";
import { CLOSE_CODES, type LiveSync } from "./live-sync";
import type { Outbox } from "./outbox";
import type { AlarmScheduler } from "./scheduler";
import type { SessionState } from "./session-state";
import { COMPARISON, FORGOTTEN, REPLICATION, SESSION, type SessionStorage } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

type Expiry = { expired: boolean; reason?: string };

export class Lifecycle {
  constructor(
    private readonly store: SessionStorage,
    private readonly state: SessionState,
    private readonly work: UnitOfWork,
    private readonly outbox: Outbox,
    private readonly alarm: AlarmScheduler,
    private readonly live: LiveSync,
    private readonly log: Logger,
  ) {}

  /** When each lifecycle duty of the session falls due (none for an object without a session). */
  dueTimes(): LifecycleDueTimes {
    const facts = this.facts();
    return facts ? lifecycleDueTimes(facts) : {};
  }

  /**
   * The alarm's part: runs each duty due at `now`, in order, each checked again against the
   * session as it is when it runs (a change may have come in between). Idempotent: a duty
   * already done, or no longer due, does nothing; one that cannot finish (replication pending)
   * is due again on a later wake-up.
   */
  async runDue(duties: readonly LifecycleDuty[], now: number): Promise<void> {
    for (const duty of duties) {
      const due = this.dueTimes()[duty];
      if (due === undefined || due > now) continue;
      const session = this.state.read();
      if (!session) return;
      let outcome: { reason?: string };
      if (duty === "abandon") outcome = await this.abandon(session);
      else if (duty === "expire") outcome = await this.finishExpiry(session);
      else if (session.pristine || this.outbox.isEmpty()) outcome = await this.forgetAll();
      else outcome = { reason: "replication pending" };
      // One line per duty and session lifetime: what ops search for (docs/operations.md, "Session lifecycle").
      this.log.info("session lifecycle", {
        duty,
        sessionId: session.id,
        companyId: session.companyId,
        pristine: session.pristine === true,
        ...(outcome.reason ? { reason: outcome.reason } : {}),
      });
    }
  }

  /** Marks the cart ABANDONED if the session has been idle since before `idleBefore`; a session touched since is left alone. */
  async markAbandoned(idleBefore: string): Promise<{ changed: boolean; reason?: string }> {
    const session = this.state.read();
    if (session?.status !== "ACTIVE") return { changed: false, reason: "not active" };
    if (session.lastActivityAt >= idleBefore) return { changed: false, reason: "active since selection" };
    return this.abandon(session);
  }

  private async abandon(session: SessionDoc): Promise<{ changed: boolean; reason?: string }> {
    const cart = this.state.liveCart(session);
    if (session.status !== "ACTIVE" || cart?.status !== "ACTIVE" || cart.state.lines.length === 0)
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
  async expire(idleBefore: string): Promise<Expiry> {
    const session = this.state.read();
    if (!session) return { expired: false, reason: "no session" };
    if (session.status !== "EXPIRED" && session.lastActivityAt >= idleBefore)
      return { expired: false, reason: "active since selection" };
    return this.finishExpiry(session);
  }

  private async finishExpiry(session: SessionDoc): Promise<Expiry> {
    if (session.status === "EXPIRED") {
      if (!this.state.liveCart(session) && this.outbox.isEmpty()) return { expired: true, reason: "already expired" };
    } else {
      // Absent only if something went wrong earlier: the session expires all the same (an alarm
      // that threw on it would be retried a few times, then never wake again).
      const cart = this.state.liveCart(session);
      await this.work.apply(() => {
        const now = new Date();
        const version = session.version + 1;
        const expired: SessionDoc = { ...session, status: "EXPIRED", version, updatedAt: now.toISOString() };
        this.state.save(expired, now);
        if (!cart) return;
        const endsHere = cart.status === "ACTIVE" || cart.status === "ABANDONED";
        this.state.saveCart(endsHere ? ({ ...cart, status: "EXPIRED", version } satisfies CartDoc) : cart, now);
      });
    }
    // Replicate now, so Postgres holds the final state before the live state goes. A send that
    // fails keeps everything (and backs off): the next wake-up, or run, finishes the expiry.
    await this.outbox.flush();
    if (!this.outbox.isEmpty()) return { expired: false, reason: "replication pending; retried by the next run" };
    await this.work.apply(() => {
      // The replication bookkeeping stays with the session document: what was sent, and when.
      this.store.clearLiveState([SESSION, REPLICATION]);
    });
    this.live.closeAll(CLOSE_CODES.gone, "session expired");
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
    await this.forgetAll();
    return { forgotten: true };
  }

  private async forgetAll(): Promise<{ reason?: string }> {
    await this.work.apply(() => {
      this.store.clearLiveState([]);
      // No personal data, only the fact: a vouched-for token of this session finds it gone
      // rather than starting it afresh (SessionState.createsOnFirstUse).
      this.store.write(FORGOTTEN, { forgottenAt: new Date().toISOString() });
    });
    this.live.closeAll(CLOSE_CODES.gone, "session forgotten");
    await this.alarm.cancel();
    return {};
  }

  private facts(): LifecycleFacts | undefined {
    const session = this.state.read();
    if (!session) return undefined;
    const cart = this.state.liveCart(session);
    return {
      status: session.status,
      pristine: session.pristine === true,
      lastActivityAt: session.lastActivityAt,
      updatedAt: session.updatedAt,
      mergedAt: session.mergedAt,
      cartExpirationDays: session.cartExpirationDays,
      cart: cart && { status: cart.status, lineCount: cart.state.lines.length },
      expiryUnfinished: session.status === "EXPIRED" && (cart !== undefined || !this.outbox.isEmpty()),
    };
  }
}
