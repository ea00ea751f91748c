// One-time secrets a session hands out — transfer codes and live-sync tickets — kept as
// digests with an expiry, and removed when used or expired.
import type { PendingCode } from "../src/sessions/types";
import type { SessionStorage } from "./storage";

const CODES = "codes";

export function rememberCode(store: SessionStorage, code: PendingCode, now: number): void {
  const live = (store.read<PendingCode[]>(CODES) ?? []).filter((pending) => pending.expiresAt > now);
  store.write(CODES, [...live, code]);
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

/** Compares two hex digests in constant time (DESIGN §2). */
export function sameDigest(stored: string | null, presented: string): boolean {
  if (stored === null || stored.length !== presented.length) return false;
  const encoder = new TextEncoder();
  return crypto.subtle.timingSafeEqual(encoder.encode(stored), encoder.encode(presented));
}
