// `npm run bench`: latency and throughput of the hot routes against the runbook's baselines
// (§4.2), on this machine. Starts a throw-away local stack (scripts/lib/supervisor.ts: embedded
// Postgres, the WebSocket proxy, migrations, demo data, and `wrangler dev` on free ports, so a
// running `npm run dev` is not disturbed) serving a bundle of the current source, then runs
// each scenario (scripts/lib/bench-scenarios.ts) with autocannon: a warm-up, then
// BENCH_DURATION seconds at BENCH_CONNECTIONS connections. Prints a table and writes
// bench-results/latest.{json,md}. Ctrl-C (or an error) stops wrangler, the proxy and Postgres.
//
// Before each scenario it waits (up to BENCH_SETTLE_MAX seconds) until Postgres has had no client
// connection for 7 s (longer than the outbox window): the Durable Objects replicate every change to Postgres in the background,
// and one scenario's replication should not spill into the next one's measurement. A mutating
// scenario waits so again after its run, and reports the Postgres sessions (connections) opened
// from before its warm-up until then per 1,000 mutations (pg_stat_database.sessions; the
// mutations counted in Postgres, see Scenario.mutationsInPostgres).
//
// With BENCH_PROFILE=1 it also records a CPU profile of the Worker's isolate (the Worker and its
// Durable Objects) during each scenario's measured run, through wrangler's inspector: written to
// bench-results/profiles/<scenario>.cpuprofile (open it in Chrome DevTools) and summarized by
// module and function in bench-results/profile.md. BENCH_ONLY="item add,bundle add" runs only
// those scenarios (and the trivial route, the yardstick).
//
// The Worker's Durable Objects keep their SQLite files in BENCH_STATE_DIR: by default in memory
// (/dev/shm) where Linux offers it, see `stateParent()`.
//
//   BENCH_DURATION=10  BENCH_WARMUP=2  BENCH_SETTLE_MAX=30  BENCH_CONNECTIONS=100  (BENCH_MERGE_PAIRS)
//   BENCH_PROFILE=0  BENCH_ONLY=  BENCH_STATE_DIR=/dev/shm
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { access, constants, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { errorText } from "../src/lib/error-fields.ts";
import {
  buildReport,
  type LoadResult,
  measuredReport,
  postgresSessionsReport,
  renderMarkdown,
  type ScenarioReport,
  serverCpuReport,
  stealShare,
} from "./lib/bench-report.ts";
import { type BenchContext, CartPool, type Scenario, scenarios, smokeTest, TRIVIAL } from "./lib/bench-scenarios.ts";
import { bundleModules, type CpuProfile, CpuProfiler, renderSummary, summarize } from "./lib/cpu-profile.ts";
import { DEV_JWT_SECRET, mintDemoTokens } from "./lib/demo-tokens.ts";
import { envNumber } from "./lib/env-number.ts";
import { freePort } from "./lib/free-port.ts";
import { PostgresMeter } from "./lib/postgres-meter.ts";
import { cpuSpent, machineCpu, stackCpu } from "./lib/server-cpu.ts";
import { describeStartFailure, REPO_ROOT, type Stack, StartError, startStack, WRANGLER_BIN } from "./lib/supervisor.ts";

const DURATION_SEC = envNumber("BENCH_DURATION", 10);
const WARMUP_SEC = envNumber("BENCH_WARMUP", 2);
const SETTLE_MAX_SEC = envNumber("BENCH_SETTLE_MAX", 30);
const CONNECTIONS = envNumber("BENCH_CONNECTIONS", 100);
const PROFILE = process.env.BENCH_PROFILE === "1";
const ONLY = (process.env.BENCH_ONLY ?? "")
  .split(",")
  .map((name) => name.trim())
  .filter(Boolean);
const RESULTS_DIR = join(REPO_ROOT, "bench-results");
/** the bundle and the config snapshot: emptied before and deleted after each run */
const WORK_DIR = join(REPO_ROOT, ".data", "bench-worker");
const WRANGLER_LOG = join(RESULTS_DIR, "wrangler.log");
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

let stack: Stack | undefined;
let stateDir: string | undefined;
let profiling: { profiler: CpuProfiler; moduleOf: (line: number) => string } | undefined;

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadavg()[0] ?? 0;
  if (loadAtStart > cpus().length / 2) {
    say(`note: this machine is already busy (load average ${loadAtStart.toFixed(1)}); figures will be noisy`);
  }
  await mkdir(join(WORK_DIR, "config"), { recursive: true });
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(WRANGLER_LOG, "");
  // Always a throw-away embedded database: a DATABASE_URL in the shell must not get the bench's rows.
  stack = await startStack({ ownProcess: true, log: say });

  // The bundle a deploy would upload, served with --no-bundle from a snapshot of wrangler.toml
  // (and its assets folder): edits to src/, wrangler.toml or public/ cannot reload the Worker
  // mid-measurement.
  say("bundling the Worker (wrangler deploy --dry-run)");
  const args = [WRANGLER_BIN, "deploy", "--dry-run", "--outdir", join(WORK_DIR, "build")];
  const build = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: "utf8" });
  await writeFile(WRANGLER_LOG, `${build.stdout}${build.stderr}`, { flag: "a" });
  if (build.status !== 0) throw new StartError(`bundling the Worker failed; see ${WRANGLER_LOG}`);
  const config = join(WORK_DIR, "config", "wrangler.toml");
  const toml = await readFile(join(REPO_ROOT, "wrangler.toml"), "utf8");
  await writeFile(config, toml);
  const assets = /^\[assets\][^[]*?^\s*directory\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (assets) await cp(join(REPO_ROOT, assets), join(WORK_DIR, "config", assets), { recursive: true });
  const inspectorPort = await freePort();
  stateDir = await mkdtemp(join(await stateParent(), "crosscart-bench-state-"));
  say(`Durable Object storage: ${stateDir} (thrown away afterwards)`);
  const bundle = join(WORK_DIR, "build", "index.js");
  const baseUrl = await stack.startWrangler({
    isolated: true,
    inspectorPort,
    logFile: WRANGLER_LOG,
    persistTo: stateDir,
    args: [bundle, "--no-bundle", "--config", config, "--log-level", "warn"],
    // Replication as deployed environments run it: no confirming send, which exists only for
    // the local Queues' memory (design 102). With it, each session's send of one scenario's
    // setup was sent again 30 s later, inside the next measured run, and counted against it.
    vars: { REPLICATION_CONFIRM_AFTER_SECONDS: "0" },
    // Nor wrangler's local trace collector, a development tool: with it, a tail worker in the
    // same runtime took about half the CPU time of every scenario (design 104).
    localObservability: false,
  });
  await smokeTest(baseUrl);
  if (PROFILE) {
    profiling = { profiler: await CpuProfiler.connect(inspectorPort), moduleOf: await bundleModules(bundle) };
    await mkdir(join(RESULTS_DIR, "profiles"), { recursive: true });
    await writeFile(join(RESULTS_DIR, "profile.md"), `# CPU profiles (${new Date().toISOString()})\n\n`);
  }
  say(`ready after ${elapsed(started)}: smoke test passed (create, item add, bundle add)`);

  const reports: ScenarioReport[] = [];
  const ctx: BenchContext = {
    baseUrl,
    secondsPerScenario: WARMUP_SEC + DURATION_SEC,
    tokens: await mintDemoTokens(DEV_JWT_SECRET),
    carts: new CartPool(baseUrl),
    throughputOf: (name) => reports.find((r) => r.name === name)?.requestsPerSec,
  };
  const meter = await PostgresMeter.open(stack.databaseUrl);
  try {
    const chosen = scenarios().filter((s) => ONLY.length === 0 || s.name === TRIVIAL || ONLY.includes(s.name));
    for (const scenario of chosen) {
      reports.push(await runScenario(scenario, ctx, meter));
      say(`${scenario.name}: ${summary(reports.at(-1) as ScenarioReport)}`);
    }
  } finally {
    await meter.close();
    profiling?.profiler.close();
  }
  if (stack.failed()) throw new StartError(`wrangler dev or Postgres exited during the run; see ${WRANGLER_LOG}`);

  const settings = {
    connections: CONNECTIONS,
    durationSec: DURATION_SEC,
    warmupSec: WARMUP_SEC,
    settleMaxSec: SETTLE_MAX_SEC,
    stateDir: stateDir ? dirname(stateDir) : undefined,
  };
  const report = buildReport(reports, TRIVIAL, settings, loadAtStart);
  await writeFile(join(RESULTS_DIR, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(RESULTS_DIR, "latest.md"), renderMarkdown(report));
  console.log(`\n${renderMarkdown(report)}`);
  say(`written: bench-results/latest.json, bench-results/latest.md (${elapsed(started)} in all)`);
}

async function runScenario(scenario: Scenario, ctx: BenchContext, meter: PostgresMeter): Promise<ScenarioReport> {
  const { name, target } = scenario;
  if (!scenario.request) return { name, target, status: "not built", notes: [] };
  try {
    await scenario.setup?.(ctx);
    const before = await settle(meter, "before it");
    const sessionsBefore = await meter.sessionsOpened();
    const counted = scenario.mutationsInPostgres;
    const mutationsBefore = counted ? await meter.count(counted) : 0;
    const logFrom = statSync(WRANGLER_LOG).size;
    const cpuBefore = stackCpu();
    let sent = 0;
    if (WARMUP_SEC > 0) {
      say(`${name}: warm-up ${WARMUP_SEC} s`);
      sent += (await load(ctx.baseUrl, scenario, WARMUP_SEC)).sent;
    }
    say(`${name}: ${DURATION_SEC} s at ${CONNECTIONS} connections`);
    await profiling?.profiler.start();
    const machineBefore = machineCpu();
    const result = await load(ctx.baseUrl, scenario, DURATION_SEC);
    const machineAfter = machineCpu();
    sent += result.sent;
    if (profiling) await writeProfile(name, await profiling.profiler.stop(), profiling.moduleOf);
    const notes = [...(scenario.notes?.() ?? []), ...(before.note ? [before.note] : [])];
    const logged = summarizeWorkerLog(logFrom);
    if (logged.length) notes.push(`Worker log (warm-up + run): ${logged.join("; ")}`);
    const report = measuredReport(name, target, result, notes);
    if (counted) {
      // replication of the run's changes opens connections after the run: wait for it
      const after = await settle(meter, "after it");
      const opened = (await meter.sessionsOpened()) - sessionsBefore;
      const mutations = (await meter.count(counted)) - mutationsBefore;
      report.postgresSessions = postgresSessionsReport(opened, mutations, after.settled);
      if (after.note) report.notes.push(after.note);
    }
    // Counted from before the warm-up until replication settled (mutating scenarios), so the
    // background work a scenario's requests cause is charged to them, over every request sent.
    const cpuAfter = stackCpu();
    if (cpuBefore && cpuAfter) report.serverCpu = serverCpuReport(cpuSpent(cpuBefore, cpuAfter), sent);
    if (machineBefore && machineAfter) report.stealShare = stealShare(machineBefore, machineAfter);
    return report;
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

/** The run's CPU profile as a file for DevTools, and its summary in bench-results/profile.md. */
async function writeProfile(scenario: string, profile: CpuProfile, moduleOf: (line: number) => string) {
  const slug = scenario.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
  await writeFile(join(RESULTS_DIR, "profiles", `${slug}.cpuprofile`), JSON.stringify(profile));
  const summary = renderSummary(scenario, summarize(profile, moduleOf));
  await writeFile(join(RESULTS_DIR, "profile.md"), `${summary}\n`, { flag: "a" });
  console.log(`\n${summary}`);
}

// autocannon ships no types; this is the part of its API used here.
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
  onResponse?: (status: number, body: string) => void;
}
type Autocannon = (
  options: { url: string; connections: number; duration: number; timeout: number; requests: AutocannonRequest[] },
  done: (error: Error | null, result: { errors: number; timeouts: number; requests: { sent: number } }) => void,
) => { on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): void };

/**
 * One closed-loop autocannon run (each connection sends its next request when the previous
 * answer is in), requests built one by one by the scenario, every 2xx latency kept so the
 * percentiles are exact.
 */
function load(baseUrl: string, scenario: Scenario, durationSec: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const errorSamples: string[] = [];
  let non2xx = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const setupRequest = (request: AutocannonRequest) => {
      const next = scenario.request?.() ?? { method: "GET", path: "/" };
      // a fresh headers object: autocannon adds Content-Length to it
      return { ...request, ...next, headers: { ...next.headers } };
    };
    const onResponse = (status: number, body: string) => {
      if ((status < 200 || status > 299) && errorSamples.length < 5)
        errorSamples.push(`${status} ${body.slice(0, 300)}`);
      scenario.onResponse?.(status, body);
    };
    const run = autocannon(
      {
        url: baseUrl,
        connections: CONNECTIONS,
        duration: durationSec,
        timeout: 10,
        requests: [{ setupRequest, onResponse }],
      },
      (error, summary) => {
        if (error) return reject(error);
        const ok = latencies.length;
        resolve({
          elapsedSec: (performance.now() - started) / 1000,
          latencies: Float64Array.from(latencies).sort(),
          ok,
          non2xx,
          socketErrors: summary.errors,
          timeouts: summary.timeouts,
          unfinished: Math.max(0, Math.min(CONNECTIONS, summary.requests.sent - ok - non2xx - summary.errors)),
          sent: summary.requests.sent,
          statusCodes,
          errorSamples,
        });
      },
    );
    run.on("response", (_client, status, _bytes, ms) => {
      statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      if (status >= 200 && status <= 299) latencies.push(ms);
      else non2xx += 1;
    });
  });
}

