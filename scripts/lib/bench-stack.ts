// The benchmark's database side: startLocalStack() (embedded Postgres, WebSocket proxy,
// migrations, demo data) in a child process (bench-stack-child.ts), with its own data folder
// that is emptied before and deleted after each run, and its own ports, so it neither clashes
// with a running `npm run dev` nor carries rows over from an earlier run.
import { type ChildProcess, fork } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export interface BenchStackOptions {
  /** absolute path of the embedded Postgres data folder */
  dataDir: string;
  pgPort: number;
  proxyPort: number;
}

export type StackMessage =
  | { type: "ready"; databaseUrl: string; wsProxy: string | undefined }
  | { type: "failed"; message: string }
  | { type: "stop" };

export interface BenchStack {
  databaseUrl: string;
  wsProxy: string | undefined;
  pid: number | undefined;
  /** stops the proxy and Postgres; safe to call more than once, and before start-up ended */
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL("./bench-stack-child.ts", import.meta.url));
const STOP_TIMEOUT_MS = 45_000;

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const running = postmasterPid(options.dataDir);
  if (running !== undefined && isAlive(running)) {
    throw new Error(
      `a Postgres (pid ${running}) still runs on ${options.dataDir}, left over from an earlier bench; stop it first`,
    );
  }
  await rm(options.dataDir, { recursive: true, force: true });

  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_STACK_OPTIONS: JSON.stringify(options) };
  // Always the embedded database: a DATABASE_URL in the shell must not get the demo data.
  delete env.DATABASE_URL;
  const child = fork(CHILD, [], { env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopChild(child, exited, options.dataDir);
    return stopping;
  };

  const ready = await new Promise<StackMessage>((resolve) => {
    child.on("message", (message: StackMessage) => resolve(message));
    void exited.then(() => resolve({ type: "failed", message: `the stack process exited (${child.exitCode})` }));
  });
  if (ready.type !== "ready") {
    await stop();
    throw new Error(`local stack: ${ready.type === "failed" ? ready.message : "unexpected message"}`);
  }
  return { databaseUrl: ready.databaseUrl, wsProxy: ready.wsProxy, pid: child.pid, stop };
}

async function stopChild(child: ChildProcess, exited: Promise<void>, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    if (child.connected) child.send({ type: "stop" } satisfies StackMessage);
    else child.kill("SIGTERM");
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((done) => setTimeout(() => done(true), STOP_TIMEOUT_MS).unref()),
    ]);
    if (timedOut) {
      console.error(`[bench] the stack process did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
      child.kill("SIGKILL");
      await exited;
    }
  }
  // Last resort: a Postgres whose parent was killed keeps running; it is ours (our data folder).
  const pid = postmasterPid(dataDir);
  if (pid !== undefined && isAlive(pid)) {
    console.error(`[bench] Postgres (pid ${pid}) is still running; asking it to stop`);
    process.kill(pid, "SIGINT");
    const deadline = Date.now() + 15_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
  }
  await rm(dataDir, { recursive: true, force: true });
}

function postmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, "postmaster.pid");
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface QuietOptions {
  /** how long Postgres must have no client connections (default 2 s) */
  quietMs?: number;
  /** give up waiting after this long (default 20 s) */
  maxMs?: number;
  /** stop waiting when this turns true (Ctrl-C) */
  cancelled?: () => boolean;
}

/**
 * Waits until nothing talks to Postgres any more: the Durable Objects replicate each change
 * to Postgres in the background (alarms, retried with backoff), and that work should not spill
 * into the next scenario's measurement. Returns how long it waited and whether it went quiet.
 */
export async function waitForQuietDatabase(
  databaseUrl: string,
  options: QuietOptions = {},
): Promise<{ waitedMs: number; quiet: boolean }> {
  const quietMs = options.quietMs ?? 2_000;
  const started = Date.now();
  const deadline = started + (options.maxMs ?? 20_000);
  let quietSince: number | undefined;
  let client: pg.Client | undefined;
  try {
    while (Date.now() < deadline && !options.cancelled?.()) {
      let busy = true;
      try {
        if (!client) {
          const next = new pg.Client({ connectionString: databaseUrl });
          next.on("error", () => undefined);
          await next.connect();
          client = next;
        }
        const { rows } = await client.query<{ n: number }>(
          "select count(*)::int as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()",
        );
        busy = (rows[0]?.n ?? 0) > 0;
      } catch {
        // "too many clients" and the like: busy
        await client?.end().catch(() => undefined);
        client = undefined;
      }
      if (busy) quietSince = undefined;
      else quietSince ??= Date.now();
      if (quietSince !== undefined && Date.now() - quietSince >= quietMs) {
        return { waitedMs: Date.now() - started, quiet: true };
      }
      await new Promise((done) => setTimeout(done, 200));
    }
    return { waitedMs: Date.now() - started, quiet: false };
  } finally {
    await client?.end().catch(() => undefined);
  }
}
