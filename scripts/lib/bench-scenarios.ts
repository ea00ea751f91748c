// The scenarios `npm run bench` measures, in order. A scenario is a name, the runbook target it
// is checked against (§4.2), a setup() that prepares what its requests need (not timed), and a
// request builder called once per request. Adding one is a few lines here; a scenario without
// a request builder is printed as "n/a (not built yet)".
import { DEMO_BUNDLE_ID, DEMO_COMPANY_ID, DEMO_PRODUCT_IDS } from "./demo-data.ts";
import { DEV_JWT_SECRET, type DemoTokens, mintDemoTokens } from "./demo-tokens.ts";

export interface RunbookTarget {
  /** the runbook's P95 target in ms */
  p95Ms: number;
  /** the runbook's words for it */
  metric: string;
}

export interface HttpRequest {
  method: "GET" | "POST";
  /** path and query */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Scenario {
  name: string;
  target?: RunbookTarget;
  setup?: (ctx: BenchContext) => Promise<void>;
  /** the next request; undefined: the scenario is not built yet */
  request?: () => HttpRequest;
  /** sees every response of the warm-up and the measured run */
  onResponse?: (status: number, body: string) => void;
  /**
   * It changes session state (replicated to Postgres): the report gets the Postgres sessions
   * opened per 1,000 mutations, the mutations counted in Postgres once replication has settled —
   * how much this query's answer grew over the warm-up and the run. Counting answers instead
   * would miss the requests in flight when the load stops (up to one per connection, twice: the
   * warm-up's and the run's), which the server completes and replicates all the same: a third of
   * the merges at this box's rate.
   */
  mutationsInPostgres?: string;
  /** extra lines for the report (what setup prepared, how many carts were touched…) */
  notes?: () => string[];
}

export interface BenchContext {
  baseUrl: string;
  /** warm-up + measured seconds: how long a scenario's requests keep coming */
  secondsPerScenario: number;
  tokens: DemoTokens;
  carts: CartPool;
  /** 2xx per second of a scenario measured earlier in this run */
  throughputOf(name: string): number | undefined;
}

export interface DemoCart {
  id: string;
  sessionToken: string;
}

const json = { "content-type": "application/json" };
const company = { "x-company-id": DEMO_COMPANY_ID };
const sessionHeaders = (cart: DemoCart) => ({ ...json, ...company, "x-session-token": cart.sessionToken });

/** the runbook's targets (§4.2) */
export const TARGETS = {
  cartCreate: { p95Ms: 50, metric: "Cart creation latency" },
  itemAdd: { p95Ms: 100, metric: "Cart item add latency" },
  bundleAdd: { p95Ms: 200, metric: "Bundle add latency" },
  analyticsOverview: { p95Ms: 500, metric: "Analytics overview query" },
  crossSiteMerge: { p95Ms: 300, metric: "Cross-site session merge" },
} satisfies Record<string, RunbookTarget>;

export const TRIVIAL = "trivial";

export function scenarios(): Scenario[] {
  return [
    { name: TRIVIAL, request: () => ({ method: "GET", path: "/api/health" }) },
    cartCreate(),
    // each request adds one of the demo products to the next of 200 carts in turn
    cartsInTurn(
      "item add",
      TARGETS.itemAdd,
      () => 200,
      (cart, n) => ({
        path: `/api/public/cart/${cart.id}/items`,
        body: { productId: DEMO_PRODUCT_IDS[n % DEMO_PRODUCT_IDS.length], quantity: 1 },
      }),
      (perCart) =>
        `${DEMO_PRODUCT_IDS.length} demo products (≤ ${DEMO_PRODUCT_IDS.length} lines per cart); ~${perCart} adds per cart`,
    ),
    // The demo bundle (3 lines) into carts in turn. A cart holds at most 250 lines, and a big
    // cart is slower to reprice and send back, so there are enough carts for about 10 bundles
    // each at the expected rate (estimated from the item-add rate).
    cartsInTurn(
      "bundle add",
      TARGETS.bundleAdd,
      (ctx) => {
        const rate = ctx.throughputOf("item add") ?? ctx.throughputOf(TRIVIAL) ?? 1_000;
        return Math.max(200, Math.ceil((rate * ctx.secondsPerScenario * 1.5) / 10));
      },
      (cart) => ({ path: `/api/public/cart/${cart.id}/bundles`, body: { bundleId: DEMO_BUNDLE_ID } }),
      (perCart) => `≤ ${perCart} bundles (${perCart * 3} lines) per cart at the end`,
    ),
    analyticsOverview(false),
    analyticsOverview(true),
    crossSiteMerge(),
  ];
}

/** Every request makes a new session (and Durable Object); the later scenarios use them. */
function cartCreate(): Scenario {
  let pool: CartPool | undefined;
  let created = 0;
  return {
    name: "cart create",
    target: TARGETS.cartCreate,
    // Not counted as mutating: a new session is only a signed token until its first use
    // (src/lib/session-tokens.ts), so it writes nothing and replicates nothing.
    setup: async (ctx) => {
      pool = ctx.carts;
    },
    request: () => ({ method: "POST", path: "/api/public/cart", headers: { ...json, ...company }, body: "{}" }),
    onResponse: (status, body) => {
      if (status !== 201) return;
      created += 1;
      CartPool.parseInto(body, (cart) => pool?.add(cart));
    },
    notes: () => [`${created} sessions created (warm-up + run; kept for the item and bundle scenarios)`],
  };
}

/** POSTs to `count(ctx)` carts of the pool in turn */
function cartsInTurn(
  name: string,
  target: RunbookTarget,
  count: (ctx: BenchContext) => number,
  next: (cart: DemoCart, n: number) => { path: string; body: object },
  perCartNote: (perCart: number) => string,
): Scenario {
  let carts: DemoCart[] = [];
  let topUp = 0;
  let retried = 0;
  let n = 0;
  return {
    name,
    target,
    // Every change of a session gives its cart the session's next version: an add (an item or a
    // whole bundle) is one change of one cart.
    mutationsInPostgres: "select coalesce(sum(version), 0) from carts",
    setup: async (ctx) => {
      const wanted = count(ctx);
      topUp = Math.max(0, wanted - ctx.carts.size);
      const failedBefore = failures;
      carts = await ctx.carts.take(wanted);
      retried = failures - failedBefore;
    },
    request: () => {
      const cart = carts[n % carts.length] as DemoCart;
      const { path, body } = next(cart, n);
      n += 1;
      return { method: "POST", path, headers: sessionHeaders(cart), body: JSON.stringify(body) };
    },
    notes: () => [
      `${carts.length} carts in turn (${topUp} created for it${retried ? `, ${retried} creations retried` : ""}); ${perCartNote(Math.ceil(n / Math.max(1, carts.length)))}`,
    ],
  };
}

/** The dashboard's main query, from the Cache API (as dashboards see it) or with `fresh=1` (every request runs the SQL). */
function analyticsOverview(fresh: boolean): Scenario {
  let authorization = "";
  return {
    name: fresh ? "analytics overview (uncached)" : "analytics overview",
    target: TARGETS.analyticsOverview,
    setup: async (ctx) => {
      authorization = `Bearer ${ctx.tokens.admin}`;
      // "Cached" is what a dashboard sees after its first load: the entry is primed once, so
      // the run measures cache hits rather than 100 simultaneous first misses.
      if (!fresh) await call(`${ctx.baseUrl}/api/analytics/ecommerce/overview`, { headers: { authorization } });
    },
    request: () => ({
      method: "GET",
      path: `/api/analytics/ecommerce/overview${fresh ? "?fresh=1" : ""}`,
      headers: { authorization },
    }),
  };
}

/**
 * Each request merges one distinct guest session (3 lines) into one distinct signed-in customer
 * of the demo company (POST /api/cross-site-session/merge, strategy `max`). There are enough
 * pairs for the expected requests (a merge is two Durable Object calls against one for an item
 * add); if the run outlasts them, requests start again from the first pair: idempotent
 * retries (`alreadyMerged: true`, no writes), counted in the notes since they are cheaper.
 * BENCH_MERGE_PAIRS sets the number of pairs.
 */
function crossSiteMerge(): Scenario {
  let pairs: Array<{ guest: DemoCart; authorization: string }> = [];
  let n = 0;
  let retries = 0;
  let merged = 0;
  let topUp = 0;
  let failedAdds = 0;
  return {
    name: "cross-site merge",
    target: TARGETS.crossSiteMerge,
    // A merge changes two sessions, each replicated in a message of its own: the guest's (its
    // cart now MERGED) and the customer's. Counted per session changed, as an add is (design
    // 102): per merge, 100-message batches could not go below 20 connections per 1,000.
    // Idempotent retries (alreadyMerged) change nothing.
    mutationsInPostgres: "select 2 * count(*) from carts where status = 'MERGED'",
    setup: async (ctx) => {
      const override = Number(process.env.BENCH_MERGE_PAIRS);
      const expected = ((ctx.throughputOf("item add") ?? 1_000) / 2) * ctx.secondsPerScenario * 1.25;
      const count = override > 0 ? Math.floor(override) : Math.min(20_000, Math.max(300, Math.ceil(expected)));
      topUp = Math.max(0, count - ctx.carts.size);
      const guests = await ctx.carts.take(count);
      const failedBefore = failures;
      await inParallel(guests.length, 32, async (i) => {
        const cart = guests[i] as DemoCart;
        for (let line = 0; line < 3; line += 1) {
          const productId = DEMO_PRODUCT_IDS[line % DEMO_PRODUCT_IDS.length];
          const body = JSON.stringify({ productId, quantity: line + 1 });
          const init = { method: "POST", headers: sessionHeaders(cart), body };
          await retry(5, () => call(`${ctx.baseUrl}/api/public/cart/${cart.id}/items`, init));
        }
      });
      failedAdds = failures - failedBefore;
      const customers = Array.from({ length: count }, () => crypto.randomUUID());
      const tokens = await Promise.all(customers.map((customerId) => mintDemoTokens(DEV_JWT_SECRET, { customerId })));
      pairs = guests.map((guest, i) => ({ guest, authorization: `Bearer ${tokens[i]?.customer}` }));
    },
    request: () => {
      const pair = pairs[n++ % pairs.length] as (typeof pairs)[number];
      return {
        method: "POST",
        path: "/api/cross-site-session/merge",
        headers: { ...json, authorization: pair.authorization },
        body: JSON.stringify({ sessionToken: pair.guest.sessionToken, strategy: "max" }),
      };
    },
    onResponse: (status, body) => {
      if (status !== 200) return;
      if (body.includes('"alreadyMerged":true')) retries += 1;
      else merged += 1;
    },
    notes: () => [
      `${pairs.length} guest→customer pairs (${topUp} guest sessions created for it, 3 demo products each; customers' sessions created by their merge); ${merged} first merges`,
      ...(retries ? [`${retries} requests went round again: idempotent retries (alreadyMerged), cheaper`] : []),
      ...(failedAdds ? [`${failedAdds} item adds failed and were retried during setup`] : []),
    ],
  };
}

/** one of each request, so a broken setup fails here with its answer rather than as 100 % errors */
export async function smokeTest(baseUrl: string): Promise<void> {
  const [cart] = (await new CartPool(baseUrl).take(1)) as [DemoCart];
  for (const [path, body] of [
    ["items", { productId: DEMO_PRODUCT_IDS[0] }],
    ["bundles", { bundleId: DEMO_BUNDLE_ID }],
  ] as const) {
    const init = { method: "POST", headers: sessionHeaders(cart), body: JSON.stringify(body) };
    await call(`${baseUrl}/api/public/cart/${cart.id}/${path}`, init);
  }
}

/**
 * Anonymous carts for the scenarios: the ones `cart create` made, topped up by creating more
 * (untimed, 20 at a time) when a scenario needs more than are left. Each is handed out once.
 */
export class CartPool {
  private readonly carts: DemoCart[] = [];
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  get size(): number {
    return this.carts.length;
  }

