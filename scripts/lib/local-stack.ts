// Brings up everything the Worker needs on one machine: a database (an embedded PostgreSQL
// whose data persists under .data/postgres, or the one in DATABASE_URL), the WebSocket→TCP
// proxy the Neon driver needs to reach a local Postgres, the migrations and the demo data.
// Used by `npm run dev` and the benchmark.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { seedDemoData } from "./demo-data.ts";
import { isPortFree, startLocalPostgres } from "./embedded-postgres.ts";
import { freePort } from "./free-port.ts";
import { migrateDatabase } from "./migrate.ts";
import { startWsProxy } from "./ws-proxy.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface LocalStackOptions {
  /** embedded Postgres data folder; default `.data/postgres` in the repo (kept between runs) */
  dataDir?: string;
  /** keep the data folder when stopping (default true); false deletes it (throw-away stacks) */
  persistent?: boolean;
  /** embedded Postgres port; default $PGPORT or 54320 */
  pgPort?: number;
  /** WebSocket proxy port; default $WS_PROXY_PORT or 54321 (a free port if that one is taken) */
  proxyPort?: number;
  /** database name inside the embedded server; default "crosscart" */
  database?: string;
  /** an existing database to use instead of an embedded one; default $DATABASE_URL */
  databaseUrl?: string;
  /** apply migrations (default true) */
  migrate?: boolean;
  /** upsert the demo catalog (default true) */
  seed?: boolean;
  /** progress lines; default console.log with a prefix */
  log?: (line: string) => void;
}

export interface LocalStack {
  /** postgres:// URL for node-postgres / drizzle-kit, and the Worker's DATABASE_URL */
  databaseUrl: string;
  /** host:port of the WebSocket proxy for the Worker's DATABASE_WS_PROXY; undefined for a remote database */
  wsProxy: string | undefined;
  /** true when this stack started its own Postgres */
  embedded: boolean;
  /** stops the proxy and the embedded Postgres this stack started; safe to call more than once */
  stop(): Promise<void>;
}

const DEFAULT_PG_PORT = 54320;
const DEFAULT_PROXY_PORT = 54321;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(`[stack] ${line}`));
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      for (const { name, stop: stopOne } of stops.reverse()) {
        try {
          await stopOne();
        } catch (error) {
          log(`stopping ${name} failed: ${String(error)}`);
        }
      }
    })();
    return stopped;
  };

  try {
    let databaseUrl = options.databaseUrl ?? (process.env.DATABASE_URL || undefined);
    const embedded = !databaseUrl;
    if (!databaseUrl) {
      const dataDir = resolve(REPO_ROOT, options.dataDir ?? ".data/postgres");
      const port = options.pgPort ?? portFromEnv("PGPORT") ?? DEFAULT_PG_PORT;
      const postgres = await startLocalPostgres({
        dataDir,
        port,
        database: options.database ?? "crosscart",
        persistent: options.persistent ?? true,
        ...(process.env.DEBUG_POSTGRES ? { log: (line: string) => console.error(`[postgres] ${line}`) } : {}),
      });
      stops.push({ name: "postgres", stop: postgres.stop });
      databaseUrl = postgres.url;
      log(`postgres: embedded, port ${port}, data in ${postgres.dataDir}`);
    } else {
      log(`postgres: using ${redact(databaseUrl)}`);
    }

    let wsProxy: string | undefined;
    if (isLoopback(databaseUrl)) {
      const wanted = options.proxyPort ?? portFromEnv("WS_PROXY_PORT") ?? DEFAULT_PROXY_PORT;
      const port = (await isPortFree(wanted)) ? wanted : await freePort();
      if (port !== wanted) log(`port ${wanted} is taken; the WebSocket proxy uses ${port}`);
      const proxy = await startWsProxy({ port });
      stops.push({ name: "websocket proxy", stop: proxy.close });
      wsProxy = proxy.address;
      log(`websocket proxy: ws://${wsProxy}`);
    }

    if (options.migrate ?? true) {
      const { applied } = await migrateDatabase(databaseUrl);
      log(applied.length ? `migrations applied: ${applied.join(", ")}` : "migrations: up to date");
    }
    if (options.seed ?? true) {
      await seedDemoData(databaseUrl);
      log("demo data: seeded");
    }

    return { databaseUrl, wsProxy, embedded, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Routes SIGINT, SIGTERM and SIGHUP to `handler`. Importing `embedded-postgres` installs
 * handlers that stop Postgres and exit at once (with 130/143), which would race a clean
 * shutdown; they are removed here (its `exit` hook stays as a last-resort safety net).
 */
export function onShutdownSignal(handler: (signal: NodeJS.Signals) => void): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.removeAllListeners(signal);
    process.on(signal, handler);
  }
}

function portFromEnv(name: string): number | undefined {
  const value = process.env[name];
  if (!value) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${value} is not a port`);
  return port;
}

export function isLoopback(databaseUrl: string): boolean {
  try {
    return LOOPBACK_HOSTS.has(new URL(databaseUrl).hostname);
  } catch {
    return false;
  }
}

/** the URL without its password, for logs */
export function redact(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
