// The one way route code reaches a shopper session: address → stub, outcome → response.

import type { Outcome, SessionAddress, SessionCall, ShopperSessionRpc } from "../../durable-objects/contract";
import { ApiError } from "../lib/errors";
import { IsolateCache } from "../lib/isolate-cache";
import { newSessionToken } from "../lib/tokens";
import { sessionObjectName } from "./address";

export { jurisdictionFor } from "./address";

// The generated Env types the namespace without its class; this is the one place that says which.
const sessions = (env: Env) => env.SHOPPER_SESSION as DurableObjectNamespace<ShopperSessionRpc>;

/**
 * The stub of the session at `address`, in its company's jurisdiction when it has one. No
 * lookup: the caller's address already carries the jurisdiction, taken from the company it
 * resolved (src/catalog/lookup.ts, cached per isolate).
 */
export function sessionStub(env: Env, address: SessionAddress): DurableObjectStub<ShopperSessionRpc> {
  const { jurisdiction } = address;
  const name = sessionObjectName(address);
  if (!jurisdiction) return sessions(env).getByName(name);
  // workerd (wrangler dev, the tests) throws "Jurisdiction restrictions are not implemented in
  // workerd": there an EU session is the object `eu/<name>` of the plain namespace — another
  // object than `<name>`, as in production — so the routing is exercised; the placement is not.
  if (LOCAL_RUNTIMES.has(env.NODE_ENV)) return sessions(env).getByName(`${jurisdiction}/${name}`);
  return sessions(env).jurisdiction(jurisdiction).getByName(name);
}

/** NODE_ENV values of the local runtime, where Durable Object jurisdictions do not exist. */
const LOCAL_RUNTIMES = new Set(["development", "test"]);

/**
 * Share tokens route themselves: the session object's id (64 hex, which reveals nothing
 * about the session) followed by 32 random bytes. No lookup table, and revoking is a
 * change inside the object, effective at once. Only the token's SHA-256 is stored.
 */
export function newShareToken(stub: DurableObjectStub<ShopperSessionRpc>): string {
  return `${stub.id.toString()}${newSessionToken()}`;
}

const SHARE_TOKEN = /^[0-9a-f]{128}$/;

/** The session a share token points to, or undefined for anything malformed or foreign. */
export function sharedSessionStub(env: Env, token: string): DurableObjectStub<ShopperSessionRpc> | undefined {
  return SHARE_TOKEN.test(token) ? sessionStubById(env, token.slice(0, 64)) : undefined;
}

/**
 * The session object with this id (64 hex: what share tokens and replication messages carry),
 * or undefined for an id this namespace never minted. An id keeps its jurisdiction, and the
 * namespace without one accepts ids of every jurisdiction, so EU sessions need nothing here.
 */
export function sessionStubById(env: Env, objectId: string): DurableObjectStub<ShopperSessionRpc> | undefined {
  try {
    return sessions(env).get(sessions(env).idFromString(objectId));
  } catch {
    return undefined;
  }
}

/** An RPC outcome as a value, or the ApiError it carries. */
export function unwrap<T>(outcome: Outcome<T>): { status: number; body: T } {
  if (outcome.ok) return { status: outcome.status, body: outcome.body };
  const { code, detail, extensions } = outcome.error;
  // LINKED never leaves callSession; seeing it here is a bug, not the client's fault.
  if (code === "LINKED") throw new ApiError("INTERNAL", "Unresolved session link");
  throw new ApiError(code, detail, { extensions: extensions ?? {} });
}

// Isolate-lifetime cache: a cross-site token's link to a customer's session never changes
// for the token's life, so each isolate asks the link object once per token. Whether the
// token still counts is the customer's object's to say, on every call (viaCrossSiteToken).
const links = new IsolateCache<SessionAddress>(10 * 60_000, 10_000);

/**
 * Calls a session, following a cross-site token's link: the token's own object answers
 * LINKED with the customer it points to, and the call goes there (docs/design.md: a token issued
 * for a customer's session routes through its own object, which holds only that link).
 */
export async function callSession<T>(
  env: Env,
  call: SessionCall,
  invoke: (stub: DurableObjectStub<ShopperSessionRpc>, call: SessionCall) => Promise<Outcome<T>>,
): Promise<Outcome<T>> {
  const { address } = call;
  const linkKey = address.kind === "anonymous" ? `${address.companyId}:${address.tokenHash}` : undefined;
  const known = linkKey ? links.get(linkKey) : undefined;
  const viaToken = (linked: SessionAddress): SessionCall => ({
    ...call,
    address: linked,
    viaCrossSiteToken: address.kind === "anonymous" ? address.tokenHash : undefined,
  });
  const target = known ? viaToken(known) : call;
  const outcome = await invoke(sessionStub(env, target.address), target);
  if (outcome.ok || outcome.error.code !== "LINKED" || !linkKey) return outcome;
  const customerId = String(outcome.error.extensions?.customerId);
  const linked: SessionAddress = {
    kind: "customer",
    companyId: address.companyId,
    customerId,
    jurisdiction: address.jurisdiction,
  };
  links.set(linkKey, linked);
  return invoke(sessionStub(env, linked), viaToken(linked));
}
