// The checks of `npm run test:resilience`: a session's lines (GET through the API) against the
// ledger of acknowledged adds, and Postgres's cart_items against the sessions, line by line.
import type pg from "pg";
import { type AddLedger, type GuestSession, type Line, lineKey, sessionLines } from "./resilience-load.ts";

/** what went wrong, in quantities: missing (lost) and surplus (doubled) items, and a few examples */
export interface Differences {
  lost: number;
  doubled: number;
  examples: string[];
}

const none = (): Differences => ({ lost: 0, doubled: 0, examples: [] });

function note(diff: Differences, example: string): void {
  if (diff.examples.length < 5) diff.examples.push(example);
}

/** the sessions' lines as the API shows them, by cart id */
export async function readSessions(baseUrl: string, sessions: GuestSession[]): Promise<Map<string, Line[]>> {
  const lines = new Map<string, Line[]>();
  await Promise.all(sessions.map(async (session) => lines.set(session.id, await sessionLines(baseUrl, session))));
  return lines;
}

/**
 * Every session's lines against the ledger: each line holds at least its acknowledged adds
 * (else some were lost) and at most those plus the adds whose answer never came (else some
 * were doubled); no line the load never added.
 */
export function compareWithLedger(ledger: AddLedger, lines: Map<string, Line[]>): Differences {
  const diff = none();
  ledger.sessions.forEach((session, i) => {
    const acked = ledger.acked[i] as Map<string, number>;
    const unknown = ledger.unknown[i] as Map<string, number>;
    const quantities = new Map((lines.get(session.id) ?? []).map((line) => [lineKey(line), line.quantity]));
    for (const key of new Set([...acked.keys(), ...unknown.keys(), ...quantities.keys()])) {
      const quantity = quantities.get(key) ?? 0;
      const least = acked.get(key) ?? 0;
      const most = least + (unknown.get(key) ?? 0);
      if (quantity < least) {
        diff.lost += least - quantity;
        note(diff, `cart ${session.id} line ${key}: ${quantity} in the session, ${least} adds acknowledged`);
      } else if (quantity > most) {
        diff.doubled += quantity - most;
        note(diff, `cart ${session.id} line ${key}: ${quantity} in the session, at most ${most} adds sent`);
      }
    }
  });
  return diff;
}

/** Postgres's cart_items of these carts, by cart id */
async function postgresLines(client: pg.Client, cartIds: string[]): Promise<Map<string, Line[]>> {
  const { rows } = await client.query<{
    cart_id: string;
    product_id: string;
    variant_id: string | null;
    quantity: number;
  }>(
    "select cart_id::text, product_id::text, variant_id::text, quantity from cart_items where cart_id = any($1::uuid[])",
    [cartIds],
  );
  const byCart = new Map<string, Line[]>(cartIds.map((id) => [id, []]));
  for (const row of rows) {
    byCart.get(row.cart_id)?.push({ productId: row.product_id, variantId: row.variant_id, quantity: row.quantity });
  }
  return byCart;
}

/** Postgres's lines of each cart against the session's: missing or short lines are lost, extra rows or quantity doubled */
function comparePostgres(sessions: Map<string, Line[]>, stored: Map<string, Line[]>) {
  const diff = none();
  const differing = new Set<string>();
  for (const [cartId, lines] of sessions) {
    const want = new Map(lines.map((line) => [lineKey(line), line.quantity]));
    const have = new Map<string, number>();
    for (const line of stored.get(cartId) ?? []) {
      const key = lineKey(line);
      // the same line twice in Postgres is a doubled line, whatever its quantity
      if (have.has(key)) {
        diff.doubled += line.quantity;
        differing.add(cartId);
        note(diff, `cart ${cartId} line ${key}: more than one row in cart_items`);
      } else have.set(key, line.quantity);
    }
    for (const key of new Set([...want.keys(), ...have.keys()])) {
      const expected = want.get(key) ?? 0;
      const actual = have.get(key) ?? 0;
      if (actual === expected) continue;
      if (actual < expected) diff.lost += expected - actual;
      else diff.doubled += actual - expected;
      differing.add(cartId);
      note(diff, `cart ${cartId} line ${key}: ${actual} in Postgres, ${expected} in the session`);
    }
  }
  return { diff, differing };
}

/**
 * Polls Postgres (every 250 ms, until `deadline`) until its cart_items equal the sessions' lines;
 * resolves with when that happened (epoch ms), or undefined and the last differences. The
 * sessions of carts that differ are read again each time (and `lines` updated): an add whose
 * answer timed out may still land after the first reading.
 */
export async function waitUntilPostgresEquals(
  client: pg.Client,
  baseUrl: string,
  ledger: AddLedger,
  lines: Map<string, Line[]>,
  deadline: number,
): Promise<{ equalAt?: number; diff: Differences }> {
  const cartIds = [...lines.keys()];
  for (;;) {
    const { diff, differing } = comparePostgres(lines, await postgresLines(client, cartIds));
    if (differing.size === 0) return { equalAt: Date.now(), diff };
    if (Date.now() >= deadline) return { diff };
    const again = ledger.sessions.filter((session) => differing.has(session.id));
    for (const [cartId, current] of await readSessions(baseUrl, again)) lines.set(cartId, current);
    await new Promise((done) => setTimeout(done, 250));
  }
}