/**
 * Waits until Postgres has had no client connection for 7 s (background replication done);
 * a note when that took a while, or did not happen within BENCH_SETTLE_MAX seconds.
 */
async function settle(
  meter: PostgresMeter,
  when: "before it" | "after it",
): Promise<{ settled: boolean; note?: string }> {
  if (SETTLE_MAX_SEC <= 0) return { settled: false };
  const { waitedMs, settled } = await meter.settle(SETTLE_MAX_SEC * 1000);
  const seconds = (waitedMs / 1000).toFixed(1);
  if (!settled) return { settled, note: `Postgres was still busy (replication) ${seconds} s ${when}; went on anyway` };
  if (waitedMs <= 3_000) return { settled };
  return { settled, note: `waited ${seconds} s ${when} for background replication to Postgres to finish` };
}

/** the Worker's JSON warn/error lines since `from` in its log, grouped and most frequent first: `78× request failed (…)` */
function summarizeWorkerLog(from: number): string[] {
  const counts = new Map<string, number>();
  for (const line of readFileSync(WRANGLER_LOG).subarray(from).toString("utf8").split("\n")) {
    const start = line.indexOf('{"level"');
    if (start < 0) continue;
    let entry: { level?: string; msg?: string; error?: string | { message?: string } };
    try {
      entry = JSON.parse(line.slice(start, line.lastIndexOf("}") + 1));
    } catch {
      continue;
    }
    if (entry.level !== "warn" && entry.level !== "error") continue;
    const raw = typeof entry.error === "string" ? entry.error : (entry.error?.message ?? "");
    const cause = raw.split("\n")[0]?.replace(/^(Uncaught )?(Error|error): /, "") ?? "";
    const key = `${entry.msg ?? "?"}${cause ? ` (${cause.length > 70 ? `${cause.slice(0, 70)}…` : cause})` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([key, count]) => `${count}× ${key}`);
}

function summary(report: ScenarioReport): string {
  if (report.status === "not built") return "n/a (not built yet)";
  if (report.status === "failed") return `failed: ${report.detail}`;
  const p95 = report.p95Ms === undefined ? "—" : `${report.p95Ms.toFixed(1)} ms`;
  const per1000 = report.postgresSessions?.per1000Mutations;
  const sessions = per1000 === undefined ? "" : `, ${per1000.toFixed(1)} Postgres sessions per 1,000 mutations`;
  return `p95 ${p95}, ${Math.round(report.requestsPerSec ?? 0)} req/s, ${report.errors?.total ?? 0} errors${sessions}`;
}

/**
 * Where the throw-away Durable Object files go: BENCH_STATE_DIR, else /dev/shm (memory) when it
 * is writable, else the temporary folder. Locally every storage commit is an fsync and every new
 * object a file created, on workerd's one thread: on this VM's disk that was a third of a
 * merge's CPU time (design 108). Deployed objects pay neither on the request's thread (their
 * storage replicates off it), so the bench keeps them off the disk. BENCH_STATE_DIR=/tmp
 * measures with the disk.
 */
async function stateParent(): Promise<string> {
  if (process.env.BENCH_STATE_DIR) return process.env.BENCH_STATE_DIR;
  try {
    await access("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

/** a progress line with the time of day, to match against bench-results/wrangler.log */
function say(line: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(0)} s`;
}

await rm(WORK_DIR, { recursive: true, force: true });
const exitCode = await main().then(
  () => 0,
  (error: unknown) => {
    console.error(`[bench] ${describeStartFailure(error)}`);
    return 1;
  },
);
await stack?.stop();
await rm(WORK_DIR, { recursive: true, force: true });
if (stateDir) await rm(stateDir, { recursive: true, force: true });
say("stopped wrangler, the proxy and Postgres");
process.exit(exitCode);
