// Random tokens and their digests. Raw tokens are shown once and never stored: what is kept
// (Durable Object names, Postgres columns, share links) is always the SHA-256.

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

const hmacKeys = new Map<string, Promise<CryptoKey>>();

/**
 * An HMAC key from a secret, imported once per isolate: importKey is not free, and the JWT
 * check and the session tokens would otherwise pay it on every request.
 */
export function hmacKey(secret: string, hash: "SHA-256" | "SHA-512", usage: "sign" | "verify"): Promise<CryptoKey> {
  const name = `${hash}:${usage}:${secret}`;
  let key = hmacKeys.get(name);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash }, false, [usage]);
    hmacKeys.set(name, key);
  }
  return key;
}
