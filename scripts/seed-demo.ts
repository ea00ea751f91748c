// `npm run db:seed`: upserts the demo catalog (fixed ids, see the README) into DATABASE_URL,
// which must already be migrated (`npm run db:migrate`). Safe to run any number of times.
import { errorText } from "../src/lib/error-fields.ts";
import { DEMO_COMPANY_ID, seedDemoData } from "./lib/demo-data.ts";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("DATABASE_URL is not set. (`npm run dev` starts a local database and seeds it by itself.)");
  process.exit(2);
}

try {
  const summary = await seedDemoData(databaseUrl);
  const counts = Object.entries(summary)
    .map(([table, rows]) => `${table} ${rows}`)
    .join(", ");
  console.log(`seeded ${new URL(databaseUrl).host}: ${counts} (demo company ${DEMO_COMPANY_ID})`);
} catch (error) {
  // drizzle wraps the driver's error ("Failed query: …"); its cause, printed below it, says what went wrong.
  const text = errorText(error);
  console.error(`seeding failed: ${text}`);
  if (text.includes("does not exist")) console.error("Is the database migrated? Run `npm run db:migrate` first.");
  process.exit(1);
}
