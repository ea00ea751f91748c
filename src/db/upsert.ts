// The pieces of INSERT … ON CONFLICT (id) DO UPDATE that the catalog feed and the session
// replicator share.
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";

/** `excluded."<column>"`: the value the INSERT proposed, for DO UPDATE SET. */
export const excluded = (column: PgColumn): SQL => sql.raw(`excluded."${column.name}"`);

/** `SET col = excluded.col` for every column of `table` but the properties in `except`. */
export function excludedExcept(table: PgTable, except: string[]): Record<string, SQL> {
  const set: Record<string, SQL> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    if (!except.includes(key)) set[key] = excluded(column);
  }
  return set;
}

/**
 * The conflict clause of a replica upsert: every column but id and createdAt (and `keep`) is
 * replaced, and only when the incoming version is newer — so a retried or out-of-order write
 * never moves a row backwards.
 */
export function whenNewerVersion<T extends PgTable & { id: PgColumn; version: PgColumn }>(
  table: T,
  keep: string[] = [],
) {
  return {
    target: table.id,
    set: excludedExcept(table, ["id", "createdAt", ...keep]),
    setWhere: sql`${table.version} < excluded.version`,
  };
}
