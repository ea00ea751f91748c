// The one supervisor of the local stack, for `npm run dev`, `npm run bench`, `npm run bench:data`
// and the browser tests (test/e2e/stack.ts): a database (embedded Postgres, or DATABASE_URL),
// the WebSocket→TCP proxy the Neon driver needs to reach a local Postgres, the migrations, the
// demo data, then `wrangler dev`. Every service is a child process in a process group of its
// own; the supervisor waits until each is ready, forwards its output, and stops them all,
// youngest first and whole groups (wrangler with its workerd), on stop(), on Ctrl-C / SIGTERM /
// SIGHUP and when one of them dies. If this process itself crashes, an exit hook still takes
// them down.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { constants, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { errorText } from "../../src/lib/error-fields.ts";
import { seedDemoData } from "./demo-data.ts";
import { DEV_JWT_SECRET, DEV_SESSION_TOKEN_KEY, mintDemoTokens } from "./demo-tokens.ts";
import { isPortFree, StartError, startLocalPostgres } from "./embedded-postgres.ts";
import { freePort } from "./free-port.ts";
import { migrateDatabase } from "./migrate.ts";
import { spawnWsProxy } from "./ws-proxy.ts";

export { StartError };
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const require = createRequire(import.meta.url);
export const WRANGLER_BIN = join(require.resolve("wrangler/package.json"), "..", "bin", "wrangler.js");
/** how long a service gets per signal (SIGINT, SIGTERM) before the next, harsher one */
const GRACE_MS = 8_000;

export interface StackOptions {
  /** an existing database to use instead of an embedded one (`npm run dev`: $DATABASE_URL) */
  databaseUrl?: string;
  /** embedded Postgres data folder, kept between runs; omitted: a throw-away one */
  dataDir?: string;
  /** embedded Postgres port; default a free one */
  pgPort?: number;
  /** the WebSocket proxy's port when free (else any free one); default any free one */
  proxyPort?: number;
  /** start the WebSocket proxy (default true; only the Worker needs it) */
  proxy?: boolean;
  /** upsert the demo catalog (default true); migrations are always applied */
  seed?: boolean;
  /**
   * This process is the stack's (dev, bench): a signal stops everything and exits with
   * `exitCodeOnSignal` (default 128 + the signal's number), a service that dies stops the rest
   * and exits with its code. False inside a test runner, which owns its signals.
   */
  ownProcess?: boolean;
  exitCodeOnSignal?: number;
  /** progress lines; default console.log with a "[stack]" prefix */
  log?: (line: string) => void;
}

export interface WranglerOptions {
  /** default a free one */
  port?: number;
  /** more `wrangler dev` arguments (an entry, --config, --log-level …) */
  args?: string[];
  /**
   * A throw-away Worker beside any `npm run dev` (bench, e2e): its variables (`vars`) from an env
   * file of its own instead of .dev.vars, its Durable Object storage in a temporary folder and
   * a free inspector port. False (dev): .dev.vars, .wrangler/state and wrangler's defaults.
   */
  isolated?: boolean;
  /**
   * With `isolated`: keep the Durable Object storage in this folder instead of a temporary one,
   * so a later `wrangler dev` can start on the same state (the resilience run's restart).
   */
  persistTo?: string;
  /** With `isolated`: the inspector (DevTools protocol) port; default a free one. */
  inspectorPort?: number;
  vars?: Record<string, string>;
  /**
   * False: without wrangler's local observability (X_LOCAL_OBSERVABILITY=false), a collector
   * that streams a trace of every invocation (each request, Durable Object call, alarm, queue
   * batch) to a tail worker in the same runtime and stores it for the local dashboard. Deployed
   * Workers pay nothing like it on the request's thread (design 104). Default: wrangler's (on).
   */
  localObservability?: boolean;
  /** where its output goes (appended); default this terminal */
  logFile?: string;
  readyTimeoutMs?: number;
}

export interface Stack {
  databaseUrl: string;
  /** host:port of the WebSocket proxy (the Worker's DATABASE_WS_PROXY); undefined without one */
  wsProxy: string | undefined;
  /** where the embedded Postgres keeps its data; undefined for DATABASE_URL */
  dataDir: string | undefined;
  /** the Worker's variables for this stack: DATABASE_URL, DATABASE_WS_PROXY, the dev JWT secret, NODE_ENV */
  workerVars: Record<string, string>;
  /** starts `wrangler dev` and resolves with its URL once GET /api/health answers 200 */
  startWrangler(options?: WranglerOptions): Promise<string>;
  /** true once a service has exited on its own */
  failed(): boolean;
  /**
   * The process ids that lead the process groups of the embedded Postgres (the postmaster; its
   * backends are in its group) and of wrangler (with its workerd), once started; for the
   * resilience run, which freezes and kills them.
   */
  processGroups(): { postgres?: number; wrangler?: number };
  /** stops everything this stack started; safe to call more than once and during start-up */
  stop(): Promise<void>;
}

