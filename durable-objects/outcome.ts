// How a part says no, and how an RPC method answers. RPC results carry errors as data:
// a thrown error loses its fields crossing the RPC boundary.
import { DomainError } from "../src/domain/errors";
import type { LinkDoc, Outcome, RpcError, SessionCall } from "./contract";

/** A call refused for a reason the caller should hear; thrown inside a part, answered as data. */
class Refusal extends Error {
  constructor(readonly rpc: RpcError) {
    super(rpc.detail);
  }
}

export const refuse = (code: RpcError["code"], detail: string, extensions?: Record<string, unknown>): never => {
  throw new Refusal({ code, detail, ...(extensions ? { extensions } : {}) });
};

/** `If-Match`: a change applies only to the version the client last saw of `what` (else 412). */
export function requireVersion(call: SessionCall, current: number, what: string): void {
  if (call.ifMatch !== undefined && call.ifMatch !== current) {
    refuse("VERSION_MISMATCH", `${what} is at version ${current}`, { version: current });
  }
}

/** What a method answers when it succeeds: the HTTP status the route should send, and the body. */
export interface Mutation<T> {
  status: number;
  body: T;
}

/**
 * Runs an RPC method's body and turns refusals and domain errors into outcomes. A token
 * object that only links to a customer's session answers LINKED, whatever was asked: the
 * session client follows the link.
 */
export async function answer<T>(link: LinkDoc | undefined, run: () => Promise<Mutation<T>>): Promise<Outcome<T>> {
  if (link) return { ok: false, error: { code: "LINKED", detail: "", extensions: { customerId: link.customerId } } };
  try {
    const { status, body } = await run();
    return { ok: true, status, body };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, error: error.rpc };
    if (error instanceof DomainError) return { ok: false, error: { code: error.code, detail: error.detail } };
    throw error;
  }
}
