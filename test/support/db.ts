// Postgres as the tests see it: a handle for arranging and asserting rows, and the switch that
// takes the database "down" for the outage tests.
import { env } from "cloudflare:workers";
import { openDatabase } from "../../src/db/client";

/** A real Postgres handle for arranging and asserting test data; the caller closes it. */
export function testDatabase() {
  return openDatabase({ databaseUrl: env.DATABASE_URL, wsProxy: env.DATABASE_WS_PROXY });
}

export type TestDb = ReturnType<typeof testDatabase>["db"];

/** Runs `work` with a fresh connection, closed afterwards. */
export async function withDatabase<T>(work: (db: TestDb) => Promise<T>): Promise<T> {
  const { db, close } = testDatabase();
  try {
    return await work(db);
  } finally {
    await close();
  }
}

/**
 * Takes the test database "down" for real: the WebSocket proxy between the Worker and
 * Postgres drops every connection and refuses new ones until `databaseUp()`.
 */
export async function databaseDown(): Promise<void> {
  await fetch(`http://${env.DATABASE_WS_PROXY}/__outage`, { method: "POST" });
}

/**
 * Freezes the test database as SIGSTOP would: connections are accepted but get no answer
 * until `databaseUp()`, which lets everything held through in order.
 */
export async function databaseFrozen(): Promise<void> {
  await fetch(`http://${env.DATABASE_WS_PROXY}/__freeze`, { method: "POST" });
}

/** Ends an outage or a freeze. */
export async function databaseUp(): Promise<void> {
  await fetch(`http://${env.DATABASE_WS_PROXY}/__outage`, { method: "DELETE" });
}
