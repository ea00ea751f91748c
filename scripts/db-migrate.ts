// `npm run db:migrate`: applies the drizzle-kit migrations in migrations/ to DATABASE_URL.
import { pathToFileURL } from "node:url";
import { errorText } from "../src/lib/error-fields.ts";
import { migrateDatabase } from "./lib/migrate.ts";

export { migrateDatabase };

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("DATABASE_URL is not set: point it at the Postgres database to migrate, e.g.");
    console.error("  DATABASE_URL=postgres://user:password@host:5432/crosscart npm run db:migrate");
    process.exitCode = 1;
    return;
  }
  const { applied } = await migrateDatabase(url);
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date; nothing applied");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(`db:migrate failed: ${errorText(error)}`);
    process.exitCode = 1;
  });
}
