// Every change to a session runs through here, so each one is handled the same way:
// idempotency, one transaction, recorded changes, the announcement after commit, the flush.
import type { SessionCall } from "./contract";
import type { Change, LiveSync } from "./live-sync";
import { type Mutation, refuse } from "./outcome";
import type { AlarmScheduler } from "./scheduler";
import type { SessionStorage } from "./storage";

type Idempotency = SessionCall["idempotency"];

export class UnitOfWork {
  /** What the running change recorded; set only while a change runs. */
  private recorded: Change[] | undefined;
  /** Whether the running change asked for a wake-up though it recorded nothing (wake()). */
  private wakeRequested = false;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly store: SessionStorage,
    private readonly live: LiveSync,
    private readonly alarm: AlarmScheduler,
  ) {}

  /**
   * Runs a change: an Idempotency-Key seen before answers what it answered then; otherwise
   * `change` runs in one SQLite transaction (documents, versions, outbox, the idempotency
   * record) and, once committed, what it recorded is announced and the flush is scheduled.
   * A refusal thrown by `change` rolls everything back.
   */
  async run<T>(idempotency: Idempotency, change: () => Mutation<T>): Promise<Mutation<T>> {
    const replayed = this.replay<T>(idempotency);
    if (replayed) return replayed;
    return this.execute(idempotency, change);
  }

  /**
   * A change whose answer holds a secret kept nowhere (a cross-site token: only the Worker ever
   * sees it), so a repeated Idempotency-Key cannot replay it: `change` runs again, given what
   * the first run answered (to withdraw what it handed out), and its answer replaces the stored
   * one. A key reused with another request is refused as by `run`.
   */
  async rerun<T>(idempotency: Idempotency, change: (previous: Mutation<T> | undefined) => Mutation<T>) {
    const previous = this.replay<T>(idempotency);
    return this.execute(idempotency, () => change(previous));
  }

  private async execute<T>(idempotency: Idempotency, change: () => Mutation<T>): Promise<Mutation<T>> {
    this.recorded = [];
    this.wakeRequested = false;
    let result: Mutation<T>;
    let changes: Change[];
    try {
      result = this.ctx.storage.transactionSync(() => {
        const outcome = change();
        if (idempotency) this.store.rememberIdempotent(idempotency.key, idempotency.fingerprint, outcome, Date.now());
        return outcome;
      });
      changes = this.recorded;
    } catch (error) {
      // The transaction rolled back (a refusal, a bug): the documents cached during it may be
      // ahead of SQLite now, so the next reads come from SQLite again.
      this.store.forgetCachedDocuments();
      throw error;
    } finally {
      this.recorded = undefined;
    }
    this.live.announce(changes);
    // The alarm also sweeps idempotency records and runs the lifecycle, so a stored answer or
    // a wake-up asked for schedules it too; it then sets itself for whatever is due next.
    if (changes.length > 0 || idempotency || this.wakeRequested) await this.alarm.flushSoon();
    return result;
  }

  /** A change that answers nothing (bookkeeping, lifecycle): one transaction, then announce and flush. */
  async apply(change: () => void): Promise<void> {
    await this.run(undefined, () => {
      change();
      return { status: 200, body: undefined };
    });
  }

  /** A stored answer for this Idempotency-Key, or a refusal when the key came with another request. */
  replay<T>(idempotency: Idempotency): Mutation<T> | undefined {
    if (!idempotency) return undefined;
    const stored = this.store.findIdempotent(idempotency.key);
    if (!stored) return undefined;
    if (stored.fingerprint !== idempotency.fingerprint) {
      refuse("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request");
    }
    return stored.response as Mutation<T>;
  }

  /** Inside a change that records nothing: the alarm should still wake (and plan what is due next). */
  wake(): void {
    if (!this.recorded) throw new Error("wake() outside a unit of work");
    this.wakeRequested = true;
  }

  /** Inside a change: an outbox entry for `resource`, announced to live subscribers after commit. */
  record(resource: string, version: number, now: Date): void {
    if (!this.recorded) throw new Error(`${resource} changed outside a unit of work`);
    this.store.enqueue(resource, version, now.getTime());
    this.recorded.push({ resource, version });
  }
}
