// A customer's cross-site tokens, in the customer's own object: digests with issue time, sliding
// expiry and generation (src/domain/cross-site-tokens.ts). Every call that came through a
// token's link object is checked here first; DELETE /api/cross-site-session revokes them all.
// The raw token is minted by the Worker and never reaches this object.
import {
  afterUse,
  type CrossSiteToken,
  type CrossSiteTokenRing,
  checkToken,
  describeTokens,
  revokedAll,
  withIssued,
  withoutToken,
} from "../src/domain/cross-site-tokens";
import { sameDigest } from "./codes";
import type { CrossSiteTokenInfo, NewCrossSiteToken, SessionCall, SessionDoc } from "./contract";
import { refuse } from "./outcome";
import { CROSS_SITE_TOKENS, SESSION, type SessionStorage } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

export class CustomerTokens {
  constructor(
    private readonly store: SessionStorage,
    private readonly work: UnitOfWork,
  ) {}

  private ring(): CrossSiteTokenRing | undefined {
    return this.store.read<CrossSiteTokenRing>(CROSS_SITE_TOKENS);
  }

  /** Whether a token was ever issued for this session (revoked or not): GET's 404 until then. */
  issuedAny(): boolean {
    return this.ring() !== undefined;
  }

  describe(now = Date.now()): CrossSiteTokenInfo[] {
    return describeTokens(this.ring(), now);
  }

  /**
   * A call through a cross-site token is let in only with a live token of the current
   * generation; its expiry slides forward. Expired or revoked: 401 with the reason.
   */
  async admit(call: SessionCall): Promise<void> {
    const digest = call.viaCrossSiteToken;
    if (digest === undefined) return;
    const ring = this.ring();
    const now = Date.now();
    const check = checkToken(ring, digest, now, sameDigest);
    if (check.verdict === "expired") {
      refuse("UNAUTHORIZED", "This cross-site token has expired; get a new one from a site where you are signed in", {
        reason: "token_expired",
      });
    }
    if (check.verdict !== "valid" || !ring) {
      return refuse("UNAUTHORIZED", "This cross-site token has been revoked or is no longer valid", {
        reason: "token_revoked",
      });
    }
    const used = afterUse(ring, check.token, now);
    if (used) await this.work.apply(() => this.store.write(CROSS_SITE_TOKENS, used));
  }

  /**
   * Inside a change: honours a new token (its digest) from now on, without `replacing` (the
   * token an earlier run of the same Idempotency-Key issued, if any). The caller records the
   * digest in the session document (`crossSiteTokenHash`, what its Postgres row carries).
   */
  issue(token: NewCrossSiteToken, replacing: string | undefined, now: number): CrossSiteToken {
    const current = this.ring();
    const { ring, token: issued } = withIssued(
      current && replacing ? withoutToken(current, replacing) : current,
      token.digest,
      token.ttlMs,
      now,
    );
    this.store.write(CROSS_SITE_TOKENS, ring);
    return issued;
  }

  /** Inside a change: every token revoked (the next generation); returns how many were live. */
  revokeAll(): number {
    const { ring, revoked } = revokedAll(this.ring());
    this.store.write(CROSS_SITE_TOKENS, ring);
    return revoked;
  }
}

/**
 * Once per object start: a customer's session stored before tokens were kept as digests held
 * its token raw (and idempotent answers of POST /api/cross-site-session too). It is erased, not
 * converted: it was minted with no expiry, and a harvested one cannot be told from a
 * storefront's. Such a token is then refused (401) and the storefront asks for a new one.
 */
export function eraseRawCrossSiteToken(store: SessionStorage): void {
  const session = store.read<SessionDoc & { crossSiteToken?: string | null }>(SESSION);
  if (!session || session.crossSiteToken === undefined) return;
  const { crossSiteToken: _raw, ...kept } = session;
  store.write(SESSION, { ...kept, crossSiteTokenHash: null });
  store.forgetIdempotentContaining('"sessionToken"');
}
