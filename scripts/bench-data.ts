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
//
// The database is DATABASE_URL, else the one in .dev.vars (written by `npm run dev`) when it
// answers, else the embedded one `npm run dev` uses, started here for the run. It is migrated
// and the demo catalog upserted first (the bench rows belong to the demo companies).
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { errorText } from "../src/lib/error-fields.ts";
import { explainAnalytics } from "./lib/bench-data-explain.ts";
import { benchCounts, deleteBenchData, loadBenchData } from "./lib/bench-data-load.ts";
import { seedDemoData } from "./lib/demo-data.ts";
import { type LocalStack, REPO_ROOT, redact, startLocalStack } from "./lib/local-stack.ts";
import { migrateDatabase } from "./lib/migrate.ts";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      carts: { type: "string", default: "1000000" },
      days: { type: "string", default: "366" },
      explain: { type: "boolean", default: false },
      "explain-only": { type: "boolean", default: false },
      clean: { type: "boolean", default: false },
    },
  });
  const carts = Number(values.carts);
  const days = Number(values.days);
  if (!Number.isInteger(carts) || carts < 1) throw new Error(`--carts ${values.carts} is not a positive integer`);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new Error(`--days ${values.days} is not 1–366`);

  const { databaseUrl, stack } = await localDatabase();
  try {
    if (values.clean) {
      await clean(databaseUrl);
      return;
    }
    if (!values["explain-only"]) {
      const started = performance.now();
      const { counts } = await loadBenchData(databaseUrl, { carts });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`\nbench data loaded in ${seconds} s:`);
      for (const [table, count] of Object.entries(counts)) {
        console.log(`  ${table.padEnd(26)} ${count.toLocaleString("en-US").padStart(12)}`);
      }
    }
    if (values.explain || values["explain-only"]) {
      console.log("");
      await explainAnalytics(databaseUrl, { days });
    }
  } finally {
    await stack?.stop();
  }
}

async function clean(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await deleteBenchData(async (name, statements, params = []) => {
      for (const statement of Array.isArray(statements) ? statements : [statements]) {
        const result = await client.query(statement, params);
        console.log(`${name}: ${result.rowCount ?? 0} rows`);
      }
    });
    console.log(await benchCounts(client));
  } finally {
    await client.end();
  }
}

async function localDatabase(): Promise<{ databaseUrl: string; stack: LocalStack | undefined }> {
  const candidate = process.env.DATABASE_URL || devVarsDatabaseUrl();
  if (candidate && (await answers(candidate))) {
    console.log(`database: ${redact(candidate)}`);
    await migrateDatabase(candidate);
    await seedDemoData(candidate);
    return { databaseUrl: candidate, stack: undefined };
  }
  if (process.env.DATABASE_URL) throw new Error(`DATABASE_URL (${redact(candidate ?? "")}) does not answer`);
  // Nothing running: the embedded Postgres of `npm run dev` (data in .data/postgres), for this run only.
  const stack = await startLocalStack();
  return { databaseUrl: stack.databaseUrl, stack };
}

function devVarsDatabaseUrl(): string | undefined {
  const file = resolve(REPO_ROOT, ".dev.vars");
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("DATABASE_URL="));
  return (
    line
      ?.slice("DATABASE_URL=".length)
      .trim()
      .replace(/^"(.*)"$/, "$1") || undefined
  );
}

async function answers(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    return true;
  } catch {
    // Not an error: an unreachable dev database means "start the embedded one".
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

main().catch((error: unknown) => {
  console.error(`bench:data failed: ${errorText(error)}`);
  process.exitCode = 1;
});
