// Request → session call. It lives in the HTTP layer, not in the session client, because it
// reads Hono's Context (auth, shopper, headers) and spends the per-session rate limit.
import type { Context } from "hono";
import type { SessionAddress, SessionCall } from "../../durable-objects/contract";
import { ApiError } from "../lib/errors";
import { newSessionToken, sha256Hex } from "../lib/tokens";
import { rateLimitSession } from "../middleware/rate-limit";
import { jurisdictionFor, sessionStub, unwrap } from "../session-client";
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

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Everything a call to the session carries: address, site, `If-Match` and
 * `Idempotency-Key` (with a digest of the request, so a reused key is caught).
 */
export async function sessionCall(
  c: Context<AppEnv>,
  options: { body?: unknown; cartId?: string } = {},
): Promise<SessionCall> {
  const call: SessionCall = { address: await shopperAddress(c), site: c.var.shopper.site, cartId: options.cartId };
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
 * A new anonymous session and its cart. Session tokens are minted only here, never taken
 * from a client (a token the server never issued must not become a session: fixation).
 */
export async function openAnonymousSession(c: Context<AppEnv>, currency: string | undefined) {
  const { company, site } = c.var.shopper;
  const sessionToken = newSessionToken();
  const address = {
    kind: "anonymous",
    companyId: company.id,
    tokenHash: await sha256Hex(sessionToken),
    jurisdiction: jurisdictionFor(company.dataResidency),
  } as const;
  const call: SessionCall = { address, site };
  const stub = sessionStub(c.env, address);
  const { body: cart } = unwrap(await stub.openCart(call, currency));
  return { sessionToken, call, stub, cart };
}
