// One alarm serves every purpose a session has for waking up: replicating its outbox,
// retrying that with backoff, sweeping idempotency records, forgetting expired codes, and its
// lifecycle (abandon, expire, forget: housekeeping.ts plans them all with planAlarm). Whoever
// sets it, it never lands later than the next one-time code's expiry: a transfer code holds a
// raw session token, which must be gone on time whatever replication is doing.

/**
 * Changes are batched for this long before the alarm sends them. Postgres is a replica, so a
 * few seconds of lag cost nothing, while each send costs an alarm, a queue message and its
 * share of a consumer batch: a shopper adding several items in a row sends once. It also
 * bounds the backlog an outage builds (one message per busy session per window), which is what
 * Postgres must work through once back. 5 s rather than 2 s (design 11): under a sustained
 * item-add load it coalesced ~3 changes per send instead of ~1.3, and item adds ran 14 % faster
 * with half the Postgres sessions (`npm run bench`, 30 s runs); analytics see a change ~5 s later.
 * The bench's settle time (scripts/lib/postgres-meter.ts) must outlast it.
 */
export const FLUSH_DELAY_MS = 5_000;

export class AlarmScheduler {
  /**
   * @param retryNotBefore when a failed replication may be tried again: new changes never pull
   *   the alarm before it, so an outage's backoff holds and recovery does not meet every
   *   session at once.
   * @param codesDue when the next one-time code expires: no alarm is ever set later than that.
   */
  constructor(
    private readonly storage: DurableObjectStorage,
    readonly retryNotBefore: () => number,
    private readonly codesDue: () => number | undefined,
  ) {}

  /** Whether a replication retry is still backing off at `now` (then nothing may be sent). */
  backingOff(now: number): boolean {
    return this.retryNotBefore() > now;
  }

  /** When pending changes may be sent: shortly, batched with whatever follows, or when the backoff ends. */
  flushDue(): number {
    return Math.max(Date.now() + FLUSH_DELAY_MS, this.retryNotBefore());
  }

  /** After a change: replicate it shortly, batched with whatever follows (or when the backoff ends). */
  async flushSoon(): Promise<void> {
    await this.runBy(this.flushDue());
  }

  /** Makes sure the alarm runs no later than `due`; an earlier alarm already set stays. */
  async runBy(due: number): Promise<void> {
    const current = await this.storage.getAlarm();
    if (current === null || current > due) await this.storage.setAlarm(due);
  }

  /**
   * Sets the alarm to `at`, even later than one already set (a retry backing off) — but never
   * past the next code's expiry: that wake-up forgets the code and leaves the backoff alone.
   */
  async runAt(at: number): Promise<void> {
    await this.storage.setAlarm(nextDue(at, this.codesDue()) as number);
  }

  async cancel(): Promise<void> {
    await this.storage.deleteAlarm();
  }
}

/** The earliest of the housekeeping due times, if any is set. */
export function nextDue(...dueTimes: (number | undefined)[]): number | undefined {
  const set = dueTimes.filter((due): due is number => due !== undefined && Number.isFinite(due));
  return set.length ? Math.min(...set) : undefined;
}