interface Service {
  name: string;
  stop(): Promise<void>;
  /** last resort on process exit: signals only, synchronous */
  kill(): void;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? ((line: string) => console.log(`[stack] ${line}`));
  const services: Service[] = [];
  const groups: { postgres?: number; wrangler?: number } = {};
  let stopping: Promise<void> | undefined;
  let failed = false;
  const killAll = () => {
    for (const service of services) service.kill();
  };
  process.on("exit", killAll);

  const stop = () => {
    stopping ??= (async () => {
      for (const service of [...services].reverse()) {
        try {
          await service.stop();
        } catch (error) {
          log(`stopping ${service.name} failed: ${errorText(error)}`);
        }
      }
      process.removeListener("exit", killAll);
    })();
    return stopping;
  };
  const exitAfterStop = (code: number) =>
    void stop().then(() => {
      log("stopped");
      process.exit(code);
    });
  /** a service that ended on its own: take the rest down (and this process, when it is the stack's) */
  const died = (name: string, code: number) => {
    if (stopping) return;
    failed = true;
    log(`${name} exited (${code}); stopping the stack`);
    if (options.ownProcess) exitAfterStop(code || 1);
    else void stop();
  };
  const track = async (service: Service) => {
    services.push(service);
    if (stopping) await service.stop();
  };

  if (options.ownProcess) {
    let signals = 0;
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.removeAllListeners(signal);
      process.on(signal, () => {
        signals += 1;
        if (signals > 1) {
          log(`${signal} again: killing everything`);
          for (const service of services) service.kill();
          process.exit(130);
        }
        log(`${signal}: stopping…`);
        exitAfterStop(options.exitCodeOnSignal ?? 128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
      });
    }
  }

  try {
    let databaseUrl = options.databaseUrl;
    let dataDir: string | undefined;
    if (!databaseUrl) {
      const port = options.pgPort ?? (await freePort());
      const postgres = await startLocalPostgres({
        ...(options.dataDir ? { dataDir: resolve(REPO_ROOT, options.dataDir) } : {}),
        port,
        database: "crosscart",
        ...(process.env.DEBUG_POSTGRES ? { log: (line: string) => console.error(`[postgres] ${line}`) } : {}),
      });
      void postgres.exited.then(() => died("postgres", 1));
      groups.postgres = postgres.pid;
      await track({ name: "postgres", stop: postgres.stop, kill: () => signalPid(postgres.pid, "SIGINT") });
      databaseUrl = postgres.url;
      dataDir = postgres.dataDir;
      log(`postgres: embedded, port ${port}, data in ${dataDir}${options.dataDir ? "" : " (thrown away afterwards)"}`);
    } else {
      log(`postgres: using ${redact(databaseUrl)}`);
    }

    let wsProxy: string | undefined;
    if ((options.proxy ?? true) && isLoopback(databaseUrl)) {
      const wanted = options.proxyPort;
      const port = wanted !== undefined && (await isPortFree(wanted)) ? wanted : 0;
      if (wanted !== undefined && port !== wanted) log(`port ${wanted} is taken; the WebSocket proxy uses a free one`);
      const proxy = spawnWsProxy({ port, detached: true });
      await track(groupService("websocket proxy", proxy.child, died));
      wsProxy = await proxy.address.catch((error: Error) => {
        throw new StartError(error.message);
      });
      log(`websocket proxy: ws://${wsProxy}`);
    }

    const { applied } = await migrateDatabase(databaseUrl);
    log(applied.length ? `migrations applied: ${applied.join(", ")}` : "migrations: up to date");
    if (options.seed ?? true) {
      await seedDemoData(databaseUrl);
      log("demo data: seeded");
    }

    const workerVars: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      JWT_SECRET: DEV_JWT_SECRET,
      SESSION_TOKEN_KEY: DEV_SESSION_TOKEN_KEY,
      // SAVE10 and SAVE20 only exist outside production.
      NODE_ENV: "development",
      // Local Queues keep messages in memory: a killed runtime loses them, and each session's
      // confirming send (30 s after its last send) brings Postgres level again (design 102).
      REPLICATION_CONFIRM_AFTER_SECONDS: "30",
      // The plain /dashboard URL opens with the demo admin's figures (development only).
      DEV_DASHBOARD_TOKEN: (await mintDemoTokens(DEV_JWT_SECRET)).admin,
      ...(wsProxy ? { DATABASE_WS_PROXY: wsProxy } : {}),
    };

