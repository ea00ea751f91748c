// The one way route code reaches a shopper session: address → stub, outcome → response.
import type { ShopperSession } from "../../durable-objects/shopper-session";
import { ApiError } from "../lib/errors";
import { type SessionAddress, sessionObjectName } from "./address";
import type { Outcome } from "./types";

export function sessionStub(env: Env, address: SessionAddress): DurableObjectStub<ShopperSession> {
  // The generated Env types the namespace without its class; this is the one place that says which.
  const namespace = env.SHOPPER_SESSION as DurableObjectNamespace<ShopperSession>;
  return namespace.getByName(sessionObjectName(address));
}

/** An RPC outcome as a value, or the ApiError it carries. */
export function unwrap<T>(outcome: Outcome<T>): { status: number; body: T } {
  if (outcome.ok) return { status: outcome.status, body: outcome.body };
  throw new ApiError(outcome.error.code, outcome.error.detail, { extensions: outcome.error.extensions ?? {} });
}
