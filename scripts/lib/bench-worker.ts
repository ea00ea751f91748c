// The benchmark's Worker: bundled once up front (`wrangler deploy --dry-run`, the same bundle a
// deploy would upload), then served by `wrangler dev --no-bundle` from that copy and from a
// snapshot of wrangler.toml (and its assets folder), so edits to src/, wrangler.toml or public/
// while the bench runs cannot reload the Worker mid-measurement. Its variables come from an
// env file of its own (--env-file; the developer's .dev.vars is left alone), its Durable Object
// storage from a folder of its own (--persist-to), and its output goes to a log file.
import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from "node:fs";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join } from "node:path";
import { REPO_ROOT } from "./local-stack.ts";

const require = createRequire(import.meta.url);
export const WRANGLER_BIN = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
export const WRANGLER_VERSION = (require("wrangler/package.json") as { version: string }).version;

/** how long wrangler gets per signal before the next, harsher one */
const GRACE_MS = 8_000;

export interface WorkerOptions {
  /** folder for the bundle */
  buildDir: string;
  /** folder for the snapshot of wrangler.toml (and its assets folder) */
  configDir: string;
  /** Durable Object storage folder */
  stateDir: string;
  envFile: string;
  port: number;
  inspectorPort: number;
  /** wrangler's output (build and dev) is appended here */
  logFile: string;
}

export interface BenchWorker {
  baseUrl: string;
  /** the wrangler process (leader of its own process group) */
  pid: number | undefined;
  /** resolves once GET /api/health answers 200 */
  ready(timeoutMs?: number): Promise<void>;
  hasExited(): boolean;
  /** stops wrangler and workerd; safe to call more than once */
  stop(): Promise<void>;
}

/**
 * Copies wrangler.toml, and the assets folder it names, into `configDir`, keeping their
 * relative layout (so relative paths in the copy still resolve); returns the copy's path.
 */
export async function snapshotConfig(configDir: string): Promise<string> {
  const text = await readFile(join(REPO_ROOT, "wrangler.toml"), "utf8");
  await mkdir(configDir, { recursive: true });
  const config = join(configDir, "wrangler.toml");
  await writeFile(config, text);
  const assets = /^\[assets\][^[]*?^\s*directory\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  if (assets && !isAbsolute(assets) && existsSync(join(REPO_ROOT, assets))) {
    await cp(join(REPO_ROOT, assets), join(configDir, assets), { recursive: true });
  }
  return config;
}

/** bundles the Worker into `buildDir`; returns the entry file */
export async function buildWorker(options: Pick<WorkerOptions, "buildDir" | "logFile">): Promise<string> {
  const args = ["deploy", "--dry-run", "--outdir", options.buildDir];
  appendFileSync(options.logFile, `$ wrangler ${args.join(" ")}\n`);
  const child = spawnWrangler(args, options.logFile, false);
  const code = await new Promise<number | null>((done) => child.once("exit", (exitCode) => done(exitCode)));
  if (code !== 0) throw new Error(`bundling the Worker failed (wrangler exited ${code}); see ${options.logFile}`);
  return join(options.buildDir, "index.js");
}

export function startWorker(entry: string, options: WorkerOptions): BenchWorker {
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const args = [
    "dev",
    entry,
    "--no-bundle",
    "--config",
    join(options.configDir, "wrangler.toml"),
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--inspector-port",
    String(options.inspectorPort),
    "--env-file",
    options.envFile,
    "--persist-to",
    options.stateDir,
    "--log-level",
    "warn",
    "--show-interactive-dev-session=false",
  ];
  appendFileSync(options.logFile, `\n$ wrangler ${args.join(" ")}\n`);
  // Its own process group: stop() can then take workerd down with it if wrangler hangs.
  const child = spawnWrangler(args, options.logFile, true);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;

  let stopping: Promise<void> | undefined;
  return {
    baseUrl,
    pid: child.pid,
    hasExited,
    ready: async (timeoutMs = 90_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (hasExited()) throw new Error(`wrangler dev exited during start-up; see ${options.logFile}`);
        try {
          const response = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
          if (response.ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((done) => setTimeout(done, 300));
      }
      throw new Error(`wrangler dev did not answer on ${baseUrl} within ${timeoutMs / 1000} s; see ${options.logFile}`);
    },
    stop: () => {
      stopping ??= (async () => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) {
          if (hasExited()) break;
          child.kill(signal);
          const timedOut = await Promise.race([
            exited.then(() => false),
            new Promise<boolean>((done) => setTimeout(() => done(true), GRACE_MS).unref()),
          ]);
          if (!timedOut) break;
          console.error(`[bench] wrangler ignored ${signal}`);
        }
        // Whatever is left of the group (workerd if wrangler was killed, or wrangler itself).
        if (child.pid !== undefined) killGroup(child.pid);
        if (!hasExited()) await exited;
      })();
      return stopping;
    },
  };
}

function spawnWrangler(args: string[], logFile: string, detached: boolean): ChildProcess {
  // The local wrangler, started with this same Node 22. Its output goes straight to the log
  // file (not through this process, which keeps autocannon's clock).
  const fd = openSync(logFile, "a");
  try {
    return spawn(process.execPath, [WRANGLER_BIN, ...args], {
      cwd: REPO_ROOT,
      detached,
      stdio: ["ignore", fd, fd],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    });
  } finally {
    closeSync(fd);
  }
}

/** SIGKILLs what is left of a process group; true when something was */
export function killGroup(pgid: number): boolean {
  try {
    process.kill(-pgid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

/**
 * The live processes of a process group (zombies, which some container inits never reap, do
 * not count). Reads /proc; elsewhere, asks the kernel whether the group has any process.
 */
export function liveGroupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  const live: number[] = [];
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // pid (comm) state ppid pgrp …; comm may contain spaces and parentheses
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") live.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return live;
}

/** the log file's current size: where the next scenario's lines will start */
export function logOffset(logFile: string): number {
  try {
    return statSync(logFile).size;
  } catch {
    return 0;
  }
}

/**
 * What the Worker logged (its JSON warn/error lines) in a slice of the log, grouped by message
 * and error and most frequent first, e.g. `78× request failed (Failed query: select …)`.
 */
export function summarizeWorkerLog(logFile: string, from: number, to = logOffset(logFile), top = 4): string[] {
  if (to <= from) return [];
  const buffer = Buffer.alloc(to - from);
  const fd = openSync(logFile, "r");
  try {
    readSync(fd, buffer, 0, buffer.length, from);
  } finally {
    closeSync(fd);
  }
  const counts = new Map<string, number>();
  for (const line of buffer.toString("utf8").split("\n")) {
    const start = line.indexOf('{"level"');
    const end = line.lastIndexOf("}");
    if (start < 0 || end < start) continue;
    let entry: { level?: string; msg?: string; error?: unknown };
    try {
      entry = JSON.parse(line.slice(start, end + 1));
    } catch {
      continue;
    }
    if (entry.level !== "warn" && entry.level !== "error") continue;
    const raw =
      typeof entry.error === "string"
        ? entry.error
        : typeof entry.error === "object" && entry.error && "message" in entry.error
          ? String(entry.error.message)
          : "";
    const cause = raw.split("\n")[0]?.replace(/^(Uncaught )?(Error|error): /, "") ?? "";
    const key = `${entry.msg ?? "?"}${cause ? ` (${cause.length > 70 ? `${cause.slice(0, 70)}…` : cause})` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, count]) => `${count}× ${key}`);
}
