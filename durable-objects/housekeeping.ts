// What the alarm does each time it wakes: send the outbox (and, once due, confirm the last
// send), forget idempotency records past their day and expired one-time codes, then sleep
// until the next of those is due.
import { pruneCodes } from "./codes";
import type { Outbox } from "./outbox";
import { type AlarmScheduler, nextDue } from "./scheduler";
import { DAY_MS } from "./session-state";
import type { SessionStorage } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

const IDEMPOTENCY_TTL_MS = DAY_MS;

export class Housekeeping {
  constructor(
    private readonly store: SessionStorage,
    private readonly work: UnitOfWork,
    private readonly outbox: Outbox,
    private readonly alarm: AlarmScheduler,
  ) {}

  /**
   * Idempotent: an alarm that runs twice, or late, does no harm. A wake-up during a replication
   * backoff (a code expiring) sends nothing: the backoff holds.
   */
  async onAlarm(): Promise<void> {
    if (!this.alarm.backingOff(Date.now())) {
      await this.outbox.flush();
      await this.outbox.confirmIfDue(Date.now());
    }
    const now = Date.now();
    let oldestIdempotency: number | undefined;
    let nextCodeExpiry: number | undefined;
    await this.work.apply(() => {
      oldestIdempotency = this.store.sweepIdempotency(now - IDEMPOTENCY_TTL_MS);
      nextCodeExpiry = pruneCodes(this.store, now);
    });
    // flush() has set its own alarm for what is still pending (a retry, or changes made
    // meanwhile); this only ever brings it forward.
    const next = nextDue(
      this.outbox.isEmpty() ? undefined : this.alarm.flushDue(),
      oldestIdempotency === undefined ? undefined : oldestIdempotency + IDEMPOTENCY_TTL_MS,
      nextCodeExpiry,
      this.outbox.confirmDue(),
    );
    if (next !== undefined) await this.alarm.runBy(next);
  }
}
