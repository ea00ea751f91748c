// The session lifecycle's due times and the alarm's plan (src/domain/lifecycle.ts): plain data.
import { describe, expect, it } from "vitest";
import {
  ABANDONMENT_THRESHOLD_DAYS,
  DAY_MS,
  ENDED_SESSION_RETENTION_DAYS,
  LIFECYCLE_RETRY_MS,
  type LifecycleFacts,
  lifecycleDueTimes,
  planAlarm,
} from "../../src/domain/lifecycle";
import { NOW } from "../support/domain";

const T = NOW.getTime();
const iso = (ms: number) => new Date(ms).toISOString();
const days = (n: number) => n * DAY_MS;

const active = (overrides: Partial<LifecycleFacts> = {}): LifecycleFacts => ({
  status: "ACTIVE",
  pristine: false,
  lastActivityAt: iso(T),
  updatedAt: iso(T),
  mergedAt: null,
  cartExpirationDays: 45,
  cart: { status: "ACTIVE", lineCount: 2 },
  expiryUnfinished: false,
  ...overrides,
});

describe("lifecycleDueTimes", () => {
  it("abandons a cart with items after the runbook's threshold, expires after the site's cartExpirationDays", () => {
    expect(lifecycleDueTimes(active())).toEqual({
      abandon: T + days(ABANDONMENT_THRESHOLD_DAYS),
      expire: T + days(45),
    });
  });

  it("abandons no later than the expiry, so an expired cart always says when it was abandoned", () => {
    expect(lifecycleDueTimes(active({ cartExpirationDays: 5 }))).toEqual({ abandon: T + days(5), expire: T + days(5) });
  });

  it("uses 30 days when the session recorded no site setting", () => {
    expect(lifecycleDueTimes(active({ cartExpirationDays: undefined })).expire).toBe(T + days(30));
  });

  it("has nothing to abandon in an empty, abandoned or converted cart", () => {
    for (const cart of [
      { status: "ACTIVE", lineCount: 0 },
      { status: "ABANDONED", lineCount: 1 },
      { status: "CONVERTED", lineCount: 1 },
      undefined,
    ]) {
      expect(lifecycleDueTimes(active({ cart }))).toEqual({ expire: T + days(45) });
    }
  });

  it("moves with activity", () => {
    const later = lifecycleDueTimes(active({ lastActivityAt: iso(T + days(10)) }));
    expect(later).toEqual({ abandon: T + days(40), expire: T + days(55) });
  });

  it("forgets a session never changed when it would have expired, and nothing else", () => {
    expect(lifecycleDueTimes(active({ pristine: true }))).toEqual({ forget: T + days(45) });
  });

  it("forgets an ended session after the retention period, from when it ended", () => {
    const expiredAt = T + days(45);
    expect(lifecycleDueTimes(active({ status: "EXPIRED", updatedAt: iso(expiredAt), cart: undefined }))).toEqual({
      forget: expiredAt + days(ENDED_SESSION_RETENTION_DAYS),
    });
    const mergedAt = T + days(3);
    expect(lifecycleDueTimes(active({ status: "MERGED", mergedAt: iso(mergedAt), updatedAt: iso(T) }))).toEqual({
      forget: mergedAt + days(ENDED_SESSION_RETENTION_DAYS),
    });
  });

  it("finishes an expiry that could not replicate at once", () => {
    const expiredAt = T + days(45);
    const facts = active({ status: "EXPIRED", updatedAt: iso(expiredAt), expiryUnfinished: true });
    expect(lifecycleDueTimes(facts)).toEqual({ expire: expiredAt, forget: expiredAt + days(30) });
  });
});

describe("planAlarm", () => {
  const lifecycle = { abandon: T + days(30), expire: T + days(45) };

  it("wakes for the earliest of every purpose", () => {
    expect(planAlarm(T, lifecycle, {})).toEqual({ next: T + days(30), due: [] });
    expect(planAlarm(T, lifecycle, { flush: T + 2_000, codes: T + 120_000 })).toEqual({ next: T + 2_000, due: [] });
    expect(planAlarm(T, lifecycle, { idempotency: T + days(1), confirm: T + 30_000 }).next).toBe(T + 30_000);
  });

  it("sleeps for good when nothing is pending and nothing is to come", () => {
    expect(planAlarm(T, {}, {})).toEqual({ next: undefined, due: [] });
    expect(planAlarm(T, {}, { flush: undefined })).toEqual({ next: undefined, due: [] });
  });

  it("says which duties are due, in order, exactly on time and after", () => {
    expect(planAlarm(T + days(30) - 1, lifecycle, {}).due).toEqual([]);
    expect(planAlarm(T + days(30), lifecycle, {}).due).toEqual(["abandon"]);
    expect(planAlarm(T + days(50), { forget: T, expire: T, abandon: T }, {}).due).toEqual([
      "abandon",
      "expire",
      "forget",
    ]);
  });

  it("after a wake-up, a duty still due is tried again a little later, never at once", () => {
    const now = T + days(46);
    expect(planAlarm(now, lifecycle, {}).next).toBe(now + LIFECYCLE_RETRY_MS);
    expect(planAlarm(now, lifecycle, { flush: now + 2_000 }).next).toBe(now + 2_000);
  });

  it("holds lifecycle duties while replication backs off, and wakes when the backoff ends", () => {
    const now = T + days(45);
    const retryAt = now + 60_000 * 3;
    expect(planAlarm(now, lifecycle, {}, retryAt)).toEqual({ next: retryAt, due: [] });
    expect(planAlarm(retryAt, lifecycle, {}, retryAt).due).toEqual(["abandon", "expire"]);
  });
});
