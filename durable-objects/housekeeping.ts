// What the alarm does each time it wakes: send the outbox (and, once due, confirm the last
// send), run the lifecycle duties that are due (abandon, expire, forget), forget idempotency
// records past their day and expired one-time codes, then sleep until the next of all of those
// (planAlarm, src/domain/lifecycle.ts: the one "next due" computation).
import { DAY_MS, planAlarm } from "../src/domain/lifecycle";
import { pruneCodes } from "./codes";
import type { Lifecycle } from "./lifecycle";
import type { Outbox } from "./outbox";
import type { AlarmScheduler } from "./scheduler";
import type { SessionStorage } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

const IDEMPOTENCY_TTL_MS = DAY_MS;

export class Housekeeping {
  constructor(
    private readonly store: SessionStorage,
    private readonly work: UnitOfWork,
    private readonly outbox: Outbox,
    private readonly alarm: AlarmScheduler,
    private readonly lifecycle: Lifecycle,
  ) {}

  /**
   * Idempotent: an alarm that runs twice, or late, or again after it threw (the runtime retries
   * it), does no harm. A wake-up during a replication backoff (a code expiring) sends nothing
   * and runs no lifecycle duty: the backoff holds.
   */
  async onAlarm(): Promise<void> {
    if (!this.alarm.backingOff(Date.now())) {
      await this.outbox.flush();
      await this.outbox.confirmIfDue(Date.now());
    }
    const { due } = this.plan(Date.now());
    await this.lifecycle.runDue(due, Date.now());
    // An abandonment goes to Postgres with this wake-up, not the next.
    if (due.length && !this.outbox.isEmpty() && !this.alarm.backingOff(Date.now())) await this.outbox.flush();
    const now = Date.now();
    let oldestIdempotency: number | undefined;
    let nextCodeExpiry: number | undefined;
    await this.work.apply(() => {
      oldestIdempotency = this.store.sweepIdempotency(now - IDEMPOTENCY_TTL_MS);
      nextCodeExpiry = pruneCodes(this.store, now);
    });
    // flush() has set its own alarm for what is still pending (a retry, or changes made
    // meanwhile); this only ever brings it forward.
    const { next } = this.plan(now, {
      idempotency: oldestIdempotency === undefined ? undefined : oldestIdempotency + IDEMPOTENCY_TTL_MS,
      codes: nextCodeExpiry,
    });
    if (next !== undefined) await this.alarm.runBy(next);
  }

  /** The alarm's plan at `now`: lifecycle duties due, and the next wake-up. */
  private plan(now: number, swept: { idempotency?: number; codes?: number } = {}) {
    return planAlarm(
      now,
      this.lifecycle.dueTimes(),
      {
        flush: this.outbox.isEmpty() ? undefined : this.alarm.flushDue(),
        confirm: this.outbox.confirmDue(),
        ...swept,
      },
      this.alarm.retryNotBefore(),
    );
  }
}
