// The outbox's way out: the alarm puts pending changes on the replication queue (the Worker's
// queue consumer writes them to Postgres), with backoff while Queues cannot take them. Nothing
// leaves the outbox until Queues has it.

import { loadConfig } from "../src/lib/config";
import { errorFields } from "../src/lib/error-fields";
import type { Logger } from "../src/lib/logger";
import { type Replica, sendReplicas } from "../src/replication/producer";
import type { CartDoc, ComparisonDoc, SessionDoc, WishlistDoc } from "./contract";
import { cartReplica, comparisonReplica, sessionReplica, wishlistReplica } from "./replica-messages";
import { type AlarmScheduler, FLUSH_DELAY_MS } from "./scheduler";
import type { SessionState } from "./session-state";
import { COMPARISON, cartDocName, REPLICATION, SESSION, type SessionStorage, WISHLIST } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

const MAX_BACKOFF_MS = 5 * 60_000;

/** The replication retry state the object keeps (document REPLICATION). */
export interface ReplicationState {
  failures: number;
  /** when the next attempt is due after a failure; changes made meanwhile wait for it */
  retryAt?: number;
  lastError?: string;
  lastErrorAt?: string;
  /**
   * What Queues has taken, newest last: `<kind>:<id>` → the version and when (ms since epoch),
   * at most MAX_SENT. Tells ops (and the tests) which version of each resource is on its way
   * to Postgres.
   */
  sent?: Record<string, { version: number; at: number }>;
  /** when the last versions sent are sent once more (see confirmAfterMs) */
  confirmAt?: number;
}

const MAX_SENT = 20;
const DOC_OF_KIND: Record<string, (id: string) => string> = {
  session: () => SESSION,
  cart: cartDocName,
  wishlist: () => WISHLIST,
  comparison: () => COMPARISON,
};

/**
 * How long to wait after the n-th failure in a row: doubling from 2 s up to 5 min, with
 * "equal jitter" (half fixed, half random) so sessions that failed together retry apart.
 */
