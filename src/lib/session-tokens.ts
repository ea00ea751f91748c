// Anonymous session tokens the Worker can vouch for on its own. Creating a cart must not wait
// on a Durable Object (a new object is a new SQLite database), so the Worker mints the token
// and answers at once; the session's object comes into being on the token's first use. What
// that first use needs — proof that this API issued the token (no session fixation), the ids
// already shown to the shopper and the creation time — is in the token itself:
//
//   bytes  0–5   creation time, ms since the epoch (big-endian)
//   bytes  6–19  random (112 bits)
//   bytes 20–31  tag: the first 12 bytes of HMAC-SHA-512(key, label ‖ company ‖ bytes 0–19)
//
// 64 lowercase hex characters, as every session token has always been. The ids come from the
// rest of the same HMAC, so they are fixed by the token but cannot be computed without the key.
// Tokens issued before (32 random bytes) carry no valid tag: their sessions already exist.
import { hmacKey, toHex } from "./tokens";

/** What the Worker vouches for when a session's object is asked for the first time. */
export interface SessionGenesis {
  sessionId: string;
  cartId: string;
  /** ISO 8601: when the token was issued, the session's creation time. */
  createdAt: string;
}

const LABEL = "crosscart session token v1";
const TAG_BYTES = 12;
const PREFIX_BYTES = 20;
/** Edges' clocks may disagree a little; a token "from the future" beyond this is not ours. */
const CLOCK_SKEW_MS = 5 * 60_000;

async function mac(secret: string, companyId: string, prefix: Uint8Array): Promise<Uint8Array> {
  const head = new TextEncoder().encode(`${LABEL}\0${companyId}\0`);
  const message = new Uint8Array(head.length + prefix.length);
  message.set(head);
  message.set(prefix, head.length);
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret, "SHA-512", "sign"), message));
}

/** 16 bytes as an RFC 9562 version 4 UUID (the version and variant bits set, as ids are validated). */
function uuidOf(bytes: Uint8Array): string {
  const b = Uint8Array.from(bytes);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const hex = toHex(b);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function genesisOf(digest: Uint8Array, createdAtMs: number): SessionGenesis {
  return {
    sessionId: uuidOf(digest.subarray(TAG_BYTES, TAG_BYTES + 16)),
    cartId: uuidOf(digest.subarray(TAG_BYTES + 16, TAG_BYTES + 32)),
    createdAt: new Date(createdAtMs).toISOString(),
  };
}

/** A new session token for `companyId`, and what its first use will create. */
export async function mintSessionToken(
  secret: string,
  companyId: string,
  now = Date.now(),
): Promise<{ token: string; genesis: SessionGenesis }> {
  const token = new Uint8Array(32);
  const view = new DataView(token.buffer);
  view.setUint16(0, Math.floor(now / 2 ** 32));
  view.setUint32(2, now % 2 ** 32);
  crypto.getRandomValues(token.subarray(6, PREFIX_BYTES));
  const digest = await mac(secret, companyId, token.subarray(0, PREFIX_BYTES));
  token.set(digest.subarray(0, TAG_BYTES), PREFIX_BYTES);
  return { token: toHex(token), genesis: genesisOf(digest, now) };
}

/**
 * What a token's first use may create, when this API issued it for `companyId` less than
 * `maxAgeMs` ago (a session never used lives that long); otherwise undefined: a forged or
 * foreign token, one from before verifiable tokens, or one too old to start a session.
 * `token` must already be 64 lowercase hex characters.
 */
export async function vouchForSessionToken(
  secret: string,
  companyId: string,
  token: string,
  maxAgeMs: number,
  now = Date.now(),
): Promise<SessionGenesis | undefined> {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i += 1) bytes[i] = Number.parseInt(token.slice(i * 2, i * 2 + 2), 16);
  const view = new DataView(bytes.buffer);
  const createdAtMs = view.getUint16(0) * 2 ** 32 + view.getUint32(2);
  if (createdAtMs > now + CLOCK_SKEW_MS || now - createdAtMs >= maxAgeMs) return undefined;
  const digest = await mac(secret, companyId, bytes.subarray(0, PREFIX_BYTES));
  const tag = bytes.subarray(PREFIX_BYTES);
  // Constant time, as every secret comparison here (timingSafeEqual is a Workers extension).
  const expected = digest.subarray(0, TAG_BYTES);
  if (!crypto.subtle.timingSafeEqual(tag, expected)) return undefined;
  return genesisOf(digest, createdAtMs);
}
