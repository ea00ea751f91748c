// A typed wrapper around autocannon's programmatic API for `npm run bench`: one closed-loop
// run (N connections, each sending its next request as soon as the previous answer is in)
// whose requests are built one by one, with every latency kept so the percentiles are exact.
import { createRequire } from "node:module";

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** path and query, e.g. `/api/public/cart/…/items` */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  /** http://host:port */
  baseUrl: string;
  connections: number;
  durationSec: number;
  /** builds the next request; called once per request */
  request: () => HttpRequest;
  /** sees every response (status and body), e.g. to keep the carts a run created */
  onResponse?: (status: number, body: string) => void;
  /** per-request timeout in seconds (counted as an error); default 10 */
  timeoutSec?: number;
}

export interface LoadResult {
  elapsedSec: number;
  /** latencies of the 2xx responses in ms, ascending */
  latencies: Float64Array;
  ok: number;
  non2xx: number;
  /** socket errors and timeouts (autocannon counts a timeout as an error) */
  socketErrors: number;
  timeouts: number;
  /** requests still unanswered when the run ended (at most one per connection) */
  unfinished: number;
  /** responses per status code */
  statusCodes: Record<string, number>;
  /** a few non-2xx bodies, to say why */
  errorSamples: string[];
}

export interface RunningLoad {
  result: Promise<LoadResult>;
  /** ends the run early (Ctrl-C); `result` still settles */
  stop(): void;
}

// autocannon ships no types; this is the part of its API used here.
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest, context: object) => AutocannonRequest;
  onResponse?: (status: number, body: string, context: object, headers: object) => void;
}
interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { sent: number };
}
interface AutocannonInstance {
  stop(): void;
  on(
    event: "response",
    listener: (client: unknown, status: number, bytes: number, responseTimeMs: number) => void,
  ): void;
}
type Autocannon = (
  options: {
    url: string;
    connections: number;
    duration: number;
    timeout: number;
    pipelining: number;
    requests: AutocannonRequest[];
  },
  done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

const MAX_ERROR_SAMPLES = 5;

export function startLoad(options: LoadOptions): RunningLoad {
  let latencies = new Float64Array(1 << 16);
  let ok = 0;
  let non2xx = 0;
  const statusCodes: Record<string, number> = {};
  const errorSamples: string[] = [];
  const started = performance.now();

  let instance: AutocannonInstance | undefined;
  const result = new Promise<LoadResult>((resolve, reject) => {
    instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.connections,
        duration: options.durationSec,
        timeout: options.timeoutSec ?? 10,
        pipelining: 1,
        requests: [
          {
            setupRequest: (request) => {
              const next = options.request();
              // a fresh headers object: autocannon adds Content-Length to it
              return {
                ...request,
                method: next.method,
                path: next.path,
                headers: { ...next.headers },
                body: next.body,
              };
            },
            onResponse: (status, body) => {
              if ((status < 200 || status > 299) && errorSamples.length < MAX_ERROR_SAMPLES) {
                errorSamples.push(`${status} ${body.slice(0, 300)}`);
              }
              options.onResponse?.(status, body);
            },
          },
        ],
      },
      (error, summary) => {
        if (error) {
          reject(error);
          return;
        }
        const elapsedSec = (performance.now() - started) / 1000;
        const sorted = latencies.slice(0, ok).sort();
        resolve({
          elapsedSec,
          latencies: sorted,
          ok,
          non2xx,
          socketErrors: summary.errors,
          timeouts: summary.timeouts,
          unfinished: Math.max(0, Math.min(options.connections, summary.requests.sent - ok - non2xx - summary.errors)),
          statusCodes,
          errorSamples,
        });
      },
    );
    instance.on("response", (_client, status, _bytes, responseTimeMs) => {
      statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      if (status < 200 || status > 299) {
        non2xx += 1;
        return;
      }
      if (ok === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[ok] = responseTimeMs;
      ok += 1;
    });
  });
  return { result, stop: () => instance?.stop() };
}

/** nearest-rank percentile of ascending values; undefined when there are none */
export function percentile(sorted: Float64Array, p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
