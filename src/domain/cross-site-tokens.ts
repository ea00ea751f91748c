// A customer's cross-site tokens as their session keeps them: digests only, each with when it
// was issued, when it expires (sliding: each use moves the expiry forward), and the generation
// it belongs to. Revoking bumps the generation and drops every token. Plain data and plain
// functions; the digest comparison is passed in (the runtime's constant-time compare).

export interface CrossSiteToken {
  /** SHA-256 of the token (hex); the raw token is shown once, when issued, and kept nowhere */
  digest: string;
  issuedAt: string;
  lastUsedAt: string;
  /** ms since epoch; each use moves it to `use + ttlMs` */
  expiresAt: number;
  /** the lifetime it was issued with (configuration may change later; a token keeps its own) */
  ttlMs: number;
  generation: number;
}

export interface CrossSiteTokenRing {
  /** Bumped by each revocation; only tokens of the current generation are honoured. */
  generation: number;
  tokens: CrossSiteToken[];
}

/** At most this many live tokens per customer session; issuing one more drops the oldest. */
export const MAX_CROSS_SITE_TOKENS = 50;
/**
 * A use moves the expiry forward only when it would gain more than this: a token used many
 * times an hour costs one write an hour, not one per request.
 */
export const SLIDE_STEP_MS = 60 * 60_000;

export type TokenCheck = { verdict: "valid"; token: CrossSiteToken } | { verdict: "expired" } | { verdict: "revoked" };

export const emptyRing = (): CrossSiteTokenRing => ({ generation: 1, tokens: [] });

/**
 * What a presented token's digest is worth. Every stored digest is compared (with `same`, a
 * constant-time compare). Unknown, or of an older generation: revoked (the session forgot it).
 */
export function checkToken(
  ring: CrossSiteTokenRing | undefined,
  digest: string,
  now: number,
  same: (stored: string, presented: string) => boolean,
): TokenCheck {
  let found: CrossSiteToken | undefined;
  for (const token of ring?.tokens ?? []) if (same(token.digest, digest)) found = token;
  if (!ring || !found || found.generation !== ring.generation) return { verdict: "revoked" };
  if (found.expiresAt <= now) return { verdict: "expired" };
  return { verdict: "valid", token: found };
}

/** The ring after a use of `token` at `now`, or undefined when the expiry need not move yet. */
export function afterUse(ring: CrossSiteTokenRing, token: CrossSiteToken, now: number): CrossSiteTokenRing | undefined {
  if (now + token.ttlMs - token.expiresAt <= SLIDE_STEP_MS) return undefined;
  const used = { ...token, expiresAt: now + token.ttlMs, lastUsedAt: new Date(now).toISOString() };
  return { ...ring, tokens: ring.tokens.map((each) => (each === token ? used : each)) };
}

/** The ring with a new token: expired ones dropped, then the oldest past the cap. */
export function withIssued(
  ring: CrossSiteTokenRing | undefined,
  digest: string,
  ttlMs: number,
  now: number,
): { ring: CrossSiteTokenRing; token: CrossSiteToken } {
  const current = ring ?? emptyRing();
  const iso = new Date(now).toISOString();
  const token: CrossSiteToken = {
    digest,
    issuedAt: iso,
    lastUsedAt: iso,
    expiresAt: now + ttlMs,
    ttlMs,
    generation: current.generation,
  };
  const live = current.tokens.filter((each) => each.expiresAt > now && each.generation === current.generation);
  return { ring: { ...current, tokens: [...live, token].slice(-MAX_CROSS_SITE_TOKENS) }, token };
}

/** The ring without one token (an idempotent re-issue replaces what the first call issued). */
export function withoutToken(ring: CrossSiteTokenRing, digest: string): CrossSiteTokenRing {
  return { ...ring, tokens: ring.tokens.filter((token) => token.digest !== digest) };
}

/** Every token revoked: the next generation, none live. */
export function revokedAll(ring: CrossSiteTokenRing | undefined): { ring: CrossSiteTokenRing; revoked: number } {
  const current = ring ?? emptyRing();
  return { ring: { generation: current.generation + 1, tokens: [] }, revoked: current.tokens.length };
}

/** What the API shows of the live tokens: never a digest. */
export function describeTokens(ring: CrossSiteTokenRing | undefined, now: number) {
  return (ring?.tokens ?? [])
    .filter((token) => token.expiresAt > now && token.generation === ring?.generation)
    .map(({ issuedAt, lastUsedAt, expiresAt, generation }) => ({
      issuedAt,
      lastUsedAt,
      expiresAt: new Date(expiresAt).toISOString(),
      generation,
    }));
}
