import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { openDatabase } from "../../src/db/client";
import { sql } from "drizzle-orm";

it("reaches postgres", async () => {
  const { db, close } = openDatabase({ databaseUrl: env.DATABASE_URL, wsProxy: env.DATABASE_WS_PROXY });
  const result = await db.execute(sql`select version() as v`);
  console.log(result.rows[0]);
  await close();
  expect(result.rows.length).toBe(1);
});
