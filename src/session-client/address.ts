import type { SessionAddress, SessionJurisdiction } from "../../durable-objects/contract";

/** Where a company's sessions live, from its `dataResidency`: the EU jurisdiction, or anywhere. */
export function jurisdictionFor(dataResidency: string | null | undefined): SessionJurisdiction | undefined {
  return dataResidency === "eu" ? "eu" : undefined;
}

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
