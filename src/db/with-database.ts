import { loadConfig } from "../lib/config";
import { type Database, openDatabase } from "./client";

/**
 * Runs `work` with a Postgres connection opened on first use and closed afterwards: no I/O
 * object may outlive the call (alarm, queue batch) that opened it. With `awaitClose: false` the call
 * returns without waiting for the close: a catalog read that gave up on a Postgres that does
 * not answer must not wait for its socket (the object's I/O outlives the call; the pool's
 * connect timeout ends it).
 */
export async function withDatabase<T>(
  env: Env,
  work: (db: () => Database) => Promise<T>,
  { awaitClose = true } = {},
): Promise<T> {
  let database: ReturnType<typeof openDatabase> | undefined;
  const db = () => {
    if (!database) {
      const config = loadConfig(env as unknown as Record<string, unknown>);
      database = openDatabase({ databaseUrl: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY });
    }
    return database.db;
  };
  try {
    return await work(db);
  } finally {
    const closing = database?.close();
    if (awaitClose) await closing;
  }
}
