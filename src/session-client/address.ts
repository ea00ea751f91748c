import type { SessionAddress } from "../../durable-objects/contract";

/**
 * The Durable Object that holds a session: anonymous sessions are found by their token's
 * SHA-256, customers' by their id, so no lookup table sits on the hot path. Never contains a
 * raw token.
 */
export function sessionObjectName(address: SessionAddress): string {
  return address.kind === "anonymous"
    ? `s:${address.companyId}:${address.tokenHash}`
    : `c:${address.companyId}:${address.customerId}`;
}