  add(cart: DemoCart): void {
    this.carts.push(cart);
  }

  async take(count: number): Promise<DemoCart[]> {
    await inParallel(count - this.carts.length, 20, async () => {
      const init = { method: "POST", headers: { ...json, ...company }, body: "{}" };
      const body = await retry(10, () => call(`${this.baseUrl}/api/public/cart`, init, 201));
      CartPool.parseInto(body, (cart) => this.add(cart));
    });
    return this.carts.splice(0, count);
  }

  static parseInto(body: string, add: (cart: DemoCart) => void): void {
    try {
      const { id, sessionToken } = JSON.parse(body) as Partial<DemoCart>;
      if (typeof id === "string" && typeof sessionToken === "string") add({ id, sessionToken });
    } catch {
      // not a cart: counted by its status code already
    }
  }
}

/** fetch that returns the body of a 2xx (or `status`) answer and throws with the answer otherwise */
export async function call(url: string, init: RequestInit = {}, status?: number): Promise<string> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const body = await response.text();
  if (status ? response.status !== status : !response.ok) {
    throw new Error(`${init.method ?? "GET"} ${new URL(url).pathname} → ${response.status} ${body.slice(0, 300)}`);
  }
  return body;
}

/** failed (and retried) setup requests so far: the notes report the ones of each scenario's setup */
let failures = 0;

/** `attempts` tries with a growing pause */
async function retry<T>(attempts: number, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      // e.g. a keep-alive connection the server closed just then: the request did not happen
      failures += 1;
      if (attempt === attempts) throw new Error(`failed ${attempts} times; last: ${(error as Error).message}`);
      await new Promise((done) => setTimeout(done, 250 * attempt));
    }
  }
}

/** runs task(0 … count-1), `parallel` at a time */
async function inParallel(count: number, parallel: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.max(0, Math.min(parallel, count)) }, worker));
}
