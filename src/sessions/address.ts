/**
 * Where a shopper session lives. Anonymous sessions are found by their token's SHA-256,
 * customers' by their id, so no lookup table sits on the hot path (DESIGN §2).
 */
export type SessionAddress =
  | { kind: "anonymous"; companyId: string; tokenHash: string }
  | { kind: "customer"; companyId: string; customerId: string };

/** The Durable Object name; never contains a raw token. */
export function sessionObjectName(address: SessionAddress): string {
  return address.kind === "anonymous"
    ? `s:${address.companyId}:${address.tokenHash}`
    : `c:${address.companyId}:${address.customerId}`;
}

/** 32 random bytes as 64 lowercase hex characters. */
export function newSessionToken(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

export async function sha256Hex(value: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value))));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
