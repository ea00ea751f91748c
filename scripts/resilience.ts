// `npm run test:resilience`: does the API keep every acknowledged change, and does Postgres
// catch up, when Postgres stops answering or the whole stack is killed? Two scenarios
// (scripts/lib/resilience-scenarios.ts), each on a throw-away local stack of its own
// (scripts/lib/supervisor.ts: embedded Postgres, WebSocket proxy, migrations, demo data,
// `wrangler dev` on free ports, so a running `npm run dev` is not disturbed). It only talks HTTP
// to the API and SQL to Postgres, so it works whatever the replication path is.
//
//   outage: RESILIENCE_ADDS=10000 item adds over RESILIENCE_SESSIONS=100 guest sessions,
//           RESILIENCE_CONCURRENCY=100 at a time; once RESILIENCE_OUTAGE_AFTER adds (default a
//           quarter) are answered, Postgres is frozen for RESILIENCE_OUTAGE_MS=60000
//   crash:  the same load until RESILIENCE_CRASH_AFTER_ADDS=1000 adds are acknowledged, then
//           kill -9 and a restart
//   both:   Postgres must equal the sessions within RESILIENCE_CATCHUP_MS=30000 of recovery
//           (polled RESILIENCE_CATCHUP_MARGIN_MS=15000 longer to say how long it took);
//           an add unanswered after RESILIENCE_REQUEST_TIMEOUT_MS=30000 is a shopper error;
//           after the crash, within RESILIENCE_CRASH_CATCHUP_MS=60000 of the restart (the local
//           Queues lose what they held; each session's confirming send comes 30 s after its last)
//   RESILIENCE_SCENARIOS=outage,crash picks them.
//
// Prints the figures of each and exits 1 when an assertion failed. Whatever happens (an error,
// Ctrl-C), Postgres is thawed, every process it started is stopped and its folders deleted.
import { rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { errorText } from "../src/lib/error-fields.ts";
import { envNumber } from "./lib/env-number.ts";
import {
  crashScenario,
  type Harness,
  outageScenario,
  type ResilienceConfig,
  type ScenarioResult,
} from "./lib/resilience-scenarios.ts";
import { describeStartFailure, REPO_ROOT, type Stack } from "./lib/supervisor.ts";

const ARTIFACTS = join(REPO_ROOT, "test-artifacts");
const SCENARIOS = { outage: outageScenario, crash: crashScenario };

const adds = envNumber("RESILIENCE_ADDS", 10_000);
const config: ResilienceConfig = {
  adds,
  sessions: envNumber("RESILIENCE_SESSIONS", 100),
  concurrency: envNumber("RESILIENCE_CONCURRENCY", 100),
  outageMs: envNumber("RESILIENCE_OUTAGE_MS", 60_000),
  outageAfterAdds: envNumber("RESILIENCE_OUTAGE_AFTER", Math.floor(adds / 4)),
  catchUpTargetMs: envNumber("RESILIENCE_CATCHUP_MS", 30_000),
  catchUpMarginMs: envNumber("RESILIENCE_CATCHUP_MARGIN_MS", 15_000),
  crashCatchUpTargetMs: envNumber("RESILIENCE_CRASH_CATCHUP_MS", 60_000),
  crashAfterAdds: envNumber("RESILIENCE_CRASH_AFTER_ADDS", 1_000),
  requestTimeoutMs: envNumber("RESILIENCE_REQUEST_TIMEOUT_MS", 30_000),
  wranglerLog: join(ARTIFACTS, "resilience-wrangler.log"),
};
const chosen = (process.env.RESILIENCE_SCENARIOS || "outage,crash").split(",").map((name) => name.trim());

const stacks: Stack[] = [];
const folders: string[] = [];
const harness: Harness = {
  log: say,
  own: (stack) => stacks.push(stack),
  ownFolder: (path) => folders.push(path),
  frozen: undefined,
};

/** SIGCONT first: a frozen Postgres would ignore the supervisor's SIGINT and keep its port forever */
function thaw(): void {
  if (harness.frozen === undefined) return;
  try {
    process.kill(-harness.frozen, "SIGCONT");
  } catch {
    // already gone
  }
  harness.frozen = undefined;
}

async function cleanUp(): Promise<void> {
  thaw();
  for (const stack of stacks.splice(0).reverse()) await stack.stop();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

// This process owns its signals (the stacks do not): stop everything, then exit.
process.on("exit", () => {
  thaw();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
let signalled = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (signalled) process.exit(130);
    signalled = true;
    say(`${signal}: stopping…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const unknown = chosen.filter((name) => !(name in SCENARIOS));
  if (unknown.length) throw new Error(`unknown RESILIENCE_SCENARIOS: ${unknown.join(", ")} (outage, crash)`);
  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(config.wranglerLog, "");
  const results: ScenarioResult[] = [];
  for (const name of chosen as Array<keyof typeof SCENARIOS>) {
    const started = Date.now();
    say(`── ${name}`);
    try {
      const result = await SCENARIOS[name](config, harness);
      result.figures.push(["took", `${((Date.now() - started) / 1000).toFixed(0)} s (stack start included)`]);
      results.push(result);
    } catch (error) {
      results.push({ name, figures: [], failures: [`did not complete: ${describeStartFailure(error)}`] });
    } finally {
      await cleanUp();
    }
    const last = results.at(-1) as ScenarioResult;
    say(`${name}: ${last.failures.length ? "FAILED" : "passed"}`);
  }
  printSummary(results);
  return results.some((result) => result.failures.length) ? 1 : 0;
}

function printSummary(results: ScenarioResult[]): void {
  console.log("\n# crosscart resilience\n");
  for (const { name, figures, failures } of results) {
    console.log(`## ${name}: ${failures.length ? "FAIL" : "PASS"}\n`);
    for (const [label, value] of figures) console.log(`- ${label}: ${value}`);
    for (const failure of failures) console.log(`- FAIL: ${failure}`);
    console.log("");
  }
  console.log(`wrangler's output: ${config.wranglerLog.slice(REPO_ROOT.length)}`);
}

function say(line: string): void {
  console.log(`[resilience ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

const exitCode = await main().catch((error: unknown) => {
  console.error(`[resilience] ${errorText(error)}`);
  return 1;
});
await cleanUp();
process.exit(exitCode);
