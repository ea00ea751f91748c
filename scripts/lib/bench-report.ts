// The benchmark's results: one row per scenario, printed as a table and written to
// bench-results/latest.json and latest.md with the machine they were measured on.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus, release, totalmem, type } from "node:os";
import type { RunbookTarget } from "./bench-scenarios.ts";
import type { CpuByPart, MachineCpu } from "./server-cpu.ts";

/** the runbook's alerting warning level for errors (§4.3); above it a scenario fails */
const MAX_ERROR_RATE = 0.01;
/** issue 13's target for what replication costs Postgres: connections per 1,000 mutations */
export const MAX_PG_SESSIONS_PER_1K = 20;

/**
 * One autocannon run: the latencies of its 2xx answers (ascending), socket errors (timeouts
 * included), requests unanswered when it ended (≤ one per connection), a few non-2xx bodies.
 */
export interface LoadResult {
  elapsedSec: number;
  latencies: Float64Array;
  ok: number;
  non2xx: number;
  socketErrors: number;
  timeouts: number;
  unfinished: number;
  /** requests sent, answered or not (the server still completes the ones unanswered at the end) */
  sent: number;
  statusCodes: Record<string, number>;
  errorSamples: string[];
}

/** one row: latencies of the 2xx answers, 2xx per second, the answers and errors of the measured run */
export interface ScenarioReport {
  name: string;
  status: "ok" | "not built" | "failed";
  /** why it failed */
  detail?: string;
  target?: RunbookTarget;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  requestsPerSec?: number;
  responses?: number;
  errors?: { total: number; non2xx: number; socket: number; timeouts: number };
  unfinished?: number;
  statusCodes?: Record<string, number>;
  errorSamples?: string[];
  verdict?: "PASS" | "FAIL";
  /** this P95 over the trivial route's P95 */
  p95RatioToTrivial?: number;
  /** these requests per second over the trivial route's: issue 17's yardstick */
  throughputRatioToTrivial?: number;
  /** the CPU time the local stack spent per request (server-cpu.ts) */
  serverCpu?: ServerCpu;
  /** the share of the machine's CPU time the host took for other VMs during the measured run */
  stealShare?: number;
  /** mutating scenarios: what they (and the replication of their changes) cost Postgres */
  postgresSessions?: PostgresSessions;
  notes: string[];
}

/**
 * Postgres sessions (connections) opened from just before the warm-up until replication had
 * settled after the run, per 1,000 mutations made over the warm-up and the run (counted in Postgres).
 */
export interface PostgresSessions {
  opened: number;
  mutations: number;
  per1000Mutations?: number;
  /** false: replication was still running when counted, so `opened` is a lower bound */
  settled: boolean;
  verdict?: "PASS" | "FAIL";
}

export function postgresSessionsReport(opened: number, mutations: number, settled: boolean): PostgresSessions {
  if (mutations === 0) return { opened, mutations, settled };
  const per1000Mutations = (opened / mutations) * 1000;
  const verdict = per1000Mutations <= MAX_PG_SESSIONS_PER_1K && settled ? "PASS" : "FAIL";
  return { opened, mutations, per1000Mutations, settled, verdict };
}

/**
 * CPU time of the stack's processes (workerd, Postgres, the WebSocket proxy, wrangler) from
 * before the warm-up until the scenario's replication had settled, over every request sent.
 */
export interface ServerCpu {
  requests: number;
  perRequestMs: number;
  byPartPerRequestMs: CpuByPart;
  /** this CPU per request over the trivial route's */
  ratioToTrivial?: number;
}

export function serverCpuReport(spent: CpuByPart, requests: number): ServerCpu | undefined {
  if (requests === 0) return undefined;
  const byPartPerRequestMs: CpuByPart = {};
  for (const [part, ms] of Object.entries(spent)) if (ms > 0) byPartPerRequestMs[part] = ms / requests;
  const perRequestMs = Object.values(byPartPerRequestMs).reduce((sum, ms) => sum + ms, 0);
  return { requests, perRequestMs, byPartPerRequestMs };
}

export function stealShare(before: MachineCpu, after: MachineCpu): number | undefined {
  const steal = after.stealMs - before.stealMs;
  const total = steal + (after.busyMs - before.busyMs) + (after.idleMs - before.idleMs);
  return total > 0 ? steal / total : undefined;
}

export interface BenchReport {
  date: string;
  command: string;
  environment: string;
  machine: {
    cores: number;
    cpu: string;
    memoryGiB: number;
    os: string;
    node: string;
    wrangler: string;
    autocannon: string;
    commit: string;
    /** 1-minute load average before the bench started anything: other work on the machine */
    loadAverageAtStart: number;
  };
  config: { connections: number; durationSec: number; warmupSec: number; settleMaxSec: number; stateDir?: string };
  scenarios: ScenarioReport[];
}

