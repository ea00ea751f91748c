// The load of `npm run test:resilience`: guest sessions of the demo company, concurrent item
// adds (quantity 1, the demo products in turn) spread over them, and a ledger of what each add
// got: acknowledged (2xx), refused (another status) or no answer (timeout, connection lost), so
// that the checks know exactly which lines and quantities every session must hold.
import type { DemoCart } from "./bench-scenarios.ts";
import { DEMO_COMPANY_ID, DEMO_PRODUCT_IDS } from "./demo-data.ts";

/** a guest session and its cart, as the bench's CartPool creates them */
export type GuestSession = DemoCart;

/** a cart line as the checks compare it: which product (and variant), how many */
export interface Line {
  productId: string;
  variantId: string | null;
  quantity: number;
}

export const lineKey = (line: { productId: string; variantId: string | null }) =>
  `${line.productId}/${line.variantId ?? "-"}`;

const headersOf = (session: GuestSession) => ({
  "content-type": "application/json",
  "x-company-id": DEMO_COMPANY_ID,
  "x-session-token": session.sessionToken,
});

/** per session and line: how many adds were acknowledged and how many ended without a known outcome */
export class AddLedger {
  readonly acked: Array<Map<string, number>>;
  readonly unknown: Array<Map<string, number>>;
  /** answers by status ("201", "503", "timeout", "connection error") */
  readonly outcomes: Record<string, number> = {};
  readonly errorSamples: string[] = [];
  ackedTotal = 0;
  failedTotal = 0;

  readonly sessions: GuestSession[];

  constructor(sessions: GuestSession[]) {
    this.sessions = sessions;
    this.acked = sessions.map(() => new Map());
    this.unknown = sessions.map(() => new Map());
  }

  /** when the load started (epoch ms), for the times in the error samples */
  startedAt = Date.now();

  record(session: number, key: string, outcome: string, detail?: string): void {
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    const ok = /^2\d\d$/.test(outcome);
    const tally = ok ? this.acked[session] : this.unknown[session];
    tally?.set(key, (tally.get(key) ?? 0) + 1);
    if (ok) this.ackedTotal += 1;
    else {
      this.failedTotal += 1;
      const at = `${((Date.now() - this.startedAt) / 1000).toFixed(1)} s into the load`;
      if (this.errorSamples.length < 5) this.errorSamples.push(`${outcome} at ${at}: ${detail ?? ""}`.slice(0, 300));
    }
  }

  /** "201 ×9,990, 503 ×10" */
  describeOutcomes(): string {
    return Object.entries(this.outcomes)
      .map(([outcome, count]) => `${outcome} ×${count.toLocaleString("en-US")}`)
      .join(", ");
  }
}

export interface AddsOptions {
  baseUrl: string;
  ledger: AddLedger;
  /** how many adds in all; Infinity: until `stopped()` */
  total: number;
  concurrency: number;
  timeoutMs: number;
  /** checked before each new add */
  stopped?: () => boolean;
  /** after each answer (or failure), with the number of adds answered so far */
  onAnswer?: (answered: number) => void;
}

/**
 * Adds one item per request, add n going to session n mod sessions with product
 * (n ÷ sessions) mod products, `concurrency` in flight. Never retried: a retry of an add whose
 * answer was lost could add the item twice, and the checks must see what the API did.
 */
export async function runAdds(options: AddsOptions): Promise<void> {
  const { baseUrl, ledger, total, concurrency, timeoutMs } = options;
  const sessions = ledger.sessions;
  ledger.startedAt = Date.now();
  let next = 0;
  let answered = 0;
  const one = async (n: number) => {
    const index = n % sessions.length;
    const session = sessions[index] as GuestSession;
    const productId = DEMO_PRODUCT_IDS[Math.floor(n / sessions.length) % DEMO_PRODUCT_IDS.length] as string;
    const key = lineKey({ productId, variantId: null });
    try {
      const response = await fetch(`${baseUrl}/api/public/cart/${session.id}/items`, {
        method: "POST",
        headers: headersOf(session),
        body: JSON.stringify({ productId, quantity: 1 }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = await response.text();
      ledger.record(index, key, String(response.status), body);
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      ledger.record(index, key, timedOut ? "timeout" : "connection error", (error as Error).message);
    }
    answered += 1;
    options.onAnswer?.(answered);
  };
  const worker = async () => {
    while (next < total && !options.stopped?.()) await one(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** the session's cart lines as the API shows them (GET /api/public/cart) */
export async function sessionLines(baseUrl: string, session: GuestSession): Promise<Line[]> {
  const response = await fetch(`${baseUrl}/api/public/cart`, {
    headers: headersOf(session),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`GET /api/public/cart → ${response.status} ${body.slice(0, 300)}`);
  const cart = JSON.parse(body) as { id: string; items: Line[] };
  if (cart.id !== session.id) throw new Error(`the session's cart is ${cart.id}, not ${session.id}`);
  return cart.items.map(({ productId, variantId, quantity }) => ({ productId, variantId, quantity }));
}
