// The outbox's way out: pending changes are replicated to Postgres by the alarm, with
// backoff while Postgres is unreachable. Nothing leaves the outbox until Postgres has it.

import { errorFields } from "../src/lib/error-fields";
import type { Logger } from "../src/lib/logger";
import { sha256Hex } from "../src/lib/tokens";
import type { CartDoc, ComparisonDoc, WishlistDoc } from "./contract";
import { withDatabase } from "./database";
import { type DeadLetter, replicate } from "./replication";
import { type AlarmScheduler, FLUSH_DELAY_MS } from "./scheduler";
import type { SessionState } from "./session-state";
import { COMPARISON, cartDocName, DEAD_LETTERS, REPLICATION, SESSION, type SessionStorage, WISHLIST } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

const MAX_BACKOFF_MS = 5 * 60_000;

/** The replication retry state the object keeps (document REPLICATION). */
export interface ReplicationState {
  failures: number;
  /** when the next attempt is due after a failure; changes made meanwhile wait for it */
  retryAt?: number;
  lastError?: string;
  lastErrorAt?: string;
}

/**
 * How long to wait after the n-th failure in a row: doubling from 2 s up to 5 min, with
 * "equal jitter" (half fixed, half random) so sessions that failed together retry apart.
 */
export function backoffMs(failures: number, random = Math.random()): number {
  const ceiling = Math.min(1_000 * 2 ** Math.min(failures, 10), MAX_BACKOFF_MS);
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

export class Outbox {
  constructor(
    private readonly env: Env,
    private readonly store: SessionStorage,
    private readonly state: SessionState,
    private readonly work: UnitOfWork,
    private readonly alarm: AlarmScheduler,
    private readonly log: Logger,
  ) {}

  isEmpty(): boolean {
    return this.store.outboxSize() === 0;
  }

  /** Replicates every pending change; on failure keeps them and retries with backoff. */
  async flush(): Promise<void> {
    const pending = this.store.pending();
    if (!pending) return;
    const session = this.state.read();
    if (!session) {
      await this.work.apply(() => this.store.acknowledge(pending.lastSeq));
      return;
    }
    const cartsToSend = pending.resources
      .filter((resource) => resource.startsWith("cart:"))
      .map((resource) => this.store.read<CartDoc>(resource))
      .filter((cart): cart is CartDoc => cart !== undefined);
    const wishlist = pending.resources.includes(WISHLIST) ? this.store.read<WishlistDoc>(WISHLIST) : undefined;
    const comparison = pending.resources.includes(COMPARISON) ? this.store.read<ComparisonDoc>(COMPARISON) : undefined;
    const retry = this.store.read<ReplicationState>(REPLICATION) ?? { failures: 0 };
    let refused: DeadLetter[];
    try {
      // A customer's cross-site token is kept raw in the object; Postgres gets its digest.
      const tokenHash = session.tokenHash ?? (session.crossSiteToken ? await sha256Hex(session.crossSiteToken) : null);
      const sessionRow = pending.resources.includes(SESSION) ? { tokenHash } : undefined;
      refused = await withDatabase(this.env, (db) =>
        replicate(db(), { session, sessionRow, carts: cartsToSend, wishlist, comparison }),
      );
    } catch (error) {
      const failures = retry.failures + 1;
      const delay = backoffMs(failures);
      const retryAt = Date.now() + delay;
      const state: ReplicationState = {
        failures,
        retryAt,
        lastError: errorFields(error).message,
        lastErrorAt: new Date().toISOString(),
      };
      await this.work.apply(() => this.store.write(REPLICATION, state));
      this.log.warn("replication failed; will retry", {
        sessionId: session.id,
        failures,
        retryInMs: delay,
        error,
      });
      await this.alarm.runAt(retryAt);
      return;
    }
    await this.work.apply(() => {
      this.store.acknowledge(pending.lastSeq);
      if (refused.length) this.setAside(session.id, refused);
      if (retry.failures) this.store.write(REPLICATION, { failures: 0 } satisfies ReplicationState);
      // Converted carts live here until Postgres has their final state and their order is
      // no longer remembered (a repeated conversion of a remembered order returns its cart).
      const remembered = new Set(Object.values(session.conversions));
      for (const cart of cartsToSend) {
        if (cart.id !== session.cartId && !remembered.has(cart.id)) this.store.remove(cartDocName(cart.id));
      }
    });
    // Changes made while this flush was in flight are still in the outbox.
    if (!this.isEmpty()) await this.alarm.runAt(Date.now() + FLUSH_DELAY_MS);
  }

  /**
   * Inside the acknowledging change: remembers what Postgres refused for good (the most recent
   * MAX_DEAD_LETTERS, with how often each came back) and says so in an error log line. The
   * rest of the session's changes have gone through; the refused resource is tried again only
   * when it changes again.
   */
  private setAside(sessionId: string, refused: DeadLetter[]): void {
    const now = new Date().toISOString();
    const kept = this.store.read<StoredDeadLetter[]>(DEAD_LETTERS) ?? [];
    for (const letter of refused) {
      const same = kept.find((known) => known.resourceId === letter.resourceId && known.sqlState === letter.sqlState);
      if (same) Object.assign(same, { version: letter.version, count: same.count + 1, lastSeenAt: now });
      else kept.push({ ...letter, count: 1, firstSeenAt: now, lastSeenAt: now });
      this.log.error("replication refused a resource; the rest went through", { sessionId, ...letter });
    }
    this.store.write(DEAD_LETTERS, kept.slice(-MAX_DEAD_LETTERS));
  }
}

/** A dead letter as the object keeps it: no document body, token or SQL parameter. */
export interface StoredDeadLetter extends DeadLetter {
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
}

const MAX_DEAD_LETTERS = 20;
