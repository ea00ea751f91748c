// Request → session call. It lives in the HTTP layer, not in the session client, because it
// reads Hono's Context (auth, shopper, headers) and spends the per-session rate limit.
import type { Context } from "hono";
import {
  cartView,
  newCartDoc,
  newSessionDoc,
  type SessionAddress,
  type SessionCall,
} from "../../durable-objects/contract";
import type { MergeStrategy } from "../domain/cart";
import { DAY_MS } from "../domain/lifecycle";
import { ApiError } from "../lib/errors";
import { mintSessionToken, type SessionGenesis, vouchForSessionToken } from "../lib/session-tokens";
import { sha256Hex } from "../lib/tokens";
import { rateLimitSession } from "../middleware/rate-limit";
import { jurisdictionFor } from "../session-client";
import { mergeGuestIntoCustomer } from "../session-client/merge";
import type { AppEnv } from "../types";

/** The session this request acts on: the customer's, or the one the session token names. */
export async function shopperAddress(c: Context<AppEnv>): Promise<SessionAddress> {
  const { auth, shopper } = c.var;
  // The company is already resolved (isolate cache): its residency picks the namespace, no lookup.
  const jurisdiction = jurisdictionFor(shopper.company.dataResidency);
  if (auth?.role === "customer") {
    return { kind: "customer", companyId: auth.companyId, customerId: auth.customerId, jurisdiction };
  }
  if (!shopper.sessionToken) {
    throw new ApiError("VALIDATION_FAILED", "This route needs the shopper's session token", {
      errors: [{ field: "header.x-session-token", message: "x-session-token is required" }],
    });
  }
  return {
    kind: "anonymous",
    companyId: shopper.company.id,
    tokenHash: await sha256Hex(shopper.sessionToken),
    jurisdiction,
  };
}

/**
 * What the first use of an anonymous session token creates, when this API issued it and a
 * session never used would still be alive (the site's cartExpirationDays): the object then
 * starts the session exactly as its creation answered. Otherwise undefined.
 */
export function genesisOf(c: Context<AppEnv>, sessionToken: string): Promise<SessionGenesis | undefined> {
  const { company, site } = c.var.shopper;
  const maxAgeMs = site.cartExpirationDays * DAY_MS;
  return vouchForSessionToken(c.var.config.SESSION_TOKEN_KEY, company.id, sessionToken, maxAgeMs);
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Everything a call to the session carries: address, site, `If-Match` and
 * `Idempotency-Key` (with a digest of the request, so a reused key is caught).
 */
export async function sessionCall(
  c: Context<AppEnv>,
  options: { body?: unknown; cartId?: string } = {},
): Promise<SessionCall> {
  const address = await shopperAddress(c);
  // shopperAddress has checked that an anonymous call carries its token.
  const genesis = address.kind === "anonymous" ? await genesisOf(c, c.var.shopper.sessionToken as string) : undefined;
  const call: SessionCall = { address, site: c.var.shopper.site, cartId: options.cartId, genesis };
  await rateLimitSession(c.env, call.address);
  const ifMatch = c.req.header("if-match");
  if (ifMatch !== undefined) {
    const version = ifMatch.match(/^(?:W\/)?"?(\d{1,15})"?$/)?.[1];
    if (!version) {
      throw new ApiError("VALIDATION_FAILED", "If-Match must carry a version, as sent in ETag", {
        errors: [{ field: "header.if-match", message: 'expected an ETag such as "12"' }],
      });
    }
    call.ifMatch = Number(version);
  }
  const key = c.req.header("idempotency-key");
  if (key !== undefined) {
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new ApiError("VALIDATION_FAILED", "Idempotency-Key must be 1–255 visible ASCII characters", {
        errors: [{ field: "header.idempotency-key", message: "1–255 visible ASCII characters" }],
      });
    }
    const request = `${c.req.method} ${new URL(c.req.url).pathname}\n${JSON.stringify(options.body ?? null)}`;
    call.idempotency = { key, fingerprint: await sha256Hex(request) };
  }
  return call;
}

/**
 * A new anonymous session and its cart, answered without asking its Durable Object: the
 * token carries what the session's first use creates (src/lib/session-tokens.ts), and the
 * object stores exactly the documents built here then. Session tokens are minted only here,
 * never taken from a client (a token the server never issued must not become a session:
 * fixation).
 */
export async function openAnonymousSession(c: Context<AppEnv>, currency: string | undefined) {
  const { company, site } = c.var.shopper;
  const { token: sessionToken, genesis } = await mintSessionToken(c.var.config.SESSION_TOKEN_KEY, company.id);
  const address = {
    kind: "anonymous",
    companyId: company.id,
    tokenHash: await sha256Hex(sessionToken),
    jurisdiction: jurisdictionFor(company.dataResidency),
  } as const;
  const call: SessionCall = { address, site, genesis };
  const session = newSessionDoc(call);
  const cart = cartView(session, newCartDoc(session, site, currency, new Date(session.createdAt)));
  return { sessionToken, call, cart };
}

/**
 * The signed-in customer's merge of a guest session (src/session-client/merge.ts). The guest's
 * confirmation runs after the answer; one that fails is made again by the next merge.
 */
export async function mergeGuest(
  c: Context<AppEnv>,
  body: { sessionToken: string; strategy: MergeStrategy; dryRun: boolean },
) {
  const call = await sessionCall(c, { body });
  const guestGenesis = await genesisOf(c, body.sessionToken);
  return mergeGuestIntoCustomer(c.env, call, body, guestGenesis, (confirmation) =>
    c.executionCtx.waitUntil(
      confirmation.catch((error) =>
        c.var.logger.warn("merge confirmation failed; the next merge of this guest makes it", { error }),
      ),
    ),
  );
}
