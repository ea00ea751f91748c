// Applies the drizzle-kit migrations in migrations/ and runs the runbook §2.3 rollback of the
// session-state migration. Shared by `npm run db:migrate`, `npm run db:rollback`, `npm run dev`
// and the test setup.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../migrations/", import.meta.url));
export const SESSION_STATE_MIGRATION = "0001_session_state";
/**
 * The session-state migration and the later ones whose every object lives in the eight
 * session-state tables (indexes on them, column type changes): the runbook rollback drops those tables, which
 * undoes all of these, so it un-records them all and the next migrate re-applies them. A
 * migration belongs here only if that is true of it; any other later migration makes the
 * rollback refuse.
 */
export const SESSION_STATE_MIGRATIONS = [
  SESSION_STATE_MIGRATION,
  "0002_analytics_indexes",
  // Only widens money columns of carts, cart_items and saved_cart_items to bigint.
  "0003_cart_money_bigint",
  // Only indexes on carts, cross_site_sessions and product_comparisons (the lifecycle jobs').
  "0011_lifecycle_job_indexes",
];
/**
 * Later migrations whose objects only make sense with the session-state tables (the replication
 * dead letters): the rollback undoes each with its own `rollback/<tag>.down.sql`, newest first,
 * right before the runbook's SQL and in the same transaction, and un-records it too.
 */
export const SESSION_STATE_DEPENDENT_MIGRATIONS = [
  "0004_replication_dead_letters",
  "0005_cart_conversions",
  "0006_privacy",
  "0007_analytics_rollups",
  "0008_analytics_rollup_triggers",
  "0009_analytics_list_product_days",
  "0010_analytics_list_product_triggers",
];
const downFile = (tag: string) => `${MIGRATIONS_FOLDER}rollback/${tag}.down.sql`;
const SESSION_STATE_DOWN_FILE = downFile(SESSION_STATE_MIGRATION);

// drizzle's defaults, spelled out because the rollback edits that table.
const JOURNAL_TABLE = `"drizzle"."__drizzle_migrations"`;
// Every migrate and rollback holds this session-level advisory lock, so `npm run dev`, the test
// setup and an operator running at the same time apply migrations once, one after the other
// (drizzle's migrator takes no lock of its own).
const MIGRATION_LOCK_KEY = 0x63_72_6f_73; // "cros"

export interface JournalEntry {
  idx: number;
  tag: string;
  /** drizzle stores this as `created_at` of the migration's journal row */
  when: number;
}

export interface MigrateResult {
  /** tags of the migrations this run applied; empty when the database was up to date */
  applied: string[];
}

export interface RollbackResult {
  droppedTables: string[];
  droppedEnums: string[];
  /** rows removed from drizzle's journal (0 when the migration was not recorded) */
  journalRowsDeleted: number;
}

export async function readJournal(): Promise<JournalEntry[]> {
  const journal = JSON.parse(await readFile(`${MIGRATIONS_FOLDER}meta/_journal.json`, "utf8")) as {
    entries: JournalEntry[];
  };
  return journal.entries;
}

/** The hash drizzle's migrator records: sha256 hex of the migration's SQL file. */
export async function migrationHash(tag: string): Promise<string> {
  const sql = await readFile(`${MIGRATIONS_FOLDER}${tag}.sql`, "utf8");
  return createHash("sha256").update(sql).digest("hex");
}

export async function migrateDatabase(url: string): Promise<MigrateResult> {
  const journal = await readJournal();
  return withMigrationLock(url, async (client) => {
    const before = await appliedTimestamps(client);
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    const after = await appliedTimestamps(client);
    const applied = journal.filter((entry) => after.has(entry.when) && !before.has(entry.when));
    return { applied: applied.map((entry) => entry.tag) };
  });
}

/**
 * Runbook §2.3: drops the eight session-state tables and two enums with the runbook's own SQL
 * and forgets the migration in drizzle's journal, all in one transaction, so the next
 * migrate re-applies it. Destroys every cart, wishlist, comparison and cross-site session.
 */