/** nearest-rank percentile of ascending values */
function percentile(sorted: Float64Array, p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

export function measuredReport(
  name: string,
  target: RunbookTarget | undefined,
  result: LoadResult,
  notes: string[],
): ScenarioReport {
  const errors = result.non2xx + result.socketErrors;
  const attempts = result.ok + errors;
  const p95 = percentile(result.latencies, 95);
  const errorRate = attempts ? errors / attempts : 0;
  let verdict: ScenarioReport["verdict"];
  if (target) {
    verdict = p95 !== undefined && p95 < target.p95Ms && errorRate <= MAX_ERROR_RATE ? "PASS" : "FAIL";
    if (errorRate > MAX_ERROR_RATE) notes.push(`FAIL: ${(errorRate * 100).toFixed(1)} % errors (> 1 %)`);
  }
  const failing = Object.entries(result.statusCodes).filter(([status]) => !status.startsWith("2"));
  if (failing.length) notes.push(`non-2xx: ${failing.map(([status, count]) => `${status} ×${count}`).join(", ")}`);
  if (result.socketErrors) notes.push(`socket errors: ${result.socketErrors} (of which timeouts: ${result.timeouts})`);
  if (attempts === 0)
    notes.push(`no answer at all within the run (${result.unfinished} requests still waiting at the end)`);
  return {
    name,
    status: "ok",
    target,
    p50Ms: percentile(result.latencies, 50),
    p95Ms: p95,
    p99Ms: percentile(result.latencies, 99),
    requestsPerSec: result.ok / result.elapsedSec,
    responses: result.ok + result.non2xx,
    errors: { total: errors, non2xx: result.non2xx, socket: result.socketErrors, timeouts: result.timeouts },
    unfinished: result.unfinished,
    statusCodes: result.statusCodes,
    errorSamples: result.errorSamples,
    verdict,
    notes,
  };
}

const ENVIRONMENT =
  "Measured on `wrangler dev` (workerd, local Durable Object storage, embedded Postgres) on this machine, " +
  "with autocannon on the same cores: the figures are relative, not production latencies. " +
  "The trivial route (GET /api/health) shows this runtime's ceiling; the ÷ trivial columns compare with it. " +
  "Server CPU is the CPU time of the stack's processes (workerd, Postgres, the WebSocket proxy; not autocannon) " +
  "from the warm-up until the scenario's replication settled, per request sent: it moves far less than req/s " +
  "when the host gives the cores to other machines for a while. " +
  "The load is a closed loop (each connection sends its next request when the previous one is answered), so " +
  "latency ≈ connections ÷ throughput: a P95 under 100 ms at 100 connections takes about 1,000 req/s.";

/** the whole report: the rows (with their P95 ÷ the trivial route's), the settings, the machine */
export function buildReport(
  scenarios: ScenarioReport[],
  trivialName: string,
  config: BenchReport["config"],
  loadAtStart: number,
): BenchReport {
  const trivial = scenarios.find((s) => s.name === trivialName);
  for (const s of scenarios) {
    if (trivial?.p95Ms && s.p95Ms !== undefined) s.p95RatioToTrivial = s.p95Ms / trivial.p95Ms;
    if (trivial?.requestsPerSec && s.requestsPerSec !== undefined)
      s.throughputRatioToTrivial = s.requestsPerSec / trivial.requestsPerSec;
    if (trivial?.serverCpu && s.serverCpu)
      s.serverCpu.ratioToTrivial = s.serverCpu.perRequestMs / trivial.serverCpu.perRequestMs;
  }
  const settings = ["BENCH_DURATION", "BENCH_WARMUP", "BENCH_SETTLE_MAX", "BENCH_CONNECTIONS"]
    .filter((name) => process.env[name])
    .map((name) => `${name}=${process.env[name]}`);
  const npm = process.env.npm_lifecycle_event === "bench";
  const version = (name: string) =>
    (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8", stdio: "pipe" }).trim();
  let commit = "unknown";
  try {
    commit = git("rev-parse", "--short", "HEAD");
    if (git("status", "--porcelain", "--untracked-files=no")) commit += " (with uncommitted changes)";
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    command: [...settings, npm ? "npm run bench" : "node scripts/bench.ts"].join(" "),
    environment: ENVIRONMENT,
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model.trim() ?? "unknown",
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      os: `${type()} ${release()}`,
      node: process.version,
      wrangler: version("wrangler"),
      autocannon: version("autocannon"),
      commit,
      loadAverageAtStart: Math.round(loadAtStart * 100) / 100,
    },
    config,
    scenarios,
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

const HEADERS = [
  ..."scenario,p50 ms,p95 ms,p99 ms,req/s,req/s ÷ trivial,errors,runbook P95 target,P95 vs target,P95 ÷ trivial".split(
    ",",
  ),
  `PG sessions per 1,000 mutations (target ≤ ${MAX_PG_SESSIONS_PER_1K})`,
  "server CPU ms per request (÷ trivial)",
];
/** the columns of text, left-aligned: the scenario, the target and the verdict */
const TEXT_COLUMNS = [0, 7, 8];

/** a row; a not-built or failed scenario has its message in the first measurement column */
function cells(s: ScenarioReport): string[] {
  const target = s.target ? `< ${s.target.p95Ms} ms` : "—";
  if (s.status !== "ok") {
    const message = s.status === "not built" ? "n/a (not built yet)" : `failed: ${s.detail ?? "?"}`;
    return [s.name, message, "", "", "", "", "", target, "", "", "", ""];
  }
  const ms = (v: number | undefined) =>
    v === undefined ? "—" : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
  return [
    s.name,
    ms(s.p50Ms),
    ms(s.p95Ms),
    ms(s.p99Ms),
    s.requestsPerSec === undefined ? "—" : Math.round(s.requestsPerSec).toString(),
    s.throughputRatioToTrivial === undefined ? "—" : s.throughputRatioToTrivial.toFixed(2),
    s.errors ? String(s.errors.total) : "—",
    target,
    s.verdict ?? "—",
    s.p95RatioToTrivial === undefined ? "—" : `${s.p95RatioToTrivial.toFixed(1)}×`,
    sessionsCell(s.postgresSessions),
    cpuCell(s.serverCpu),
  ];
}

function cpuCell(cpu: ServerCpu | undefined): string {
  if (!cpu) return "—";
  const ratio = cpu.ratioToTrivial === undefined ? "" : ` (${cpu.ratioToTrivial.toFixed(1)}×)`;
  return `${cpu.perRequestMs.toFixed(2)}${ratio}`;
}

function sessionsCell(sessions: PostgresSessions | undefined): string {
  if (sessions?.per1000Mutations === undefined) return "—";
  const bound = sessions.settled ? "" : "≥ ";
  return `${bound}${sessions.per1000Mutations.toFixed(1)} ${sessions.verdict}`;
}

export function renderMarkdown(report: BenchReport): string {
  const { machine: m, config: c } = report;
  return [
    "# crosscart benchmark",
    "",
    `${report.date} · \`${report.command}\` · commit ${m.commit}`,
    "",
    `| ${HEADERS.join(" | ")} |`,
    `|${HEADERS.map((_, i) => (TEXT_COLUMNS.includes(i) ? "---" : "---:")).join("|")}|`,
    ...report.scenarios.map(
      (s) =>
        `| ${cells(s)
          .map((cell) => cell.replaceAll("|", "\\|"))
          .join(" | ")} |`,
    ),
    "",
    ...notesOf(report).map((note) => `- ${note}`),
    "",
    `> ${report.environment}`,
    "",
    "| machine | |",
    "|---|---|",
    `| cores | ${m.cores} (${m.cpu}) |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os} |`,
    `| Node | ${m.node} |`,
    `| wrangler | ${m.wrangler} |`,
    `| autocannon | ${m.autocannon} |`,
    `| load average before the run | ${m.loadAverageAtStart} (other work on the machine) |`,
    `| load | ${c.connections} connections, ${c.durationSec} s per scenario after ${c.warmupSec} s warm-up (each started once Postgres was quiet, waiting ≤ ${c.settleMaxSec} s) |`,
    ...(c.stateDir ? [`| Durable Object files | ${c.stateDir} (BENCH_STATE_DIR) |`] : []),
    "",
  ].join("\n");
}

function notesOf(report: BenchReport): string[] {
  return report.scenarios.flatMap((s) => [
    ...(s.postgresSessions ? [`${s.name}: ${sessionsNote(s.postgresSessions)}`] : []),
    ...(s.serverCpu ? [`${s.name}: ${cpuNote(s.serverCpu, s.stealShare)}`] : []),
    ...s.notes.map((note) => `${s.name}: ${note}`),
    ...(s.errorSamples ?? []).slice(0, 2).map((sample) => `${s.name}: e.g. ${sample.replaceAll("\n", " ")}`),
  ]);
}

function cpuNote(cpu: ServerCpu, steal: number | undefined): string {
  const parts = Object.entries(cpu.byPartPerRequestMs)
    .sort((a, b) => b[1] - a[1])
    .map(([part, ms]) => `${part} ${ms.toFixed(2)}`)
    .join(", ");
  const stolen =
    steal === undefined ? "" : `; the host took ${(steal * 100).toFixed(0)} % of the CPU time during the run`;
  return `server CPU ms per request over ${cpu.requests.toLocaleString("en-US")} requests: ${parts}${stolen}`;
}

function sessionsNote({ opened, mutations, settled }: PostgresSessions): string {
  const count = (n: number) => n.toLocaleString("en-US");
  const when = settled ? "once replication had settled" : "while replication was still running (a lower bound)";
  return `${count(opened)} Postgres sessions opened for ${count(mutations)} mutations (warm-up + run, counted in Postgres), counted ${when}`;
}
