// The two scenarios of `npm run test:resilience` (scripts/resilience.ts):
//
// - outage: guest sessions take concurrent item adds while Postgres is frozen (SIGSTOP of the
//   postmaster's process group, its backends included; SIGCONT after) → no shopper error, every
//   session holds exactly its acknowledged adds, and Postgres equals every session line by line
//   soon after recovery.
// - crash: kill -9 of wrangler with its workerd and of the Postgres postmaster under load, then
//   the stack started again on the same Durable Object storage and Postgres data folder →
//   every acknowledged add is in its session and, after catch-up, in Postgres.
import { chmod, mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CartPool } from "./bench-scenarios.ts";
import { PostgresMeter } from "./postgres-meter.ts";
import { compareWithLedger, type Differences, readSessions, waitUntilPostgresEquals } from "./resilience-check.ts";
import { AddLedger, runAdds } from "./resilience-load.ts";
import { groupAlive, type Stack, startStack } from "./supervisor.ts";

export interface ResilienceConfig {
  adds: number;
  sessions: number;
  concurrency: number;
  outageMs: number;
  /** adds answered before Postgres is frozen */
  outageAfterAdds: number;
  /** how long Postgres may take to equal the sessions after recovery */
  catchUpTargetMs: number;
  /**
   * The same after a restart: a killed local runtime loses what its in-memory Queues held, and
   * each session sends its last versions again 30 s after its last send (the confirming send,
   * REPLICATION_CONFIRM_AFTER_SECONDS, 30 s on local stacks), so this target is longer.
   */
  crashCatchUpTargetMs: number;
  /** how much longer the checks keep polling before they give up */
  catchUpMarginMs: number;
  /** acknowledged adds before the kill */
  crashAfterAdds: number;
  requestTimeoutMs: number;
  wranglerLog: string;
}

/** what the runner owns while a scenario runs, so that it can clean up after any failure */
export interface Harness {
  log(line: string): void;
  /** a stack it must stop */
  own(stack: Stack): void;
  /** a folder it must delete */
  ownFolder(path: string): void;
  /** a frozen process group it must thaw */
  frozen: number | undefined;
}

export interface ScenarioResult {
  name: string;
  /** figures for the summary, in order */
  figures: Array<[string, string]>;
  /** failed assertions; empty: passed */
  failures: string[];
}

