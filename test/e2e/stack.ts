// The server the browser tests drive. With API_URL set, that server (tokens from
// TEST_AUTH_TOKEN / TEST_CUSTOMER_TOKEN, else minted with the local dev secret). Otherwise a
// throw-away local stack of its own, beside any `npm run dev`: embedded Postgres in
// .data/e2e-postgres and a WebSocket proxy on free ports (scripts/lib/local-stack.ts, with
// migrations and the demo data), and `wrangler dev` on a free port with its own env file
// (instead of the developer's .dev.vars) and its own Durable Object storage in .data/e2e-wrangler.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DEV_JWT_SECRET, mintDemoTokens } from "../../scripts/lib/demo-tokens.ts";
import { freePort } from "../../scripts/lib/free-port.ts";
import { type LocalStack, REPO_ROOT, startLocalStack } from "../../scripts/lib/local-stack.ts";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const ARTIFACTS_DIR = join(REPO_ROOT, "test-artifacts");

export interface E2eStack {
  apiUrl: string;
  adminToken: string;
  customerToken: string;
  /** true when this process started the server (and owns its database) */
  local: boolean;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 8_000;

export async function startE2eStack(log: (line: string) => void = console.log): Promise<E2eStack> {
  const external = process.env.API_URL?.replace(/\/+$/, "");
  if (external) {
    const minted = await mintDemoTokens(process.env.JWT_SECRET || DEV_JWT_SECRET);
    log(`using API_URL=${external}`);
    await waitForHealth(external, 10_000, () => false);
    return {
      apiUrl: external,
      adminToken: process.env.TEST_AUTH_TOKEN || minted.admin,
      customerToken: process.env.TEST_CUSTOMER_TOKEN || minted.customer,
      local: false,
      stop: async () => {},
    };
  }

  const dataDir = join(REPO_ROOT, ".data/e2e-postgres");
  const stateDir = join(REPO_ROOT, ".data/e2e-wrangler");
  const envFile = join(REPO_ROOT, ".data/e2e.env");
  // Leftovers of a run that was killed: start from nothing.
  await rm(dataDir, { recursive: true, force: true });
  await rm(stateDir, { recursive: true, force: true });

  let stack: LocalStack | undefined;
  let wrangler: ChildProcess | undefined;
  const stop = async () => {
    if (wrangler) await stopGroup(wrangler);
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
    await rm(envFile, { force: true });
  };

  try {
    const started = Date.now();
    stack = await startLocalStack({
      dataDir,
      persistent: false,
      pgPort: await freePort(),
      proxyPort: await freePort(),
      log: (line) => log(`[stack] ${line}`),
    });
    const lines = [
      `DATABASE_URL=${stack.databaseUrl}`,
      `JWT_SECRET=${DEV_JWT_SECRET}`,
      // SAVE10 and SAVE20 only exist outside production.
      "NODE_ENV=development",
      ...(stack.wsProxy ? [`DATABASE_WS_PROXY=${stack.wsProxy}`] : []),
    ];
    await mkdir(dirname(envFile), { recursive: true });
    await writeFile(envFile, `${lines.join("\n")}\n`, { mode: 0o600 });

    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}`;
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const logPath = join(ARTIFACTS_DIR, "e2e-wrangler.log");
    const logFile = createWriteStream(logPath);
    const bin = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");
    const args = [
      bin,
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(await freePort()),
      "--persist-to",
      stateDir,
      "--env-file",
      envFile,
      "--show-interactive-dev-session=false",
    ];
    log(`[wrangler] dev on ${apiUrl} (log: ${logPath})`);
    // A process group of its own: stopping it is one signal, and workerd goes with it.
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "1" },
    });
    wrangler = child;
    child.stdout?.pipe(logFile);
    child.stderr?.pipe(logFile);
    await waitForHealth(apiUrl, START_TIMEOUT_MS, () => child.exitCode !== null || child.signalCode !== null);
    log(`[stack] up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const tokens = await mintDemoTokens(DEV_JWT_SECRET);
    return { apiUrl, adminToken: tokens.admin, customerToken: tokens.customer, local: true, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForHealth(apiUrl: string, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`wrangler dev exited before ${apiUrl}/api/health answered (see test-artifacts)`);
    try {
      const response = await fetch(`${apiUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((done) => setTimeout(done, 300));
  }
  throw new Error(`${apiUrl}/api/health did not answer 200 within ${timeoutMs / 1000} s (${last})`);
}

/** SIGINT, then SIGTERM, then SIGKILL to the child's own process group, until it is gone. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const gone = () => {
    try {
      process.kill(-pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
    if (gone()) return;
    try {
      process.kill(-pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + STOP_GRACE_MS;
    while (!gone() && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
  }
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}