export async function rollbackSessionState(url: string): Promise<RollbackResult> {
  const journal = await readJournal();
  const entry = journal.find((candidate) => candidate.tag === SESSION_STATE_MIGRATION);
  if (!entry) throw new Error(`${SESSION_STATE_MIGRATION} is not in migrations/meta/_journal.json`);
  const undoneTags = [...SESSION_STATE_MIGRATIONS, ...SESSION_STATE_DEPENDENT_MIGRATIONS];
  const undone = journal.filter((candidate) => undoneTags.includes(candidate.tag)).map((m) => m.when);
  const dependentDownSql = await Promise.all(
    [...SESSION_STATE_DEPENDENT_MIGRATIONS].reverse().map((tag) => readFile(downFile(tag), "utf8")),
  );
  const downSql = [...dependentDownSql, await readFile(SESSION_STATE_DOWN_FILE, "utf8")].join("\n");
  const tables = namesDropped(downSql, "TABLE");
  const enums = namesDropped(downSql, "TYPE");

  return withMigrationLock(url, async (client) => {
    await client.query("BEGIN");
    try {
      const hasJournal = await journalExists(client);
      if (hasJournal) {
        // drizzle only applies migrations newer than the newest row, so with an unrelated later
        // migration recorded these would never be re-applied; that one must be rolled back first.
        const later = await client.query(
          `SELECT hash FROM ${JOURNAL_TABLE} WHERE created_at > $1 AND NOT (created_at = ANY($2::bigint[]))`,
          [entry.when, undone],
        );
        if (later.rowCount) {
          throw new Error(
            `${later.rowCount} migration(s) newer than ${SESSION_STATE_MIGRATION} are applied; roll those back first`,
          );
        }
      }
      const droppedTables = await existing(
        client,
        "SELECT to_regclass(quote_ident($1)) IS NOT NULL AS present",
        tables,
      );
      const droppedEnums = await existing(client, "SELECT to_regtype(quote_ident($1)) IS NOT NULL AS present", enums);

      await client.query(withoutTransactionControl(downSql));
      // Matched by created_at, which is what drizzle's migrator compares (the hash is only
      // recorded), so a reformatted SQL file still rolls back cleanly.
      const deleted = hasJournal
        ? await client.query(`DELETE FROM ${JOURNAL_TABLE} WHERE created_at = ANY($1::bigint[])`, [undone])
        : { rowCount: 0 };
      await client.query("COMMIT");
      return { droppedTables, droppedEnums, journalRowsDeleted: deleted.rowCount ?? 0 };
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }
  });
}

async function withMigrationLock<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      return await work(client);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

async function journalExists(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ present: boolean }>(
    "SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present",
  );
  return rows[0]?.present === true;
}

async function appliedTimestamps(client: pg.Client): Promise<Set<number>> {
  if (!(await journalExists(client))) return new Set();
  const { rows } = await client.query<{ created_at: string }>(`SELECT created_at FROM ${JOURNAL_TABLE}`);
  return new Set(rows.map((row) => Number(row.created_at)));
}

async function existing(client: pg.Client, query: string, names: string[]): Promise<string[]> {
  const present: string[] = [];
  for (const name of names) {
    const { rows } = await client.query<{ present: boolean }>(query, [name]);
    if (rows[0]?.present) present.push(name);
  }
  return present;
}

/** The quoted names a `DROP TABLE|TYPE IF EXISTS "name"` script drops, in file order. */
function namesDropped(sql: string, kind: "TABLE" | "TYPE"): string[] {
  const pattern = new RegExp(`^\\s*DROP ${kind} IF EXISTS "([^"]+)"`, "gim");
  return [...sql.matchAll(pattern)].map((match) => match[1] as string);
}

/**
 * The runbook's script carries its own BEGIN/COMMIT (so it also runs as-is with psql); here
 * it runs inside the caller's transaction, which must also cover the journal delete.
 */
function withoutTransactionControl(sql: string): string {
  return sql.replace(/^\s*(BEGIN|COMMIT)\s*;\s*$/gim, "");
}
