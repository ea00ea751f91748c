// `npm run db:rollback -- --yes`: the runbook §2.3 emergency rollback. Drops the eight
// session-state tables and two enums (migrations/rollback/0001_session_state.down.sql) and
// forgets the migration in drizzle's journal, in one transaction; `npm run db:migrate` then
// re-creates them empty. Every cart, wishlist, comparison and cross-site session is lost.
// Acts on DATABASE_URL, or on the local database of `npm run dev` (.dev.vars) when it is unset.
import { pathToFileURL } from "node:url";
import { errorText } from "../src/lib/error-fields.ts";
import { onTargetDatabase } from "./lib/database-url.ts";
import { rollbackSessionState, SESSION_STATE_MIGRATION } from "./lib/migrate.ts";

export { rollbackSessionState };

async function main(): Promise<void> {
  await onTargetDatabase("db:rollback", rollback);
}

async function rollback(url: string): Promise<void> {
  const confirmed = process.argv.slice(2).includes("--yes") || process.env.CONFIRM === "yes";
  if (!confirmed) {
    console.error(`This drops every table of ${SESSION_STATE_MIGRATION} and ALL of its data`);
    console.error(`(carts, wishlists, comparisons, cross-site sessions) in ${redact(url)}.`);
    console.error("Take the runbook §2.4 backup first, then re-run with --yes (or CONFIRM=yes).");
    process.exitCode = 1;
    return;
  }
  const result = await rollbackSessionState(url);
  console.log(`rolled back ${SESSION_STATE_MIGRATION} in ${redact(url)}`);
  console.log(`  dropped tables: ${result.droppedTables.join(", ") || "(none present)"}`);
  console.log(`  dropped enums:  ${result.droppedEnums.join(", ") || "(none present)"}`);
  console.log(
    result.journalRowsDeleted
      ? "  removed from drizzle's journal: `npm run db:migrate` will re-apply it"
      : "  it was not recorded in drizzle's journal",
  );
}

/** host/database only: the URL's password must not reach the terminal or CI logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(`db:rollback failed: ${errorText(error)}`);
    process.exitCode = 1;
  });
}
