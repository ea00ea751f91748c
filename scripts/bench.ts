// `npm run bench`: latency and throughput of the hot routes against the runbook's baselines
// (§4.2), on this machine. Starts its own stack (embedded Postgres in .data/bench-postgres,
// the WebSocket proxy, migrations, demo data; free ports, so a running `npm run dev` is not
// disturbed) and `wrangler dev` on a bundle of the current source, then runs each scenario
// (scripts/lib/bench-scenarios.ts) with autocannon: a warm-up, then BENCH_DURATION seconds at
// BENCH_CONNECTIONS connections. Prints a table and writes bench-results/latest.{json,md}.
// Ctrl-C (or an error) stops wrangler, the proxy and Postgres.
//
// Before each scenario it waits (up to BENCH_SETTLE_MAX seconds) until Postgres has had no client
// connection for 2 s: the Durable Objects replicate every change to Postgres in the background,
// and one scenario's replication should not spill into the next one's measurement.
//
//   BENCH_DURATION=10  BENCH_WARMUP=2  BENCH_SETTLE_MAX=30  BENCH_CONNECTIONS=100
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { errorText } from "../src/lib/error-fields.ts";
import { type RunningLoad, startLoad } from "./lib/bench-autocannon.ts";
import {
  type BenchReport,
  machineInfo,
  measuredReport,
  relateToTrivial,
  renderMarkdown,
  renderText,
  type ScenarioReport,
} from "./lib/bench-report.ts";
import { type BenchContext, CartPool, type Scenario, scenarios, TRIVIAL } from "./lib/bench-scenarios.ts";
import { type BenchStack, isAlive, startBenchStack, waitForQuietDatabase } from "./lib/bench-stack.ts";
import {
  type BenchWorker,
  buildWorker,
  killGroup,
  liveGroupMembers,
  logOffset,
  snapshotConfig,
  startWorker,
  summarizeWorkerLog,
  WRANGLER_VERSION,
} from "./lib/bench-worker.ts";
import { DEMO_BUNDLE_ID, DEMO_COMPANY_ID, DEMO_PRODUCT_IDS } from "./lib/demo-data.ts";
import { DEV_JWT_SECRET, mintDemoTokens } from "./lib/demo-tokens.ts";
import { freePort } from "./lib/free-port.ts";
import { onShutdownSignal, REPO_ROOT } from "./lib/local-stack.ts";

const DURATION_SEC = envNumber("BENCH_DURATION", 10);
const WARMUP_SEC = envNumber("BENCH_WARMUP", 2);
const SETTLE_MAX_SEC = envNumber("BENCH_SETTLE_MAX", 30);
const CONNECTIONS = envNumber("BENCH_CONNECTIONS", 100);

const RESULTS_DIR = join(REPO_ROOT, "bench-results");
/** the bundle and the Durable Object storage: emptied before and deleted after each run */
const WORK_DIR = join(REPO_ROOT, ".data", "bench-worker");
const PG_DIR = join(REPO_ROOT, ".data", "bench-postgres");
const ENV_FILE = join(RESULTS_DIR, ".bench.env");
const WRANGLER_LOG = join(RESULTS_DIR, "wrangler.log");

const ENVIRONMENT =
  "Measured on `wrangler dev` (workerd, local Durable Object storage, embedded Postgres) on this machine, " +
  "with autocannon on the same cores: the figures are relative, not production latencies. " +
  "The trivial route (GET /api/health) shows this runtime's ceiling; the last column compares each P95 with it. " +
  "The load is a closed loop (each connection sends its next request when the previous one is answered), so " +
  "latency ≈ connections ÷ throughput: a P95 under 100 ms at 100 connections takes about 1,000 req/s.";

let stack: BenchStack | undefined;
let worker: BenchWorker | undefined;
let currentLoad: RunningLoad | undefined;
let shuttingDown: Promise<never> | undefined;
let signals = 0;

