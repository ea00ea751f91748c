// `npm run bench:data`: loads the analytics benchmark data set (1,000,000 carts with ~2.5 lines
// each, ~200k wishlists, ~100k comparisons, ~300k cross-site sessions over the last year) into
// the LOCAL database, then prints counts and timings.
//
//   npm run bench:data                      load (re-runnable: earlier bench rows are deleted first)
//   npm run bench:data -- --carts 100000    a smaller set (wishlists, comparisons, sessions scale with it)
//   npm run bench:data -- --explain         load, then time every analytics endpoint's SQL and print
//                                           EXPLAIN (ANALYZE, BUFFERS) of the slowest overview query
//   npm run bench:data -- --explain-only    only the timings and the plan, on data already loaded
//   npm run bench:data -- --days 30         range of the timings (default 366, ending today)
//   npm run bench:data -- --clean           delete the bench rows and stop
//   npm run bench:data -- --jobs            load, then run each cron (hourly, daily, weekly) once through a
//                                           throw-away `wrangler dev` and print every job's summary and ms
//   npm run bench:data -- --jobs-only       only the cron runs, on the data already loaded (the jobs delete
//                                           what is due: a second run at the same time finds nothing)
//   npm run bench:data -- --jobs-only --jobs-at 731   the crons as if it were 731 days later
//
// The database is DATABASE_URL, else the one in .dev.vars (written by `npm run dev`) when it
// answers, else the embedded one `npm run dev` uses, started here for the run. It is migrated
// and the demo catalog upserted first (the bench rows belong to the demo companies).
import { parseArgs } from "node:util";
import pg from "pg";
import { refreshAllRollups } from "./lib/analytics-rollups.ts";
import { explainAnalytics } from "./lib/bench-data-explain.ts";
import { timeJobs } from "./lib/bench-data-jobs.ts";
import { benchCounts, deleteBenchData, loadBenchData } from "./lib/bench-data-load.ts";
import { devVarsDatabaseUrl } from "./lib/database-url.ts";
import { seedDemoData } from "./lib/demo-data.ts";
import { migrateDatabase } from "./lib/migrate.ts";
import { describeStartFailure, devDatabase, redact, type Stack, startStack } from "./lib/supervisor.ts";

let stack: Stack | undefined;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      carts: { type: "string", default: "1000000" },
      days: { type: "string", default: "366" },
      explain: { type: "boolean", default: false },
      "explain-only": { type: "boolean", default: false },
      clean: { type: "boolean", default: false },
      jobs: { type: "boolean", default: false },
      "jobs-only": { type: "boolean", default: false },
      "jobs-at": { type: "string", default: "0" },
    },
  });
  const carts = Number(values.carts);
  const days = Number(values.days);
  if (!Number.isInteger(carts) || carts < 1) throw new Error(`--carts ${values.carts} is not a positive integer`);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new Error(`--days ${values.days} is not 1–366`);
  const jobsAt = Number(values["jobs-at"]);
  if (!Number.isFinite(jobsAt)) throw new Error(`--jobs-at ${values["jobs-at"]} is not a number of days`);
  // The cron runs need a Worker, and the Worker reaches Postgres through the WebSocket proxy.
  const jobs = values.jobs || values["jobs-only"];

  // DATABASE_URL, else the one in .dev.vars when it answers (a running `npm run dev`), else the
  // embedded one `npm run dev` uses, started here for the run.
  let databaseUrl = process.env.DATABASE_URL || devVarsDatabaseUrl();
  if (databaseUrl && (await answers(databaseUrl))) {
    console.log(`database: ${redact(databaseUrl)}`);
    if (jobs) {
      stack = await startStack({ databaseUrl, ownProcess: true });
    } else {
      await migrateDatabase(databaseUrl);
      await seedDemoData(databaseUrl);
    }
  } else if (process.env.DATABASE_URL) {
    throw new Error(`DATABASE_URL (${redact(process.env.DATABASE_URL)}) does not answer`);
  } else {
    stack = await startStack({ ...devDatabase(), proxy: jobs, ownProcess: true });
    databaseUrl = stack.databaseUrl;
  }

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    if (values.clean) {
      await deleteBenchData(client);
      console.log(await benchCounts(client));
      return;
    }
    if (!values["explain-only"] && !values["jobs-only"]) {
      const started = performance.now();
      const counts = await loadBenchData(client, carts);
      console.log(`\nbench data loaded in ${((performance.now() - started) / 1000).toFixed(1)} s:`);
      for (const [table, count] of Object.entries(counts)) {
        console.log(`  ${table.padEnd(26)} ${count.toLocaleString("en-US").padStart(12)}`);
      }
      // The load's triggers marked every day it touched; the endpoints read the rollups, so
      // they are computed now, as `npm run analytics:rollups` does, not by the first request.
      const rolled = performance.now();
      await refreshAllRollups(client);
      console.log(`rollups computed in ${((performance.now() - rolled) / 1000).toFixed(1)} s`);
    }
    if (values.explain || values["explain-only"]) {
      console.log("");
      await explainAnalytics(databaseUrl, days);
    }
    if (jobs && stack) await timeJobs(stack, client, jobsAt);
  } finally {
    await client.end();
  }
}

/** false is not an error: an unreachable dev database means "start the embedded one" */
async function answers(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3_000 });
  client.on("error", () => {});
  return client.connect().then(
    () => client.end().then(() => true),
    () => false,
  );
}

main()
  .catch((error: unknown) => {
    console.error(`bench:data failed: ${describeStartFailure(error)}`);
    process.exitCode = 1;
  })
  .finally(() => stack?.stop());
