// `npm run db:migrate`: applies the drizzle-kit migrations in migrations/ to DATABASE_URL, or
// to the local database of `npm run dev` (.dev.vars) when DATABASE_URL is unset.
import { pathToFileURL } from "node:url";
import { errorText } from "../src/lib/error-fields.ts";
import { onTargetDatabase } from "./lib/database-url.ts";
import { migrateDatabase } from "./lib/migrate.ts";

export { migrateDatabase };

async function main(): Promise<void> {
  await onTargetDatabase("db:migrate", async (url) => {
    const { applied } = await migrateDatabase(url);
    console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date; nothing applied");
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(`db:migrate failed: ${errorText(error)}`);
    process.exitCode = 1;
  });
}
