// `npm run analytics:rollups`: recomputes every analytics rollup day that writes have marked
// (docs/operations.md, "Analytics rollups"), on DATABASE_URL or the local database of
// `npm run dev` (.dev.vars). Safe to run at any time, any number of times.
import pg from "pg";
import { errorText } from "../src/lib/error-fields.ts";
import { refreshAllRollups } from "./lib/analytics-rollups.ts";
import { onTargetDatabase } from "./lib/database-url.ts";

try {
  await onTargetDatabase("analytics:rollups", async (databaseUrl) => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      console.log(`${await refreshAllRollups(client)} marked days recomputed`);
    } finally {
      await client.end();
    }
  });
} catch (error) {
  console.error(`analytics:rollups failed: ${errorText(error)}`);
  process.exit(1);
}
