// The per-request Postgres handle: closing it while a query is still in flight (a catalog
// refresh outliving its request does exactly this) settles that query instead of leaving it
// hanging behind an uncaught "released twice" error.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { testDatabase } from "../../support/db";

describe("closing the database handle", () => {
  it("fails a query still in flight, and closes", async () => {
    const { db, close } = testDatabase();
    const inFlight = db.execute(sql`select pg_sleep(5)`);
    const settled = inFlight.then(
      () => "answered",
      () => "failed",
    );
    // Long enough for the query to be sent, far shorter than its 5 s.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    await close();
    expect(await settled).toBe("failed");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("drops a client its owner never released (a transaction whose BEGIN failed)", async () => {
    const { pool, close } = testDatabase();
    const client = await pool.connect();
    await client.query("select 1");
    const started = Date.now();
    await close();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(pool.totalCount).toBe(0);
  });
});
