// The one way route code reaches a shopper session: address → stub, outcome → response.
import type { ShopperSession } from "../../durable-objects/shopper-session";
import { ApiError } from "../lib/errors";
import { newSessionToken, type SessionAddress, sessionObjectName } from "./address";
import type { Outcome } from "./types";

// The generated Env types the namespace without its class; this is the one place that says which.
const sessions = (env: Env) => env.SHOPPER_SESSION as DurableObjectNamespace<ShopperSession>;

export function sessionStub(env: Env, address: SessionAddress): DurableObjectStub<ShopperSession> {
  return sessions(env).getByName(sessionObjectName(address));
}

/**
 * Share tokens route themselves: the session object's id (64 hex, which reveals nothing
 * about the session) followed by 32 random bytes. No lookup table, and revoking is a
 * change inside the object, effective at once. Only the token's SHA-256 is stored.
 */
export function newShareToken(stub: DurableObjectStub<ShopperSession>): string {
  return `${stub.id.toString()}${newSessionToken()}`;
}

const SHARE_TOKEN = /^[0-9a-f]{128}$/;

/** The session a share token points to, or undefined for anything malformed or foreign. */
export function sharedSessionStub(env: Env, token: string): DurableObjectStub<ShopperSession> | undefined {
  if (!SHARE_TOKEN.test(token)) return undefined;
  try {
    return sessions(env).get(sessions(env).idFromString(token.slice(0, 64)));
  } catch {
    // idFromString rejects ids not minted by this namespace: the token is simply unknown.
    return undefined;
  }
}

/** An RPC outcome as a value, or the ApiError it carries. */
export function unwrap<T>(outcome: Outcome<T>): { status: number; body: T } {
  if (outcome.ok) return { status: outcome.status, body: outcome.body };
  throw new ApiError(outcome.error.code, outcome.error.detail, { extensions: outcome.error.extensions ?? {} });
}
