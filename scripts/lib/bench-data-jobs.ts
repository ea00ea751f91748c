// Times each cron job on the loaded database, the way Cron Triggers run them: a throw-away
// `wrangler dev` on this stack, each cron fired through /cdn-cgi/handler/scheduled with a
// chosen scheduledTime, and the jobs' own summary lines ("job finished": counts, durationMs)
// read back from its output. Used by `npm run bench:data -- --jobs` (docs/operations.md,
// "Scheduled jobs"). The jobs change the data as they would in production (they delete what
// is due), so a second run at the same time finds nothing left to do.
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import type { Stack } from "./supervisor.ts";

/** wrangler.toml's crons (src/jobs/schedule.ts CRONS), in the order a week would run them. */
const CRONS = [
  ["hourly", "0 * * * *"],
  ["daily", "0 3 * * *"],
  ["weekly", "0 4 * * 0"],
] as const;

interface Summary {
  job: string;
  outcome: string;
  selected: number;
  changed: number;
  durationMs: number;
  budgetExhausted: boolean;
  [field: string]: unknown;
}

const TABLES = ["carts", "cross_site_sessions", "product_comparisons"] as const;

export async function timeJobs(stack: Stack, client: pg.Client, offsetDays: number, log = console.log): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), "crosscart-bench-jobs-"));
  const logFile = join(folder, "wrangler.log");
  const url = await stack.startWrangler({ isolated: true, logFile });
  const time = Date.now() + offsetDays * 86_400_000;
  log(`\ncron jobs at scheduledTime ${new Date(time).toISOString()} (wrangler dev ${url}, log ${logFile})`);
  log(`rows before: ${JSON.stringify(await tableCounts(client))}`);
  const rows: string[] = [];
  for (const [label, cron] of CRONS) {
    const seen = readFileSync(logFile, "utf8").length;
    const started = performance.now();
    const response = await fetch(`${url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}&time=${time}`);
    const wallMs = performance.now() - started;
    if (!response.ok) log(`${label}: ${response.status} ${await response.text()}`);
    // The summary lines are written before the handler returns; give the log a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const summaries = summariesIn(readFileSync(logFile, "utf8").slice(seen));
    log(`${label} (${cron}): ${summaries.length} job(s), ${(wallMs / 1000).toFixed(1)} s wall`);
    for (const summary of summaries) {
      const { job, outcome, selected, changed, durationMs, budgetExhausted, ...extra } = summary;
      const perRows = changed > 0 ? ((durationMs * 100_000) / changed).toFixed(0) : "–";
      rows.push(
        `${job.padEnd(24)} ${outcome.padEnd(7)} ${String(selected).padStart(9)} ${String(changed).padStart(9)} ${String(durationMs).padStart(9)} ${perRows.padStart(12)}  ${budgetExhausted ? "yes" : "no "}  ${JSON.stringify(pick(extra))}`,
      );
    }
  }
  log(
    `\n${"job".padEnd(24)} ${"outcome".padEnd(7)} ${"selected".padStart(9)} ${"changed".padStart(9)} ${"ms".padStart(9)} ${"ms/100k chg".padStart(12)}  budget-out  extra`,
  );
  for (const row of rows) log(row);
  log(`\nrows after: ${JSON.stringify(await tableCounts(client))}`);
}

function summariesIn(text: string): Summary[] {
  const found: Summary[] = [];
  for (const line of text.split("\n")) {
    if (!line.includes('"msg":"job finished"')) continue;
    try {
      found.push(JSON.parse(line.slice(line.indexOf("{"))) as Summary);
    } catch {
      // a line wrangler wrapped or cut: not a summary we can read
    }
  }
  return found;
}

/** The summary fields worth a column: the jobs' own counts, not the repeated context. */
function pick(extra: Record<string, unknown>): Record<string, unknown> {
  const { level, msg, time, component, cron, scheduledTime, skipped, failed, ...rest } = extra;
  return { skipped, failed, ...rest };
}

async function tableCounts(client: pg.Client): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    counts[table] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}
