// The scenarios `npm run bench` measures, in order. A scenario is a name, the runbook target
// it is checked against (§4.2), a setup() that prepares what its requests need, and a request
// builder called once per request. Adding one is a few lines here; a scenario without a
// request builder is printed as "n/a (not built yet)".
import { errorText } from "../../src/lib/error-fields.ts";
import type { HttpRequest } from "./bench-autocannon.ts";
import { crossSiteMerge } from "./bench-merge.ts";
import { DEMO_BUNDLE_ID, DEMO_COMPANY_ID, DEMO_PRODUCT_IDS } from "./demo-data.ts";
import type { DemoTokens } from "./demo-tokens.ts";

export interface RunbookTarget {
  /** the runbook's P95 target in ms */
  p95Ms: number;
  /** the runbook's words for it */
  metric: string;
}

export interface Scenario {
  name: string;
  target?: RunbookTarget;
  /** runs before the warm-up; may fetch through ctx (not timed) */
  setup?: (ctx: BenchContext) => Promise<void>;
  /** the next request; undefined: the scenario is not built yet */
  request?: () => HttpRequest;
  /** sees every response of the warm-up and the measured run */
  onResponse?: (status: number, body: string) => void;
  /** extra lines for the report (what setup prepared, how many carts were touched…) */
  notes?: () => string[];
}

/** what the scenario runner offers setup() */
export interface BenchContext {
  baseUrl: string;
  connections: number;
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
    {
      name: TRIVIAL,
      request: () => ({ method: "GET", path: "/api/health" }),
    },
    cartCreate(),
    itemAdd(),
    bundleAdd(),
    analyticsOverview(false),
    analyticsOverview(true),
    crossSiteMerge(TARGETS.crossSiteMerge),
  ];
}

/** The dashboard's main query, from the Cache API (as dashboards see it) or with `fresh=1` (every request runs the SQL). */
function analyticsOverview(fresh: boolean): Scenario {
  let authorization = "";
  return {
    name: fresh ? "analytics overview (uncached)" : "analytics overview",
    target: TARGETS.analyticsOverview,
    setup: async (ctx) => {
      authorization = `Bearer ${ctx.tokens.admin}`;
      // "Cached" means what a dashboard sees after the first load: prime the entry once, so
      // the run measures cache hits rather than 100 simultaneous first misses.
      if (!fresh) {
        const primed = await fetch(`${ctx.baseUrl}/api/analytics/ecommerce/overview`, { headers: { authorization } });
        if (!primed.ok) throw new Error(`priming the analytics cache failed: ${primed.status}`);
        await primed.arrayBuffer();
      }
    },
    request: () => ({
      method: "GET",
      path: `/api/analytics/ecommerce/overview${fresh ? "?fresh=1" : ""}`,
      headers: { authorization },
    }),
  };
}

function cartCreate(): Scenario {
  let pool: CartPool | undefined;
  let created = 0;
  return {
    name: "cart create",
    target: TARGETS.cartCreate,
    request: () => ({ method: "POST", path: "/api/public/cart", headers: { ...json, ...company }, body: "{}" }),
    // Every request makes a new session (and Durable Object); the later scenarios use them.
    onResponse: (status, body) => {
      if (status !== 201) return;
      created += 1;
      CartPool.parseInto(body, (cart) => pool?.add(cart));
    },
    setup: async (ctx) => {
      pool = ctx.carts;
    },
    notes: () => [`${created} sessions created (warm-up + run; kept for the item and bundle scenarios)`],
  };
}

/** carts for item adds: each request adds one of the demo products to the next cart in turn */
function itemAdd(): Scenario {
  const CARTS = 200;
  let carts: DemoCart[] = [];
  let topUp = 0;
  let retried = 0;
  let next = 0;
  return {
    name: "item add",
    target: TARGETS.itemAdd,
    setup: async (ctx) => {
      topUp = Math.max(0, CARTS - ctx.carts.size);
      const failedBefore = ctx.carts.failedCreates;
      carts = await ctx.carts.take(CARTS);
      retried = ctx.carts.failedCreates - failedBefore;
    },
    request: () => {
      const cart = carts[next % carts.length] as DemoCart;
      const productId = DEMO_PRODUCT_IDS[next % DEMO_PRODUCT_IDS.length];
      next += 1;
      return {
        method: "POST",
        path: `/api/public/cart/${cart.id}/items`,
        headers: sessionHeaders(cart),
        body: JSON.stringify({ productId, quantity: 1 }),
      };
    },
    notes: () => [
      `${carts.length} carts in turn (${topUp} created for it${retried ? `, ${retried} creations retried` : ""}), ${DEMO_PRODUCT_IDS.length} demo products (≤ ${DEMO_PRODUCT_IDS.length} lines per cart); ~${Math.ceil(next / Math.max(1, carts.length))} adds per cart`,
    ],
  };
}