    const startWrangler = async (wrangler: WranglerOptions = {}) => {
      const port = wrangler.port ?? (await freePort());
      const url = `http://127.0.0.1:${port}`;
      const args = [...(wrangler.args ?? []), "--port", String(port), "--ip", "127.0.0.1"];
      if (wrangler.isolated) {
        const folder = await mkdtemp(join(tmpdir(), "crosscart-wrangler-"));
        await track({
          name: "wrangler files",
          stop: async () => rmSync(folder, { recursive: true, force: true }),
          kill() {},
        });
        const envFile = join(folder, "vars.env");
        const vars = { ...workerVars, ...wrangler.vars };
        const text = Object.entries(vars).map(([key, value]) => `${key}=${value}\n`);
        await writeFile(envFile, text.join(""), { mode: 0o600 });
        args.push("--env-file", envFile, "--persist-to", wrangler.persistTo ?? join(folder, "state"));
        args.push("--inspector-port", String(wrangler.inspectorPort ?? (await freePort())));
      }
      // No hotkeys: wrangler runs in a process group of its own (so stopping it takes workerd
      // too), away from the terminal's input.
      args.push("--show-interactive-dev-session=false");
      log(`wrangler dev on ${url}${wrangler.logFile ? ` (log: ${wrangler.logFile})` : ""}`);
      const output = wrangler.logFile ? openSync(wrangler.logFile, "a") : "inherit";
      const child = spawn(process.execPath, [WRANGLER_BIN, "dev", ...args], {
        cwd: REPO_ROOT,
        detached: true,
        stdio: ["ignore", output, output],
        env: {
          ...process.env,
          WRANGLER_SEND_METRICS: "false",
          ...(wrangler.localObservability === false ? { X_LOCAL_OBSERVABILITY: "false" } : {}),
        },
      });
      if (typeof output === "number") closeSync(output);
      groups.wrangler = child.pid;
      await track(groupService("wrangler", child, died));
      await waitForHealth(url, wrangler.readyTimeoutMs ?? 120_000, child, wrangler.logFile);
      return url;
    };

    const processGroups = () => ({ ...groups });
    return { databaseUrl, wsProxy, dataDir, workerVars, startWrangler, failed: () => failed, processGroups, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForHealth(url: string, timeoutMs: number, child: ChildProcess, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const see = logFile ? `; see ${logFile}` : "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new StartError(`wrangler dev exited during start-up (${child.exitCode ?? child.signalCode})${see}`);
    }
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 300));
  }
  throw new StartError(`wrangler dev did not answer GET ${url}/api/health within ${timeoutMs / 1000} s${see}`);
}

/** a child that leads its own process group: stopped with SIGINT, SIGTERM, then SIGKILL to the whole group */
function groupService(name: string, child: ChildProcess, died: (name: string, code: number) => void): Service {
  let stopping: Promise<void> | undefined;
  child.once("exit", (code, signal) => {
    if (!stopping) died(name, code ?? 128 + (signal ? constants.signals[signal] : 0));
  });
  const pgid = child.pid;
  return {
    name,
    kill: () => signalGroup(pgid, "SIGKILL"),
    stop: () => {
      stopping ??= (async () => {
        for (const signal of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
          if (!groupAlive(pgid)) return;
          signalGroup(pgid, signal);
          const deadline = Date.now() + GRACE_MS;
          while (groupAlive(pgid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
        }
      })();
      return stopping;
    },
  };
}

function signalGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

function signalPid(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Whether a process group has a live member. Zombies (which some container inits never reap)
 * do not count: /proc tells them apart; elsewhere the kernel's answer is taken as it is.
 */
export function groupAlive(pgid: number | undefined): boolean {
  if (pgid === undefined) return false;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  return pids.some((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(pgrp) === pgid && state !== "Z";
    } catch {
      return false;
    }
  });
}

/** the embedded Postgres of `npm run dev` and `npm run bench:data`: data kept in .data/postgres, port $PGPORT or 54320 */
export const devDatabase = () => ({ dataDir: ".data/postgres", pgPort: portFromEnv("PGPORT", 54320) });

export function portFromEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (!value) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StartError(`${name}=${value} is not a port`);
  return port;
}

export function isLoopback(databaseUrl: string): boolean {
  try {
    return LOOPBACK_HOSTS.has(new URL(databaseUrl).hostname);
  } catch {
    return false;
  }
}

/** the URL without its password, for logs */
export function redact(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

/** How a start-up failure is printed: one sentence (a StartError says what to do); the stack only with DEBUG=1. */
export function describeStartFailure(error: unknown): string {
  if (error instanceof StartError) return error.message.split("\n")[0] ?? "";
  if (process.env.DEBUG) return errorText(error, { stack: true });
  return `${errorText(error).split("\n")[0]} (DEBUG=1 shows where)`;
}
