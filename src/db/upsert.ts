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

/** `"<column>"`, for SQL drizzle's builder does not write for us */
const quoted = (column: PgColumn): SQL => sql.raw(`"${column.name}"`);

/**
 * `INSERT INTO <table> (<columns>) SELECT <columns> FROM json_populate_recordset(…)`: many rows
 * in one statement with a single parameter, the rows as one JSON array, which Postgres parses
 * and casts to the table's column types. drizzle's multi-row `values()` makes every value a
 * parameter and walks each through its query builder: for a replication batch (a hundred carts
 * and their lines, thousands of values) that was the largest CPU cost of the consumer (design
 * 105). The columns are the properties of the first row, so every row must have the same ones
 * (the replica schemas in replication/messages.ts have no optional field): a later row without
 * one gets NULL there, not the default. Columns the first row lacks take their defaults, as
 * with `values()`. Dates go as ISO strings, jsonb as JSON.
 */
export function insertRowsAsJson(table: PgTable, rows: Record<string, unknown>[]): SQL {
  const [first] = rows;
  if (!first) throw new Error("insertRowsAsJson needs at least one row");
  const columns = getTableColumns(table);
  const keys = Object.keys(first).filter((key) => key in columns);
  const names = keys.map((key) => (columns[key] as PgColumn).name);
  const list = sql.join(
    keys.map((key) => quoted(columns[key] as PgColumn)),
    sql`, `,
  );
  const json = rowsAsJson(rows.map((row) => Object.fromEntries(keys.map((key, i) => [names[i], row[key]]))));
  return sql`INSERT INTO ${table} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${table}, ${json}::json)`;
}

/**
 * JSON text Postgres accepts. JSON.stringify writes a lone UTF-16 surrogate (text a client
 * sent as "\ud800", say in a wishlist note) as that escape, which Postgres' json parser
 * refuses, so the whole resource would become a dead letter; written as a parameter it used to
 * be stored as U+FFFD. Paired surrogates are written as they are, so an escape in the output
 * means a lone one (or a user's backslash before "ud"): only then are the strings made
 * well-formed, the way the driver's UTF-8 encoding made them before.
 */
function rowsAsJson(rows: Record<string, unknown>[]): string {
  const json = JSON.stringify(rows);
  if (!json.includes("\\ud")) return json;
  return JSON.stringify(rows, (_key, value) =>
    typeof value === "string" && !value.isWellFormed() ? value.toWellFormed() : value,
  );
}

/**
 * The conflict clause of a replica upsert, after `insertRowsAsJson`: every column but id and
 * createdAt (and `keep`) is replaced, and only when the incoming version is newer — so a
 * retried or out-of-order write never moves a row backwards.
 */
export function onConflictNewerVersion(table: PgTable & { id: PgColumn; version: PgColumn }, keep: string[] = []): SQL {
  const except = ["id", "createdAt", ...keep];
  const set = Object.entries(getTableColumns(table))
    .filter(([key]) => !except.includes(key))
    .map(([, column]) => sql`${quoted(column)} = ${excluded(column)}`);
  return sql`ON CONFLICT (${quoted(table.id)}) DO UPDATE SET ${sql.join(set, sql`, `)} WHERE ${table.version} < excluded.version`;
}