/**
 * The demo bundle (3 lines) into carts in turn. A cart holds at most 250 lines, and a big cart
 * is slower to reprice and to send back, so enough carts are prepared that each gets about
 * BUNDLES_PER_CART bundles at the expected rate (estimated from the item-add rate).
 */
function bundleAdd(): Scenario {
  const BUNDLES_PER_CART = 10;
  const MIN_CARTS = 200;
  let carts: DemoCart[] = [];
  let topUp = 0;
  let retried = 0;
  let next = 0;
  return {
    name: "bundle add",
    target: TARGETS.bundleAdd,
    setup: async (ctx) => {
      const rate = ctx.throughputOf("item add") ?? ctx.throughputOf(TRIVIAL) ?? 1_000;
      const expected = rate * ctx.secondsPerScenario * 1.5;
      const count = Math.max(MIN_CARTS, Math.ceil(expected / BUNDLES_PER_CART));
      topUp = Math.max(0, count - ctx.carts.size);
      const failedBefore = ctx.carts.failedCreates;
      carts = await ctx.carts.take(count);
      retried = ctx.carts.failedCreates - failedBefore;
    },
    request: () => {
      const cart = carts[next % carts.length] as DemoCart;
      next += 1;
      return {
        method: "POST",
        path: `/api/public/cart/${cart.id}/bundles`,
        headers: sessionHeaders(cart),
        body: JSON.stringify({ bundleId: DEMO_BUNDLE_ID }),
      };
    },
    notes: () => {
      const perCart = Math.ceil(next / Math.max(1, carts.length));
      return [
        `${carts.length} carts in turn (${topUp} created for it${retried ? `, ${retried} creations retried` : ""}); ≤ ${perCart} bundles (${perCart * 3} lines) per cart at the end`,
      ];
    },
  };
}

/**
 * Anonymous carts for the scenarios: the ones `cart create` made, topped up by creating more
 * (untimed, a few at a time) when a scenario needs more than are left. Each cart is handed
 * out once.
 */
export class CartPool {
  private readonly carts: DemoCart[] = [];
  private readonly baseUrl: string;
  /** creations that failed (and were retried) while topping up */
  failedCreates = 0;

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
    if (this.carts.length < count) await this.create(count - this.carts.length);
    return this.carts.splice(0, count);
  }

  /** creates `count` sessions through the API, `parallel` at a time, retrying failures a few times */
  async create(count: number, parallel = 20): Promise<void> {
    let left = count;
    const createOne = async () => {
      for (let attempt = 1; ; attempt += 1) {
        let problem: string;
        try {
          const response = await fetch(`${this.baseUrl}/api/public/cart`, {
            method: "POST",
            headers: { ...json, ...company },
            body: "{}",
            signal: AbortSignal.timeout(30_000),
          });
          const body = await response.text();
          if (response.status === 201) {
            CartPool.parseInto(body, (cart) => this.add(cart));
            return;
          }
          problem = `${response.status} ${body.slice(0, 300)}`;
        } catch (error) {
          problem = errorText(error);
        }
        this.failedCreates += 1;
        if (attempt === 10) throw new Error(`creating a cart failed 10 times; last: ${problem}`);
        await new Promise((done) => setTimeout(done, 250 * attempt));
      }
    };
    const worker = async () => {
      while (left > 0) {
        left -= 1;
        await createOne();
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  }

  static parseInto(body: string, add: (cart: DemoCart) => void): void {
    try {
      const { id, sessionToken } = JSON.parse(body) as Partial<DemoCart>;
      if (typeof id === "string" && typeof sessionToken === "string") add({ id, sessionToken });
    } catch {
      // not a cart: counted by the status code already
    }
  }
}
