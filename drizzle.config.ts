// drizzle-kit: `npm run db:generate` writes SQL migrations from src/db/schema.ts into
// migrations/. Applying them is `npm run db:migrate` (scripts/db-migrate.ts), which is also
// what the test setup uses; `drizzle-kit migrate` works too when DATABASE_URL is set.
import { defineConfig } from "drizzle-kit";

const url = process.env.DATABASE_URL;

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./migrations",
  strict: true,
  verbose: true,
  ...(url ? { dbCredentials: { url } } : {}),
});