onShutdownSignal((signal) => {
  signals += 1;
  if (signals > 1) {
    console.error(`\n[bench] ${signal} again: forcing shutdown`);
    if (worker?.pid !== undefined) killGroup(worker.pid);
    process.exit(130);
  }
  say(`${signal}: stopping…`);
  currentLoad?.stop();
  void shutdown(130);
});

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadavg()[0] ?? 0;
  if (loadAtStart > cpus().length / 2) {
    say(`note: this machine is already busy (load average ${loadAtStart.toFixed(1)}); figures will be noisy`);
  }
  await mkdir(RESULTS_DIR, { recursive: true });
  await rm(WORK_DIR, { recursive: true, force: true });
  await rm(WRANGLER_LOG, { force: true });
  const { pgPort, proxyPort, httpPort, inspectorPort } = await freePorts();

  say(`starting the local stack (data in ${PG_DIR}, thrown away afterwards)`);
  stack = await startBenchStack({ dataDir: PG_DIR, pgPort, proxyPort });
  if (shuttingDown) return;

  const vars: Record<string, string> = {
    DATABASE_URL: stack.databaseUrl,
    JWT_SECRET: DEV_JWT_SECRET,
    NODE_ENV: "development",
  };
  if (stack.wsProxy) vars.DATABASE_WS_PROXY = stack.wsProxy;
  await writeFile(
    ENV_FILE,
    `${Object.entries(vars)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`,
    { mode: 0o600 },
  );
  await chmod(ENV_FILE, 0o600);

  say(`bundling the Worker and starting wrangler dev on :${httpPort} (log: ${WRANGLER_LOG})`);
  await snapshotConfig(join(WORK_DIR, "config"));
  const entry = await buildWorker({ buildDir: join(WORK_DIR, "build"), logFile: WRANGLER_LOG });
  if (shuttingDown) return;
  worker = startWorker(entry, {
    buildDir: join(WORK_DIR, "build"),
    configDir: join(WORK_DIR, "config"),
    stateDir: join(WORK_DIR, "state"),
    envFile: ENV_FILE,
    port: httpPort,
    inspectorPort,
    logFile: WRANGLER_LOG,
  });
  await worker.ready();
  if (shuttingDown) return;
  await smokeTest(worker.baseUrl);
  say(`ready after ${elapsed(started)}: smoke test passed (create, item add, bundle add)`);

  const reports: ScenarioReport[] = [];
  const ctx: BenchContext = {
    baseUrl: worker.baseUrl,
    connections: CONNECTIONS,
    secondsPerScenario: WARMUP_SEC + DURATION_SEC,
    tokens: await mintDemoTokens(DEV_JWT_SECRET),
    carts: new CartPool(worker.baseUrl),
    throughputOf: (name) => reports.find((r) => r.name === name)?.requestsPerSec,
  };

  for (const scenario of scenarios()) {
    if (shuttingDown) return;
    const report = await runScenario(scenario, ctx);
    reports.push(report);
    say(`${scenario.name}: ${summary(report)}`);
  }
  if (shuttingDown) return;
  if (worker.hasExited()) throw new Error(`wrangler dev exited during the run; see ${WRANGLER_LOG}`);

  relateToTrivial(reports, TRIVIAL);
  const report: BenchReport = {
    date: new Date().toISOString(),
    command: commandLine(),
    environment: ENVIRONMENT,
    machine: machineInfo({ wrangler: WRANGLER_VERSION, autocannon: autocannonVersion(), loadAtStart }),
    config: {
      connections: CONNECTIONS,
      durationSec: DURATION_SEC,
      warmupSec: WARMUP_SEC,
      settleMaxSec: SETTLE_MAX_SEC,
    },
    scenarios: reports,
  };
  await writeFile(join(RESULTS_DIR, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(RESULTS_DIR, "latest.md"), renderMarkdown(report));
  console.log(`\n${renderText(report)}\n`);
  say(`written: bench-results/latest.json, bench-results/latest.md (${elapsed(started)} in all)`);
}

async function runScenario(scenario: Scenario, ctx: BenchContext): Promise<ScenarioReport> {
  const { name, target, request } = scenario;
  if (!request) return { name, target, status: "not built", notes: [] };
  try {
    await scenario.setup?.(ctx);
    const settled = await settle();
    const logFrom = logOffset(WRANGLER_LOG);
    if (WARMUP_SEC > 0) {
      say(`${name}: warm-up ${WARMUP_SEC} s`);
      await load(scenario, request, WARMUP_SEC);
    }
    if (shuttingDown) return { name, target, status: "failed", detail: "interrupted", notes: [] };
    say(`${name}: ${DURATION_SEC} s at ${CONNECTIONS} connections`);
    const result = await load(scenario, request, DURATION_SEC);
    if (shuttingDown) return { name, target, status: "failed", detail: "interrupted", notes: [] };
    const notes = scenario.notes?.() ?? [];
    if (settled) notes.push(settled);
    const logged = summarizeWorkerLog(WRANGLER_LOG, logFrom);
    if (logged.length) notes.push(`Worker log (warm-up + run): ${logged.join("; ")}`);
    return measuredReport(name, target, result, notes);
  } catch (error) {
    const detail = errorText(error);
    return {
      name,
      target,
      status: "failed",
      detail: detail.split("\n")[0]?.slice(0, 80),
      notes: [detail.slice(0, 500)],
    };
  }
}