export function backoffMs(failures: number, random = Math.random()): number {
  const ceiling = Math.min(1_000 * 2 ** Math.min(failures, 10), MAX_BACKOFF_MS);
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** The documents that are replicated, by outbox resource name. */
const REPLICATED = (name: string) =>
  name === SESSION || name === WISHLIST || name === COMPARISON || name.startsWith("cart:");

export class Outbox {
  constructor(
    private readonly env: Env,
    private readonly objectId: string,
    private readonly store: SessionStorage,
    private readonly state: SessionState,
    private readonly work: UnitOfWork,
    private readonly alarm: AlarmScheduler,
    private readonly log: Logger,
  ) {}

  isEmpty(): boolean {
    return this.store.outboxSize() === 0;
  }

  /** Sends every pending change to the replication queue; on failure keeps them and retries with backoff. */
  async flush(): Promise<void> {
    const pending = this.store.pending();
    if (!pending) return;
    const session = this.state.read();
    if (!session) {
      await this.work.apply(() => this.store.acknowledge(pending.lastSeq));
      return;
    }
    const cartsSent = pending.resources
      .filter((resource) => resource.startsWith("cart:"))
      .map((resource) => this.store.read<CartDoc>(resource))
      .filter((cart): cart is CartDoc => cart !== undefined);
    const retry = this.store.read<ReplicationState>(REPLICATION) ?? { failures: 0 };
    let replicas: Replica[];
    try {
      replicas = await this.replicasOf(session, pending.resources, cartsSent);
      await sendReplicas(
        this.env,
        { objectId: this.objectId, companyId: session.companyId, sessionId: session.id },
        replicas,
      );
    } catch (error) {
      const failures = retry.failures + 1;
      const delay = backoffMs(failures);
      const retryAt = Date.now() + delay;
      const state: ReplicationState = {
        ...retry,
        failures,
        retryAt,
        lastError: errorFields(error).message,
        lastErrorAt: new Date().toISOString(),
      };
      await this.work.apply(() => this.store.write(REPLICATION, state));
      this.log.warn("replication send failed; will retry", {
        sessionId: session.id,
        failures,
        retryInMs: delay,
        error,
      });
      await this.alarm.runAt(retryAt);
      return;
    }
    let confirmAt: number | undefined;
    await this.work.apply(() => {
      this.store.acknowledge(pending.lastSeq);
      const sent = { ...retry.sent };
      const at = Date.now();
      let advanced = false;
      for (const replica of replicas) {
        const key = `${replica.kind}:${replica.resourceId}`;
        advanced ||= (sent[key]?.version ?? -1) < replica.version;
        delete sent[key]; // re-inserted last: the newest stay when the oldest are dropped
        sent[key] = { version: replica.version, at };
      }
      const kept = Object.fromEntries(Object.entries(sent).slice(-MAX_SENT));
      // A send of versions already sent (a confirmation, a replay) asks for no confirmation.
      const confirmAfter = this.confirmAfterMs();
      confirmAt = advanced && confirmAfter > 0 ? at + confirmAfter : undefined;
      this.store.write(REPLICATION, { failures: 0, sent: kept, confirmAt } satisfies ReplicationState);
      // Converted carts live here until their final state is on its way to Postgres and their
      // order is no longer remembered (a repeated conversion of a remembered order returns its cart).
      const remembered = new Set(Object.values(session.conversions));
      for (const cart of cartsSent) {
        if (cart.id !== session.cartId && !remembered.has(cart.id)) this.store.remove(cartDocName(cart.id));
      }
    });
    // Changes made while this send was in flight are still in the outbox.
    if (!this.isEmpty()) await this.alarm.runAt(Date.now() + FLUSH_DELAY_MS);
    else if (confirmAt !== undefined) await this.alarm.runBy(confirmAt);
  }

  /**
   * How long after a send that moved any resource forward the same versions are sent once
   * more; 0: never. Queues' local emulation (`wrangler dev`, the tests) keeps messages in memory,
   * and a killed runtime loses them: this confirming send is what brings Postgres level after
   * such a restart, and the version guard makes the repeat a no-op write (a busy session
   * confirms once per quiet spell, not once per change). Cloudflare's Queues keep what they
   * took, so deployed environments leave it off (REPLICATION_CONFIRM_AFTER_SECONDS, design 102).
   */
  private confirmAfterMs(): number {
    return loadConfig(this.env as unknown as Record<string, unknown>).REPLICATION_CONFIRM_AFTER_SECONDS * 1_000;
  }

  /** When the confirming send is due, if one is (for the alarm's next wake-up). */
  confirmDue(): number | undefined {
    return this.store.read<ReplicationState>(REPLICATION)?.confirmAt;
  }

  /** The confirming send (confirmAfterMs), once due: the versions last sent, again. */
  async confirmIfDue(now: number): Promise<void> {
    const state = this.store.read<ReplicationState>(REPLICATION);
    if (state?.confirmAt === undefined || state.confirmAt > now || !this.isEmpty()) return;
    const held = Object.keys(state.sent ?? {}).flatMap((key) => {
      const [kind, id] = key.split(":") as [string, string];
      const name = DOC_OF_KIND[kind]?.(id);
      const doc = name ? this.store.read<{ id: string; version: number }>(name) : undefined;
      return name && doc?.id === id ? [{ name, version: doc.version }] : [];
    });
    await this.work.apply(() => {
      for (const { name, version } of held) this.store.enqueue(name, version, now);
      this.store.write(REPLICATION, { ...state, confirmAt: undefined } satisfies ReplicationState);
    });
    await this.flush();
  }

  /**
   * Puts every replicated document the object holds in the outbox again, at its current
   * version (an ops replay of dead letters): Postgres' version guard ignores what it already has.
   */
  async resendAll(): Promise<number> {
    let resources: string[] = [];
    await this.work.apply(() => {
      const now = Date.now();
      // A list at version 0 was only read, never changed: it has no row to write.
      resources = this.store
        .documentNames()
        .filter(REPLICATED)
        .filter((resource) => (this.store.read<{ version: number }>(resource)?.version ?? 0) > 0);
      for (const resource of resources) {
        this.store.enqueue(resource, this.store.read<{ version: number }>(resource)?.version ?? 0, now);
      }
    });
    if (resources.length) await this.alarm.flushSoon();
    return resources.length;
  }

  private async replicasOf(session: SessionDoc, resources: string[], carts: CartDoc[]): Promise<Replica[]> {
    const replicas: Replica[] = [];
    if (resources.includes(SESSION)) {
      // A customer session carries the digest of its cross-site token issued last (null once revoked).
      const tokenHash = session.tokenHash ?? session.crossSiteTokenHash ?? null;
      replicas.push(sessionReplica(session, tokenHash));
    }
    const wishlist = resources.includes(WISHLIST) ? this.store.read<WishlistDoc>(WISHLIST) : undefined;
    if (wishlist) replicas.push(wishlistReplica(session, wishlist));
    const comparison = resources.includes(COMPARISON) ? this.store.read<ComparisonDoc>(COMPARISON) : undefined;
    if (comparison) replicas.push(comparisonReplica(session, comparison));
    for (const cart of carts) replicas.push(cartReplica(session, cart));
    return replicas;
  }
}
