// A shopper session's life after its last activity, as plain rules over plain data: when its
// cart is abandoned, when it expires, when it is forgotten. Each session object applies them on
// its own alarm (durable-objects/housekeeping.ts); nothing here reads a clock or storage.

export const DAY_MS = 86_400_000;

/** Runbook §6.1: a cart with items is abandoned after this long without activity. */
export const ABANDONMENT_THRESHOLD_DAYS = 30;
/** The sites table's default `cartExpirationDays`, for a session that recorded none. */
export const DEFAULT_CART_EXPIRATION_DAYS = 30;
/** Runbook §6.2: an EXPIRED or MERGED session is kept this long after it ended, then forgotten. */
export const ENDED_SESSION_RETENTION_DAYS = 30;

export type LifecycleDuty = "abandon" | "expire" | "forget";

/** What the rules need to know about a session (its document and its current cart). */
export interface LifecycleFacts {
  status: "ACTIVE" | "MERGED" | "EXPIRED";
  /** never changed since it was created: nothing of it is in Postgres */
  pristine: boolean;
  lastActivityAt: string;
  /** when the session last changed (for an EXPIRED session: when it expired) */
  updatedAt: string;
  mergedAt: string | null;
  /** the site's setting recorded at the last activity; undefined: the default */
  cartExpirationDays: number | undefined;
  /** the current cart, if the session still holds it */
  cart: { status: string; lineCount: number } | undefined;
  /** an EXPIRED session that still holds live state or unsent changes (its expiry is not finished) */
  expiryUnfinished: boolean;
}

/** When each lifecycle duty falls due; a duty that does not apply is absent. */
export type LifecycleDueTimes = Partial<Record<LifecycleDuty, number>>;

const at = (iso: string, days: number) => Date.parse(iso) + days * DAY_MS;

/**
 * When an ACTIVE session expires (ms): `cartExpirationDays` of the site of its last activity
 * after that activity. The session document's `expiresAt`, and so its replicated row, says the
 * same as the object's own alarm.
 */
export function sessionExpiry(lastActivityAt: string, cartExpirationDays: number | undefined): number {
  return at(lastActivityAt, cartExpirationDays ?? DEFAULT_CART_EXPIRATION_DAYS);
}

/**
 * The lifecycle due times of a session:
 * - a session never changed is forgotten when it would have expired (it has no rows to end);
 * - an ACTIVE cart with items is abandoned after the abandonment threshold, and no later than
 *   the session's expiry (so an expired cart always says when it was abandoned);
 * - an ACTIVE session expires `cartExpirationDays` after its last activity;
 * - an EXPIRED session whose expiry did not finish (replication pending) finishes it at once;
 * - an ended session (EXPIRED, MERGED) is forgotten after the retention period.
 */
export function lifecycleDueTimes(facts: LifecycleFacts): LifecycleDueTimes {
  const expiryDays = facts.cartExpirationDays ?? DEFAULT_CART_EXPIRATION_DAYS;
  if (facts.status === "ACTIVE") {
    const expireAt = sessionExpiry(facts.lastActivityAt, facts.cartExpirationDays);
    if (facts.pristine) return { forget: expireAt };
    const holdsItems = facts.cart?.status === "ACTIVE" && facts.cart.lineCount > 0;
    const abandon = holdsItems ? at(facts.lastActivityAt, Math.min(ABANDONMENT_THRESHOLD_DAYS, expiryDays)) : undefined;
    return abandon === undefined ? { expire: expireAt } : { abandon, expire: expireAt };
  }
  const endedAt = facts.status === "MERGED" ? (facts.mergedAt ?? facts.updatedAt) : facts.updatedAt;
  const forget = at(endedAt, ENDED_SESSION_RETENTION_DAYS);
  if (facts.status === "EXPIRED" && facts.expiryUnfinished) return { expire: Date.parse(facts.updatedAt), forget };
  return { forget };
}

/** The times the alarm also wakes for, besides the lifecycle (undefined: nothing pending). */
export interface HousekeepingDueTimes {
  /** unsent changes: when they may be sent */
  flush?: number;
  /** the confirming send of the versions sent last */
  confirm?: number;
  /** the oldest idempotency record's end */
  idempotency?: number;
  /** the next one-time code's expiry */
  codes?: number;
}

export interface AlarmPlan {
  /** when the alarm must wake next; undefined: never (nothing pending, nothing to come) */
  next: number | undefined;
  /** the lifecycle duties due at `now`, in the order they must run */
  due: LifecycleDuty[];
}

const ORDER: LifecycleDuty[] = ["abandon", "expire", "forget"];

/**
 * A duty found due again after the wake-up that ran it did not finish (a send still pending,
 * a change made meanwhile): it is tried again this much later rather than at once, so a duty
 * that keeps failing never spins the alarm.
 */
export const LIFECYCLE_RETRY_MS = 60_000;

/**
 * The one "next due" computation of a session's alarm: which lifecycle duties are due at
 * `now`, and when to wake next. Lifecycle duties wait for a replication backoff to end
 * (`retryNotBefore`): they need a send, and an outage must not make every idle session spin.
 * A duty already due is due again only LIFECYCLE_RETRY_MS later (the caller plans before
 * running the duties for `due`, and after, for `next`).
 */
export function planAlarm(
  now: number,
  lifecycle: LifecycleDueTimes,
  housekeeping: HousekeepingDueTimes,
  retryNotBefore = 0,
): AlarmPlan {
  const backingOff = retryNotBefore > now;
  const due = backingOff ? [] : ORDER.filter((duty) => (lifecycle[duty] ?? Number.POSITIVE_INFINITY) <= now);
  const lifecycleTimes = ORDER.map((duty) => lifecycle[duty])
    .filter((time): time is number => time !== undefined)
    .map((time) => Math.max(time, retryNotBefore, time <= now ? now + LIFECYCLE_RETRY_MS : time));
  const times = [...lifecycleTimes, ...Object.values(housekeeping)].filter(
    (time): time is number => time !== undefined && Number.isFinite(time),
  );
  return { next: times.length ? Math.min(...times) : undefined, due };
}