/** adds failing before the kill that mean the stack is broken */
const MAX_FAILURES_BEFORE_KILL = 100;
const count = (n: number) => n.toLocaleString("en-US");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function outageScenario(config: ResilienceConfig, harness: Harness): Promise<ScenarioResult> {
  const { log } = harness;
  const stack = await startStack({ log: (line) => log(`[stack] ${line}`) });
  harness.own(stack);
  const baseUrl = await stack.startWrangler(wranglerOptions(config));
  const sessions = await new CartPool(baseUrl).take(config.sessions);
  const meter = await PostgresMeter.open(stack.databaseUrl);
  await meter.settle(30_000);
  const sessionsBefore = await meter.sessionsOpened();
  const postgres = stack.processGroups().postgres as number;
  const ledger = new AddLedger(sessions);
  log(`outage: ${count(config.adds)} adds over ${sessions.length} sessions, ${config.concurrency} at a time`);

  const started = Date.now();
  let frozenAt: number | undefined;
  let thawedAt: number | undefined;
  const acked = { before: 0, during: 0 };
  let thawed: Promise<void> = Promise.resolve();
  const freeze = () => {
    frozenAt = Date.now();
    acked.before = ledger.ackedTotal;
    process.kill(-postgres, "SIGSTOP");
    harness.frozen = postgres;
    log(`outage: Postgres frozen (SIGSTOP, process group ${postgres}) for ${seconds(config.outageMs)}`);
    thawed = new Promise((done) =>
      setTimeout(() => {
        // unless the runner has thawed it already while cleaning up after a failure
        if (harness.frozen === postgres) process.kill(-postgres, "SIGCONT");
        harness.frozen = undefined;
        thawedAt = Date.now();
        acked.during = ledger.ackedTotal - acked.before;
        log(`outage: Postgres thawed (SIGCONT) after ${seconds(thawedAt - (frozenAt as number))}`);
        done();
      }, config.outageMs),
    );
  };
  await runAdds({
    baseUrl,
    ledger,
    total: config.adds,
    concurrency: config.concurrency,
    timeoutMs: config.requestTimeoutMs,
    onAnswer: (answered) => {
      if (frozenAt === undefined && answered >= config.outageAfterAdds) freeze();
    },
  });
  const addsEndedAt = Date.now();
  log(`outage: adds answered in ${seconds(addsEndedAt - started)}: ${ledger.describeOutcomes()}`);
  if (frozenAt === undefined) freeze();
  await thawed;
  // Catch-up is timed from recovery, or from the last add when that came later.
  const recoveredAt = Math.max(thawedAt as number, addsEndedAt);

  const lines = await readSessions(baseUrl, sessions);
  const deadline = recoveredAt + config.catchUpTargetMs + config.catchUpMarginMs;
  const { equalAt, diff: inPostgres } = await waitUntilPostgresEquals(meter.client, baseUrl, ledger, lines, deadline);
  const inSessions = compareWithLedger(ledger, lines);
  const replicated = await meter.settle(30_000);
  const opened = (await meter.sessionsOpened()) - sessionsBefore;
  await meter.close();

  const failures = [
    ...(ledger.failedTotal ? [`${count(ledger.failedTotal)} shopper errors: ${ledger.errorSamples.join(" | ")}`] : []),
    ...differences("in the sessions", inSessions),
    ...catchUpFailures(config.catchUpTargetMs, config.catchUpMarginMs, recoveredAt, equalAt, inPostgres),
  ];
  return {
    name: "outage",
    failures,
    figures: [
      ["adds", `${count(config.adds)} over ${sessions.length} sessions, ${config.concurrency} concurrent`],
      ["answers", ledger.describeOutcomes()],
      [
        "acknowledged before / during / after the outage",
        `${count(acked.before)} / ${count(acked.during)} / ${count(ledger.ackedTotal - acked.before - acked.during)}`,
      ],
      [
        "Postgres frozen",
        `${seconds((thawedAt as number) - (frozenAt as number))}, from ${seconds((frozenAt as number) - started)} into the adds`,
      ],
      ["adds took", seconds(addsEndedAt - started)],
      ["lost / doubled in the sessions", `${inSessions.lost} / ${inSessions.doubled}`],
      ["lost / doubled in Postgres", equalAt ? "0 / 0" : `${inPostgres.lost} / ${inPostgres.doubled}`],
      ["catch-up after recovery (or the last add)", catchUp(equalAt, recoveredAt, config.catchUpTargetMs)],
      [
        "Postgres sessions opened",
        `${count(opened)} (${((opened / Math.max(1, ledger.ackedTotal)) * 1000).toFixed(0)} per 1,000 acknowledged adds${replicated.settled ? "" : "; replication still running"})`,
      ],
    ],
  };
}

