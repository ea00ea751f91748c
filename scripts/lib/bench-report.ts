// The benchmark's results: one row per scenario, printed as a table and written to
// bench-results/latest.json and latest.md with the machine they were measured on.
import { execFileSync } from "node:child_process";
import { cpus, release, totalmem, type } from "node:os";
import type { LoadResult } from "./bench-autocannon.ts";
import { percentile } from "./bench-autocannon.ts";
import type { RunbookTarget } from "./bench-scenarios.ts";

/** the runbook's alerting warning level for errors (§4.3); above it a scenario fails */
const MAX_ERROR_RATE = 0.01;

export interface ScenarioReport {
  name: string;
  status: "ok" | "not built" | "failed";
  /** why it failed */
  detail?: string;
  target?: RunbookTarget;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  /** 2xx responses per second */
  requestsPerSec?: number;
  /** responses and errors of the measured run */
  responses?: number;
  errors?: { total: number; non2xx: number; socket: number; timeouts: number };
  /** requests still unanswered when the run ended */
  unfinished?: number;
  statusCodes?: Record<string, number>;
  errorSamples?: string[];
  verdict?: "PASS" | "FAIL";
  /** this P95 over the trivial route's P95 */
  p95RatioToTrivial?: number;
  notes: string[];
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
  config: { connections: number; durationSec: number; warmupSec: number; settleMaxSec: number };
  scenarios: ScenarioReport[];
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

/** fills in each scenario's P95 ratio to the trivial route */
export function relateToTrivial(scenarios: ScenarioReport[], trivialName: string): void {
  const trivial = scenarios.find((s) => s.name === trivialName)?.p95Ms;
  for (const scenario of scenarios) {
    if (trivial && scenario.p95Ms !== undefined) scenario.p95RatioToTrivial = scenario.p95Ms / trivial;
  }
}

export function machineInfo(versions: {
  wrangler: string;
  autocannon: string;
  loadAtStart: number;
}): BenchReport["machine"] {
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpu: cpuList[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    wrangler: versions.wrangler,
    autocannon: versions.autocannon,
    commit: gitCommit(),
    loadAverageAtStart: Math.round(versions.loadAtStart * 100) / 100,
  };
}

function gitCommit(): string {
  try {
    const run = (...args: string[]) => execFileSync("git", args, { encoding: "utf8", stdio: "pipe" }).trim();
    const sha = run("rev-parse", "--short", "HEAD");
    return run("status", "--porcelain", "--untracked-files=no") ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return "unknown";
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

const HEADERS = [
  "scenario",
  "p50 ms",
  "p95 ms",
  "p99 ms",
  "req/s",
  "errors",
  "runbook P95 target",
  "P95 vs target",
  "P95 ÷ trivial",
];

function cells(s: ScenarioReport): string[] {
  const target = s.target ? `< ${s.target.p95Ms} ms` : "—";
  if (s.status !== "ok") return [s.name, message(s), "", "", "", "", target, "", ""];
  return [
    s.name,
    ms(s.p50Ms),
    ms(s.p95Ms),
    ms(s.p99Ms),
    s.requestsPerSec === undefined ? "—" : Math.round(s.requestsPerSec).toString(),
    s.errors ? String(s.errors.total) : "—",
    target,
    s.verdict ?? "—",
    s.p95RatioToTrivial === undefined ? "—" : `${s.p95RatioToTrivial.toFixed(1)}×`,
  ];
}

function ms(value: number | undefined): string {
  if (value === undefined) return "—";
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

export function renderTable(report: BenchReport): string {
  const rows = report.scenarios.map((s) => ({ cells: cells(s), message: s.status === "ok" ? undefined : message(s) }));
  const widths = HEADERS.map((header, col) =>
    Math.max(
      width(header),
      ...rows.filter((row) => !row.message || col === 0 || col >= 6).map((row) => width(row.cells[col])),
    ),
  );
  // A not-built or failed row has one message across the measurement columns (1–5).
  const span = () => widths.slice(1, 6).reduce((sum, w) => sum + w, 0) + 3 * 4;
  for (const row of rows) {
    if (row.message && width(row.message) > span()) widths[1] = (widths[1] ?? 0) + width(row.message) - span();
  }
  const at = (col: number) => widths[col] ?? 0;
  const numeric = (col: number) => col >= 1 && col <= 5;
  const header = HEADERS.map((cell, col) => pad(cell, at(col))).join(" | ");
  const rule = widths.map((w) => "-".repeat(w)).join("-+-");
  const body = rows.map(({ cells: row, message: text }) => {
    const out = text
      ? [pad(row[0] ?? "", at(0)), pad(text, span()), ...row.slice(6).map((cell, i) => pad(cell, at(6 + i)))]
      : row.map((cell, col) => (numeric(col) ? padStart(cell, at(col)) : pad(cell, at(col))));
    return out.join(" | ").trimEnd();
  });
  return [header.trimEnd(), rule, ...body].join("\n");
}

function message(s: ScenarioReport): string {
  return s.status === "not built" ? "n/a (not built yet)" : `failed: ${s.detail ?? "?"}`;
}

export function renderText(report: BenchReport): string {
  return [
    renderTable(report),
    "",
    ...notesOf(report).map((line) => `  ${line}`),
    "",
    report.environment,
    `${report.machine.cores} cores (${report.machine.cpu}), ${report.machine.memoryGiB} GiB, ${report.machine.os}, Node ${report.machine.node}, wrangler ${report.machine.wrangler}, autocannon ${report.machine.autocannon}, commit ${report.machine.commit}; load average ${report.machine.loadAverageAtStart} before the run`,
    `${report.config.connections} connections, ${report.config.durationSec} s per scenario after ${report.config.warmupSec} s warm-up; ${report.date}; \`${report.command}\``,
  ].join("\n");
}

export function renderMarkdown(report: BenchReport): string {
  const rows = report.scenarios.map(cells);
  const escapeCell = (cell: string) => cell.replaceAll("|", "\\|");
  const table = [
    `| ${HEADERS.join(" | ")} |`,
    `|${HEADERS.map((_, i) => (i === 0 || i === 6 || i === 7 ? "---" : "---:")).join("|")}|`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(" | ")} |`),
  ];
  const m = report.machine;
  return [
    "# crosscart benchmark",
    "",
    `${report.date} · \`${report.command}\` · commit ${m.commit}`,
    "",
    ...table,
    "",
    ...notesOf(report).map((line) => `- ${line}`),
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
    `| load | ${report.config.connections} connections, ${report.config.durationSec} s per scenario after ${report.config.warmupSec} s warm-up (each started once Postgres was quiet, waiting ≤ ${report.config.settleMaxSec} s) |`,
    "",
  ].join("\n");
}

function notesOf(report: BenchReport): string[] {
  const lines: string[] = [];
  for (const s of report.scenarios) {
    for (const note of s.notes) lines.push(`${s.name}: ${note}`);
    for (const sample of s.errorSamples?.slice(0, 2) ?? [])
      lines.push(`${s.name}: e.g. ${sample.replaceAll("\n", " ")}`);
  }
  return lines;
}

function width(text: string | undefined): number {
  return [...(text ?? "")].length;
}
function pad(text: string, size: number): string {
  return text + " ".repeat(Math.max(0, size - width(text)));
}
function padStart(text: string, size: number): string {
  return " ".repeat(Math.max(0, size - width(text))) + text;
}
