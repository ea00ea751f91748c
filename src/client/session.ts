// client.session: the shopper's session on this site — its token, handing it to another site
// (transfer → claim), and signing in (merge a guest session into the customer's, or not).
import type { ClientContext } from "./context";
import type { ClaimResult, CrossSiteSession, MergeOptions, SessionMergeResult, TransferCode } from "./contract";
import { CrosscartError } from "./errors";
import type { CallOptions } from "./transport";

/**
 * A signed-in customer's cross-site session without minting a token: it is read, and issued
 * (which starts it) only while none was ever issued (404). Every POST mints another token, and
 * a page signed in with the customer's JWT needs none.
 */
async function customerSession(
  read: () => Promise<CrossSiteSession>,
  issue: () => Promise<CrossSiteSession>,
): Promise<CrossSiteSession> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof CrosscartError && error.code === "NOT_FOUND") return issue();
    throw error;
  }
}

export function sessionApi(context: ClientContext) {
  const { identity } = context;

  /** Forgets the anonymous session and the customer, and what was cached about them. */
  const forgetAll = () => {
    identity.customerToken = null;
    identity.sessionToken = null;
  };

  return {
    /** The anonymous session's token, as stored (null before the first call, and for a signed-in customer). */
    get token(): string | null {
      return identity.sessionToken;
    },
    /** The signed-in customer's JWT (null for an anonymous shopper). */
    get customerToken(): string | null {
      return identity.customerToken;
    },
    /** The storage keys of both tokens (to follow another tab's `storage` events). */
    storageKeys: identity.keys,

    /**
     * The session (created when there is none). An anonymous token that is unknown, expired
     * or merged starts a new session here, with a new token, instead of failing.
     */
    async open(): Promise<CrossSiteSession> {
      if (identity.isCustomer)
        return customerSession(
          () => context.asShopper({ method: "GET", path: "/api/cross-site-session" }),
          () => context.asShopper({ method: "POST", path: "/api/cross-site-session" }),
        );
      const session = await context.transport.send<CrossSiteSession>({
        method: "POST",
        path: "/api/public/session",
        headers: identity.shopperHeaders(),
      });
      // A new session (none yet, or the old token's was gone): its token is now this site's.
      if (session.sessionToken) identity.sessionToken = session.sessionToken;
      return session;
    },

    /** The current session as it is; a merged or expired one fails with SESSION_MERGED / SESSION_EXPIRED. */
    get(): Promise<CrossSiteSession> {
      return context.asShopper({ method: "GET", path: identity.prefix("session") });
    },

    /** A one-time code (valid 120 s) and the target site's URL carrying it as `crosscart_transfer`. */
    transfer(targetSiteId: string, options?: CallOptions): Promise<TransferCode> {
      return context.asShopper({
        method: "POST",
        path: `${identity.prefix("session")}/transfer`,
        body: { targetSiteId },
        options,
      });
    },

    /**
     * Redeems a transfer code on this site: the client switches to that session (an anonymous
     * one on this site, even when a customer was signed in here). Not retried on a network
     * failure: a code works once, so a lost answer cannot be asked for again.
     */
    async claim(code: string, options?: CallOptions): Promise<ClaimResult> {
      const result = await context.asStorefront<ClaimResult>({
        method: "POST",
        path: "/api/public/session/claim",
        body: { code },
        options,
        retryable: false,
      });
      identity.customerToken = null;
      identity.sessionToken = result.sessionToken;
      return result;
    },

    /**
     * Merges this anonymous session (cart by `strategy`, wishlist, comparison) into the customer's
     * whose JWT is given. `dryRun: true` only previews; otherwise the client is signed in as
     * that customer afterwards (the guest session is frozen, SESSION_MERGED, from then on).
     */
    async merge(
      customerJwt: string,
      { strategy = "max", dryRun = false }: MergeOptions = {},
      options?: CallOptions,
    ): Promise<SessionMergeResult> {
      const sessionToken = identity.sessionToken;
      if (!sessionToken || identity.isCustomer) {
        throw new CrosscartError({
          status: 0,
          code: "NO_SESSION",
          detail: "There is no anonymous session to merge: use session.signIn()",
        });
      }
      const result = await context.transport.send<SessionMergeResult>({
        method: "POST",
        path: "/api/cross-site-session/merge",
        headers: { authorization: `Bearer ${customerJwt}`, "x-site-id": identity.siteId },
        body: { sessionToken, strategy, dryRun },
        options,
      });
      if (!dryRun) becomeCustomer(customerJwt);
      return result;
    },

    /** Signs in without merging: the customer's session (created on first use) replaces the anonymous one here. */
    async signIn(customerJwt: string): Promise<CrossSiteSession> {
      const headers = { authorization: `Bearer ${customerJwt}`, "x-site-id": identity.siteId };
      const session = await customerSession(
        () => context.transport.send<CrossSiteSession>({ method: "GET", path: "/api/cross-site-session", headers }),
        () => context.transport.send<CrossSiteSession>({ method: "POST", path: "/api/cross-site-session", headers }),
      );
      becomeCustomer(customerJwt);
      return session;
    },

    /** Forgets the customer and the anonymous session: the next call starts a new anonymous session. */
    signOut: forgetAll,
    /** The same, named for a storefront's "start over" after SESSION_MERGED or SESSION_EXPIRED. */
    reset: forgetAll,
  };

  function becomeCustomer(customerJwt: string) {
    identity.sessionToken = null;
    identity.customerToken = customerJwt;
  }
}
