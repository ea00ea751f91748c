// The embedded Postgres helper (scripts/lib/embedded-postgres.ts) from a checkout other users
// cannot enter: as root, Postgres runs as the `postgres` user, which cannot reach binaries or
// data under a 0700 folder. The binaries here are reached through a symlink inside such a
// folder, exactly as node_modules would be from a checkout in a 0700 home. Before the fix this
// died with an unhandled `spawn …/initdb EACCES` (or, for the data folder, chmod-ed the
// user's folders). As a normal user the same calls simply run from where they are.
import { chmod, mkdtemp, rm, stat, symlink } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packagedNativeDir, StartError, startLocalPostgres } from "../../scripts/lib/embedded-postgres.ts";
import { freePort } from "../../scripts/lib/free-port.ts";

const isRoot = userInfo().uid === 0;

describe("embedded Postgres from a folder other users cannot enter", () => {
  let locked: string;
  let shared: string;

  beforeAll(async () => {
    locked = await mkdtemp(join(tmpdir(), "crosscart-locked-")); // mode 0700
    await symlink(packagedNativeDir(), join(locked, "native"));
    // A fresh folder for the reachable copies (a stale copy must not make this pass).
    shared = join(await mkdtemp(join(tmpdir(), "crosscart-shared-")), "pg");
    await chmod(join(shared, ".."), 0o755);
  });

  afterAll(async () => {
    await rm(locked, { recursive: true, force: true });
    await rm(join(shared, ".."), { recursive: true, force: true });
  });

  it("starts, answers queries and stops, without touching the locked folder's mode", { timeout: 120_000 }, async () => {
    const wanted = join(locked, "data");
    const postgres = await startLocalPostgres({
      nativeDir: join(locked, "native"),
      sharedDir: shared,
      dataDir: wanted,
      persistent: false,
      port: await freePort(),
      database: "locked_check",
    });
    try {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      const { rows } = await client.query<{ db: string }>("SELECT current_database() AS db");
      await client.end();
      expect(rows[0]?.db).toBe("locked_check");
      if (isRoot) {
        // the data moved where the postgres user can reach it; the binaries run from a copy
        expect(postgres.dataDir.startsWith(shared)).toBe(true);
      } else {
        expect(postgres.dataDir).toBe(wanted);
      }
    } finally {
      await postgres.stop();
    }
    expect((await stat(locked)).mode & 0o777).toBe(0o700);
    await expect(stat(postgres.dataDir)).rejects.toThrow(); // persistent: false
  });

  it("says in one sentence what to do when the port is taken", async () => {
    const server = createServer();
    const port = await freePort();
    await new Promise<void>((done) => server.listen(port, "127.0.0.1", done));
    try {
      const error = await startLocalPostgres({ port, database: "x", sharedDir: shared }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StartError);
      expect((error as Error).message).toMatch(/^port \d+ is already in use .*PGPORT/);
      expect((error as Error).message).not.toContain("\n");
    } finally {
      server.close();
    }
  });
});
