// The "cross-site merge" scenario of `npm run bench` (runbook target: P95 < 300 ms): each
// request merges one distinct guest session (a few cart lines) into one distinct signed-in
// customer of the demo company — POST /api/cross-site-session/merge, strategy `max`.
//
// setup() prepares the pairs untimed: guest sessions from the shared cart pool, each given
// LINES_PER_GUEST demo products, and one customer JWT per guest (fresh customer ids, signed
// with the local dev secret). The customers' sessions do not exist yet: each merge is the
// customer's first call, as on a first sign-in, so it includes creating their session.
//
// How many pairs: enough for the expected request count (estimated from the item-add rate,
// BENCH_MERGE_PAIRS overrides). If the run outlasts them, requests start again from the first
// pair; those are idempotent retries (`alreadyMerged: true`, no writes) and the notes say how
// many there were, since they are cheaper than a first merge.

import { errorText } from "../../src/lib/error-fields.ts";
import type { BenchContext, DemoCart, RunbookTarget, Scenario } from "./bench-scenarios.ts";
import { DEMO_COMPANY_ID, DEMO_PRODUCT_IDS } from "./demo-data.ts";
import { DEV_JWT_SECRET, mintDemoTokens } from "./demo-tokens.ts";

const LINES_PER_GUEST = 3;
const MIN_PAIRS = 300;
const MAX_PAIRS = 20_000;
/** a merge is two Durable Object calls (freeze the guest, merge into the customer) against one for an item add */
const MERGE_COST_VS_ITEM_ADD = 2;
const SETUP_PARALLEL = 32;

interface Pair {
  guest: DemoCart;
  authorization: string;
}

export function crossSiteMerge(target: RunbookTarget): Scenario {
  let pairs: Pair[] = [];
  let next = 0;
  let retries = 0;
  let merged = 0;
  let topUp = 0;
  let failedAdds = 0;
  return {
    name: "cross-site merge",
    target,
    setup: async (ctx) => {
      const count = pairCount(ctx);
      topUp = Math.max(0, count - ctx.carts.size);
      const guests = await ctx.carts.take(count);
      failedAdds = await fillCarts(ctx.baseUrl, guests);
      const tokens = await mintCustomerTokens(count);
      pairs = guests.map((guest, index) => ({ guest, authorization: `Bearer ${tokens[index]}` }));
    },
    request: () => {
      const pair = pairs[next % pairs.length] as Pair;
      next += 1;
      return {
        method: "POST",
        path: "/api/cross-site-session/merge",
        headers: { "content-type": "application/json", authorization: pair.authorization },
        body: JSON.stringify({ sessionToken: pair.guest.sessionToken, strategy: "max" }),
      };
    },
    onResponse: (status, body) => {
      if (status !== 200) return;
      if (body.includes('"alreadyMerged":true')) retries += 1;
      else merged += 1;
    },
    notes: () => {
      const notes = [
        `${pairs.length} guest→customer pairs (${topUp} guest sessions created for it, ${LINES_PER_GUEST} demo products each; customers' sessions created by their merge); ${merged} first merges`,
      ];
      if (retries > 0) notes.push(`${retries} requests went round again: idempotent retries (alreadyMerged), cheaper`);
      if (failedAdds > 0) notes.push(`${failedAdds} item adds failed and were retried during setup`);
      return notes;
    },
  };
}

/** pairs for the expected number of requests (warm-up + run), from the item-add rate measured earlier */
function pairCount(ctx: BenchContext): number {
  const override = Number(process.env.BENCH_MERGE_PAIRS);
  if (Number.isFinite(override) && override > 0) return Math.floor(override);
  const itemAddRate = ctx.throughputOf("item add") ?? 1_000;
  const expected = (itemAddRate / MERGE_COST_VS_ITEM_ADD) * ctx.secondsPerScenario * 1.25;
  return Math.min(MAX_PAIRS, Math.max(MIN_PAIRS, Math.ceil(expected)));
}

/** gives every guest LINES_PER_GUEST demo products (quantities 1, 2, 3…), SETUP_PARALLEL guests at a time */
async function fillCarts(baseUrl: string, guests: DemoCart[]): Promise<number> {
  let failed = 0;
  let left = 0;
  const add = async (cart: DemoCart, productId: string | undefined, quantity: number) => {
    for (let attempt = 1; ; attempt += 1) {
      let answer: string;
      try {
        const response = await fetch(`${baseUrl}/api/public/cart/${cart.id}/items`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            // The pool's carts are all the demo company's.
            "x-company-id": DEMO_COMPANY_ID,
            "x-session-token": cart.sessionToken,
          },
          body: JSON.stringify({ productId, quantity }),
        });
        const body = await response.text();
        if (response.ok) return;
        answer = `${response.status} ${body.slice(0, 300)}`;
      } catch (error) {
        // A keep-alive connection the server closed just then: the add did not happen; retry.
        answer = errorText(error);
      }
      failed += 1;
      if (attempt === 5) throw new Error(`adding to a guest cart: ${answer}`);
      await new Promise((done) => setTimeout(done, 250 * attempt));
    }
  };
  const worker = async () => {
    while (left < guests.length) {
      const cart = guests[left] as DemoCart;
      left += 1;
      for (let line = 0; line < LINES_PER_GUEST; line += 1) {
        await add(cart, DEMO_PRODUCT_IDS[line % DEMO_PRODUCT_IDS.length], line + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SETUP_PARALLEL, guests.length) }, worker));
  return failed;
}

/** one customer JWT per pair: a fresh customer id in the demo company, signed with the dev secret */
async function mintCustomerTokens(count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let start = 0; start < count; start += 500) {
    const batch = Array.from({ length: Math.min(500, count - start) }, () =>
      mintDemoTokens(DEV_JWT_SECRET, { customerId: crypto.randomUUID() }).then((minted) => minted.customer),
    );
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}