/** waits for Postgres to go quiet; a note when that took a while (or did not happen) */
async function settle(): Promise<string | undefined> {
  if (!stack || SETTLE_MAX_SEC <= 0) return undefined;
  const { waitedMs, quiet } = await waitForQuietDatabase(stack.databaseUrl, {
    maxMs: SETTLE_MAX_SEC * 1000,
    cancelled: () => Boolean(shuttingDown),
  });
  const seconds = (waitedMs / 1000).toFixed(1);
  if (!quiet) return `Postgres was still busy (replication) after ${seconds} s; started anyway`;
  return waitedMs > 3_000
    ? `waited ${seconds} s before it for background replication to Postgres to finish`
    : undefined;
}

async function load(scenario: Scenario, request: NonNullable<Scenario["request"]>, seconds: number) {
  currentLoad = startLoad({
    baseUrl: worker?.baseUrl ?? "",
    connections: CONNECTIONS,
    durationSec: seconds,
    request,
    ...(scenario.onResponse ? { onResponse: scenario.onResponse } : {}),
  });
  try {
    return await currentLoad.result;
  } finally {
    currentLoad = undefined;
  }
}

/** one of each request, so a broken setup fails here with its answer rather than as 100 % errors */
async function smokeTest(baseUrl: string): Promise<void> {
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${baseUrl}${path}`, init);
    const text = await response.text();
    if (!response.ok)
      throw new Error(`smoke test: ${init.method ?? "GET"} ${path} → ${response.status} ${text.slice(0, 300)}`);
    return text;
  };
  const headers = { "content-type": "application/json", "x-company-id": DEMO_COMPANY_ID };
  await call("/api/health");
  const cart = JSON.parse(await call("/api/public/cart", { method: "POST", headers, body: "{}" })) as {
    id: string;
    sessionToken: string;
  };
  const session = { ...headers, "x-session-token": cart.sessionToken };
  const productId = DEMO_PRODUCT_IDS[0];
  await call(`/api/public/cart/${cart.id}/items`, {
    method: "POST",
    headers: session,
    body: JSON.stringify({ productId }),
  });
  await call(`/api/public/cart/${cart.id}/bundles`, {
    method: "POST",
    headers: session,
    body: JSON.stringify({ bundleId: DEMO_BUNDLE_ID }),
  });
}

function summary(report: ScenarioReport): string {
  if (report.status === "not built") return "n/a (not built yet)";
  if (report.status === "failed") return `failed: ${report.detail}`;
  const p95 = report.p95Ms === undefined ? "—" : `${report.p95Ms.toFixed(1)} ms`;
  return `p95 ${p95}, ${Math.round(report.requestsPerSec ?? 0)} req/s, ${report.errors?.total ?? 0} errors`;
}

// ---------------------------------------------------------------------------------------------
// Shutdown
// ---------------------------------------------------------------------------------------------

function shutdown(exitCode: number): Promise<never> {
  shuttingDown ??= (async () => {
    try {
      await worker?.stop();
      await stack?.stop();
    } catch (error) {
      console.error(`[bench] shutdown: ${errorText(error)}`);
      exitCode ||= 1;
    }
    await rm(ENV_FILE, { force: true });
    await rm(WORK_DIR, { recursive: true, force: true }).catch(() => undefined);
    const wranglerLeft = worker?.pid !== undefined ? liveGroupMembers(worker.pid) : [];
    const left = [
      wranglerLeft.length ? `wrangler/workerd (pids ${wranglerLeft.join(", ")})` : undefined,
      stack?.pid !== undefined && isAlive(stack.pid) ? `stack (pid ${stack.pid})` : undefined,
    ].filter(Boolean);
    if (left.length) console.error(`[bench] still running: ${left.join(", ")}`);
    else console.log("[bench] stopped wrangler, the proxy and Postgres");
    process.exit(exitCode);
  })();
  return shuttingDown;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${raw} is not a non-negative number`);
  return value;
}

/** four different free ports (the OS could hand out the same one twice) */
async function freePorts() {
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [pgPort = 0, proxyPort = 0, httpPort = 0, inspectorPort = 0] = ports;
  return { pgPort, proxyPort, httpPort, inspectorPort };
}

function commandLine(): string {
  const settings = ["BENCH_DURATION", "BENCH_WARMUP", "BENCH_SETTLE_MAX", "BENCH_CONNECTIONS"]
    .filter((name) => process.env[name])
    .map((name) => `${name}=${process.env[name]}`);
  const command = process.env.npm_lifecycle_event === "bench" ? "npm run bench" : "node scripts/bench.ts";
  return [...settings, command].join(" ");
}

function autocannonVersion(): string {
  return (createRequire(import.meta.url)("autocannon/package.json") as { version: string }).version;
}

/** a progress line with the time of day, to match against bench-results/wrangler.log */
function say(line: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(0)} s`;
}

main()
  .then(() => shutdown(0))
  .catch(async (error: unknown) => {
    if (shuttingDown) return;
    console.error(`[bench] ${errorText(error, { stack: true })}`);
    await shutdown(1);
  });
