// One-time secrets a session hands out — transfer codes and live-sync tickets — kept as
// digests with an expiry, and removed when used or expired.
import type { PendingCode } from "./contract";
import type { SessionStorage } from "./storage";

const CODES = "codes";

export function rememberCode(store: SessionStorage, code: PendingCode, now: number): void {
  const live = (store.read<PendingCode[]>(CODES) ?? []).filter((pending) => pending.expiresAt > now);
  store.write(CODES, [...live, code]);
}

/** When the next pending code expires (live or not yet forgotten), if any: the alarm must wake by then. */
export function nextCodeExpiry(store: SessionStorage): number | undefined {
  const all = store.read<PendingCode[]>(CODES);
  return all?.length ? Math.min(...all.map((pending) => pending.expiresAt)) : undefined;
}

/**
 * Forgets expired codes — a transfer code carries the raw session token, which must not
 * outlive it — and returns when the next live one expires (for the alarm), if any.
 */
export function pruneCodes(store: SessionStorage, now: number): number | undefined {
  const all = store.read<PendingCode[]>(CODES);
  if (!all) return undefined;
  const live = all.filter((pending) => pending.expiresAt > now);
  if (live.length !== all.length) {
    if (live.length) store.write(CODES, live);
    else store.remove(CODES);
  }
  return live.length ? Math.min(...live.map((pending) => pending.expiresAt)) : undefined;
}

/** Consumes a code: returns it if it is live and of this purpose, and forgets it either way. */
export function takeCode(
  store: SessionStorage,
  purpose: PendingCode["purpose"],
  codeHash: string,
  now: number,
): PendingCode | undefined {
  const all = store.read<PendingCode[]>(CODES) ?? [];
  const found = all.find((pending) => pending.purpose === purpose && sameDigest(pending.codeHash, codeHash));
  const rest = all.filter((pending) => pending !== found && pending.expiresAt > now);
  if (found || rest.length !== all.length) store.write(CODES, rest);
  return found && found.expiresAt > now ? found : undefined;
}

/** Compares two hex digests in constant time. */
export function sameDigest(stored: string | null, presented: string): boolean {
  if (stored === null || stored.length !== presented.length) return false;
  const encoder = new TextEncoder();
  return crypto.subtle.timingSafeEqual(encoder.encode(stored), encoder.encode(presented));
}
