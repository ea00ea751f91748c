// The rules of a customer's cross-site tokens, as plain data: check, slide, issue, revoke.
import { describe, expect, it } from "vitest";
import {
  afterUse,
  checkToken,
  describeTokens,
  MAX_CROSS_SITE_TOKENS,
  revokedAll,
  SLIDE_STEP_MS,
  withIssued,
  withoutToken,
} from "../../src/domain/cross-site-tokens";

const DAY = 86_400_000;
const TTL = 30 * DAY;
const same = (stored: string, presented: string) => stored === presented;
const t0 = Date.parse("2026-01-01T00:00:00Z");

describe("cross-site tokens", () => {
  it("a token issued is valid until its expiry, then expired; an unknown digest is revoked", () => {
    const { ring } = withIssued(undefined, "a", TTL, t0);
    expect(checkToken(ring, "a", t0 + TTL - 1, same).verdict).toBe("valid");
    expect(checkToken(ring, "a", t0 + TTL, same).verdict).toBe("expired");
    expect(checkToken(ring, "b", t0, same).verdict).toBe("revoked");
    expect(checkToken(undefined, "a", t0, same).verdict).toBe("revoked");
  });

  it("a use slides the expiry to use + ttl, at most once per SLIDE_STEP_MS", () => {
    const { ring, token } = withIssued(undefined, "a", TTL, t0);
    expect(afterUse(ring, token, t0 + SLIDE_STEP_MS)).toBeUndefined();
    const later = t0 + 10 * DAY;
    const slid = afterUse(ring, token, later);
    expect(slid?.tokens[0]).toMatchObject({ expiresAt: later + TTL, lastUsedAt: new Date(later).toISOString() });
  });

  it("revoking all bumps the generation and drops every token; a token of an older generation is revoked", () => {
    const { ring } = withIssued(withIssued(undefined, "a", TTL, t0).ring, "b", TTL, t0);
    const { ring: revoked, revoked: count } = revokedAll(ring);
    expect(count).toBe(2);
    expect(revoked).toEqual({ generation: ring.generation + 1, tokens: [] });
    const stale = { ...revoked, tokens: ring.tokens };
    expect(checkToken(stale, "a", t0, same).verdict).toBe("revoked");
    expect(withIssued(revoked, "c", TTL, t0).token.generation).toBe(ring.generation + 1);
  });

  it("issuing drops expired tokens and keeps at most MAX_CROSS_SITE_TOKENS, newest last", () => {
    let ring = withIssued(undefined, "old", DAY, t0).ring;
    for (let n = 0; n < MAX_CROSS_SITE_TOKENS + 5; n += 1) ring = withIssued(ring, `t${n}`, TTL, t0 + 2 * DAY).ring;
    expect(ring.tokens).toHaveLength(MAX_CROSS_SITE_TOKENS);
    expect(ring.tokens.map((token) => token.digest)).not.toContain("old");
    expect(ring.tokens.at(-1)?.digest).toBe(`t${MAX_CROSS_SITE_TOKENS + 4}`);
    expect(withoutToken(ring, "t10").tokens.map((token) => token.digest)).not.toContain("t10");
  });

  it("describes live tokens without their digests", () => {
    const { ring } = withIssued(withIssued(undefined, "a", DAY, t0).ring, "b", TTL, t0);
    const shown = describeTokens(ring, t0 + 2 * DAY);
    expect(shown).toEqual([
      {
        issuedAt: new Date(t0).toISOString(),
        lastUsedAt: new Date(t0).toISOString(),
        expiresAt: new Date(t0 + TTL).toISOString(),
        generation: 1,
      },
    ]);
    expect(JSON.stringify(shown)).not.toContain('"b"');
  });
});
