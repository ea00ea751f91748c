// The CPU time the bench's local stack spends, read from /proc (Linux): every process the bench
// started (workerd under wrangler, Postgres and its backends, the WebSocket proxy), not the
// bench itself, which runs autocannon. CPU time per request is what a change to the hot path
// cuts, and unlike requests per second it barely moves when another VM on the host takes the
// cores for a while (steal time is not charged to any process), so runs on a noisy box compare.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** CPU milliseconds by part of the stack */
export type CpuByPart = Record<string, number>;

/** What the machine's CPUs did over a span: busy (all processes), stolen by the host, idle. */
export interface MachineCpu {
  busyMs: number;
  stealMs: number;
  idleMs: number;
}

const TICKS_PER_SECOND = clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** Which part of the stack a process is, from its command line. */
function partOf(command: string): string {
  if (command.includes("workerd")) return "workerd";
  if (command.includes("postgres")) return "postgres";
  if (command.includes("ws-proxy")) return "proxy";
  if (command.includes("wrangler")) return "wrangler";
  return "other";
}

interface ProcessCpu {
  pid: number;
  parent: number;
  /** own CPU time plus that of its children already exited and reaped (Postgres backends) */
  ticks: number;
  command: string;
}

function readProcess(pid: number): ProcessCpu | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command name (2nd field) is in parentheses and may hold spaces: split after it
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    return {
      pid,
      parent: Number(fields[1]),
      ticks: (utime ?? 0) + (stime ?? 0) + (cutime ?? 0) + (cstime ?? 0),
      command,
    };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** CPU ms so far of every descendant of this process, by part; undefined where /proc is missing. */
export function stackCpu(): CpuByPart | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const all = entries.flatMap((name) => (/^\d+$/.test(name) ? [readProcess(Number(name))] : []));
  const children = new Map<number, ProcessCpu[]>();
  for (const proc of all) {
    if (!proc) continue;
    children.set(proc.parent, [...(children.get(proc.parent) ?? []), proc]);
  }
  const byPart: CpuByPart = {};
  // The bench's own time (autocannon) is not counted. A process with no part of its own (an
  // esbuild helper under wrangler) counts towards its parent's.
  const walk = (pid: number, parentPart: string) => {
    for (const child of children.get(pid) ?? []) {
      const own = partOf(child.command);
      const part = own === "other" ? parentPart : own;
      byPart[part] = (byPart[part] ?? 0) + (child.ticks * 1000) / TICKS_PER_SECOND;
      walk(child.pid, part);
    }
  };
  walk(process.pid, "other");
  return byPart;
}

/** The whole machine's CPU time so far (/proc/stat's first line), in ms. */
export function machineCpu(): MachineCpu | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const ms = (ticks: number | undefined) => ((ticks ?? 0) * 1000) / TICKS_PER_SECOND;
    return {
      busyMs: ms((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)),
      stealMs: ms(steal),
      idleMs: ms((idle ?? 0) + (iowait ?? 0)),
    };
  } catch {
    return undefined;
  }
}

/** `after - before`, part by part */
export function cpuSpent(before: CpuByPart, after: CpuByPart): CpuByPart {
  const spent: CpuByPart = {};
  for (const [part, ms] of Object.entries(after)) spent[part] = Math.max(0, ms - (before[part] ?? 0));
  return spent;
}
