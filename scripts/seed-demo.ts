// `npm run db:seed`: upserts the demo catalog (fixed ids, scripts/lib/demo-data.ts) into
// DATABASE_URL, or into the local database of `npm run dev` (.dev.vars) when it is unset. The
// database must already be migrated (`npm run db:migrate`). Safe to run any number of times.
import { errorText } from "../src/lib/error-fields.ts";
import { onTargetDatabase } from "./lib/database-url.ts";
import { DEMO_COMPANY_ID, seedDemoData } from "./lib/demo-data.ts";

try {
  await onTargetDatabase("db:seed", async (databaseUrl) => {
    const summary = await seedDemoData(databaseUrl);
    const counts = Object.entries(summary)
      .map(([table, rows]) => `${table} ${rows}`)
      .join(", ");
    console.log(`seeded ${new URL(databaseUrl).host}: ${counts} (demo company ${DEMO_COMPANY_ID})`);
  });
} catch (error) {
  // drizzle wraps the driver's error ("Failed query: …"); its cause, printed below it, says what went wrong.
  const text = errorText(error);
  console.error(`seeding failed: ${text}`);
  if (text.includes("does not exist")) console.error("Is the database migrated? Run `npm run db:migrate` first.");
  process.exit(1);
}
