import { neonConfig, Pool, type PoolClient } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import { createLogger } from "../lib/logger";
import * as schema from "./schema";

export type Database = ReturnType<typeof drizzle<typeof schema>>;

/**
 * A connection Postgres has not accepted after this long is given up (the driver has no
 * default: a frozen Postgres, TCP connected but silent, would hold the caller for as long as
 * it stays frozen). Generous, so a Neon compute waking from scale-to-zero still makes it.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

export interface DatabaseSettings {
  databaseUrl: string;
  /** host:port of a local WebSocket→TCP proxy (dev and tests); unset for Neon */
  wsProxy?: string | undefined;
}

/**
 * Opens a Pool for one request (or one alarm / one cron run). Workers forbid I/O objects
 * shared across requests, so there is no Pool at module scope; the caller hands the
 * returned `close` to `ctx.waitUntil` so the socket is released after the response.
 */
export function openDatabase(settings: DatabaseSettings): { db: Database; pool: Pool; close: () => Promise<void> } {
  if (settings.wsProxy) useLocalProxy(settings.wsProxy);
  const pool = new Pool({
    connectionString: settings.databaseUrl,
    max: 4,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  let ending = false;
  // An idle client losing its socket emits `error` on the Pool; without a listener that
  // would be an uncaught exception that kills the isolate. Sockets closing after `end()`
  // also surface here and are not worth a log line.
  pool.on("error", (error: unknown) => {
    if (ending) return;
    createLogger().error("postgres pool error", { error });
  });
  // A client checked out of the Pool (during a query or a transaction) has no Pool listener:
  // losing its socket then emits `error` on the client alone, an uncaught exception. The
  // query in flight is rejected with the same error and its caller handles it.
  pool.on("connect", (client: PoolClient) => client.on("error", () => {}));
  // drizzle's transaction() never releases its client when `begin` itself fails, which is how
  // a refused connection shows with Neon's pipelined connect; `end()` would wait for that client
  // forever. Whatever is still checked out when the caller closes is finished with: drop it.
  const checkedOut = new Set<PoolClient>();
  pool.on("acquire", (client: PoolClient) => checkedOut.add(client));
  pool.on("release", (_error: unknown, client: PoolClient) => checkedOut.delete(client));
  const db = drizzle({ client: pool, schema });
  const close = async () => {
    ending = true;
    for (const client of checkedOut) dropClient(client);
    await pool.end().catch(() => {});
  };
  return { db, pool, close };
}

/**
 * Drops a client that is still checked out: the Pool removes it and ends its connection. Its
 * owner may still hold it (a query in flight, say a catalog refresh that outlived its request)
 * and releases it once that query fails; the driver throws on a second release, from inside
 * its query callback, so the query would never settle and the throw would be uncaught. The
 * owner's release is therefore made a no-op: the client is gone and never checked out again.
 */
function dropClient(client: PoolClient): void {
  client.release(true);
  client.release = () => {};
}

/**
 * The local proxy speaks plain ws:// to a plain Postgres (no TLS inside). Like Neon's proxy,
 * the local Postgres asks for a cleartext password (scripts/lib/embedded-postgres.ts), so the
 * driver keeps Neon's pipelined connect. These are process-wide driver settings, not I/O, so
 * setting them here (idempotently) is safe; in production no proxy is configured and Neon's
 * defaults stay untouched.
 */
function useLocalProxy(proxy: string): void {
  neonConfig.wsProxy = (host, port) => `${proxy}/v2?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
}