export async function crashScenario(config: ResilienceConfig, harness: Harness): Promise<ScenarioResult> {
  const { log } = harness;
  // One folder for the Postgres data and the Durable Object storage that survive the crash;
  // 0755 so that Postgres, run as the postgres user when this is root, can use it in place.
  const root = await mkdtemp(join(tmpdir(), "crosscart-resilience-"));
  harness.ownFolder(root);
  await chmod(root, 0o755);
  const dataDir = join(root, "postgres");
  const persistTo = join(root, "wrangler-state");
  await mkdir(persistTo);
  const start = async () => {
    const stack = await startStack({ dataDir, log: (line) => log(`[stack] ${line}`) });
    harness.own(stack);
    return { stack, baseUrl: await stack.startWrangler({ ...wranglerOptions(config), persistTo }) };
  };

  const first = await start();
  const sessions = await new CartPool(first.baseUrl).take(config.sessions);
  const ledger = new AddLedger(sessions);
  let killed = false;
  log(
    `crash: adds over ${sessions.length} sessions, ${config.concurrency} at a time; kill -9 once ${count(config.crashAfterAdds)} are acknowledged`,
  );
  // The kill comes once enough adds are acknowledged (a slow machine just takes longer); adds
  // that keep failing before it mean the stack is broken, not a crash to test.
  let loadReady: { done: () => void; fail: (error: Error) => void } | undefined;
  const ready = new Promise<void>((done, fail) => {
    loadReady = { done, fail };
  });
  const adds = runAdds({
    baseUrl: first.baseUrl,
    ledger,
    total: Number.POSITIVE_INFINITY,
    concurrency: config.concurrency,
    timeoutMs: config.requestTimeoutMs,
    stopped: () => killed || ledger.failedTotal >= MAX_FAILURES_BEFORE_KILL,
    onAnswer: () => {
      if (ledger.ackedTotal >= config.crashAfterAdds) loadReady?.done();
      if (ledger.failedTotal >= MAX_FAILURES_BEFORE_KILL) {
        loadReady?.fail(
          new Error(`${ledger.failedTotal} adds failed before the kill: ${ledger.errorSamples.join(" | ")}`),
        );
      }
    },
  });
  await ready;
  const { postgres, wrangler } = first.stack.processGroups();
  killed = true;
  process.kill(-(wrangler as number), "SIGKILL");
  process.kill(postgres as number, "SIGKILL");
  const killedAt = Date.now();
  const ackedBeforeKill = ledger.ackedTotal;
  const failedBeforeKill = ledger.failedTotal;
  log(`crash: killed wrangler + workerd (group ${wrangler}) and the postmaster (${postgres}) with SIGKILL`);
  await adds;
  await first.stack.stop();
  // Postgres refuses to start while backends of the killed postmaster still hold its shared memory.
  const gone = Date.now() + 30_000;
  while (groupAlive(postgres)) {
    if (Date.now() > gone) throw new Error(`backends of the killed postmaster ${postgres} still run after 30 s`);
    await new Promise((done) => setTimeout(done, 100));
  }

  const second = await start();
  const upAt = Date.now();
  const restartMs = upAt - killedAt;
  log(`crash: stack up again on the same state in ${seconds(restartMs)}`);
  const lines = await readSessions(second.baseUrl, sessions);
  const meter = await PostgresMeter.open(second.stack.databaseUrl);
  const deadline = upAt + config.crashCatchUpTargetMs + config.catchUpMarginMs;
  const { equalAt, diff: inPostgres } = await waitUntilPostgresEquals(
    meter.client,
    second.baseUrl,
    ledger,
    lines,
    deadline,
  );
  const inSessions = compareWithLedger(ledger, lines);
  await meter.close();

  const failures = [
    ...(ackedBeforeKill === 0 ? ["no add was acknowledged before the kill: nothing was tested"] : []),
    ...differences("in the sessions after the restart", inSessions),
    ...catchUpFailures(config.crashCatchUpTargetMs, config.catchUpMarginMs, upAt, equalAt, inPostgres),
  ];
  return {
    name: "crash",
    failures,
    figures: [
      [
        "adds acknowledged",
        `${count(ledger.ackedTotal)} over ${sessions.length} sessions (the kill came ${seconds(killedAt - ledger.startedAt)} into the load)`,
      ],
      ["answers", ledger.describeOutcomes()],
      ["errors before the kill", count(failedBeforeKill)],
      ["in flight at the kill (outcome unknown)", count(ledger.failedTotal - failedBeforeKill)],
      ["restart (kill → API up)", seconds(restartMs)],
      ["lost / doubled in the sessions", `${inSessions.lost} / ${inSessions.doubled}`],
      ["lost / doubled in Postgres", equalAt ? "0 / 0" : `${inPostgres.lost} / ${inPostgres.doubled}`],
      ["catch-up after the restart", catchUp(equalAt, upAt, config.crashCatchUpTargetMs)],
    ],
  };
}

function wranglerOptions(config: ResilienceConfig) {
  return { isolated: true, logFile: config.wranglerLog, args: ["--log-level", "warn"] };
}

function differences(where: string, diff: Differences): string[] {
  if (diff.lost === 0 && diff.doubled === 0) return [];
  return [`${diff.lost} items lost and ${diff.doubled} doubled ${where}: ${diff.examples.join("; ")}`];
}

function catchUpFailures(
  targetMs: number,
  marginMs: number,
  from: number,
  equalAt: number | undefined,
  diff: Differences,
) {
  const waited = seconds(targetMs + marginMs);
  if (equalAt === undefined) return [`Postgres did not equal the sessions within ${waited}: ${differences("", diff)}`];
  if (equalAt - from > targetMs) {
    return [`Postgres caught up in ${seconds(equalAt - from)}, over the ${seconds(targetMs)} target`];
  }
  return [];
}

function catchUp(equalAt: number | undefined, from: number, targetMs: number): string {
  if (equalAt === undefined) return "never (within the wait)";
  return `${seconds(equalAt - from)} (target ≤ ${seconds(targetMs)})`;
}
