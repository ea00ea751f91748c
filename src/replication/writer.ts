// Writes replica bodies to Postgres with multi-row, version-guarded upserts: one statement per
// table for the whole batch (plus the child rows of what moved forward), each with its rows as
// one JSON parameter, so a batch of a hundred resource versions costs a handful of round trips
// on one connection and little CPU. A row only moves
// forward (`version` guard), so duplicate and out-of-order deliveries change nothing.
import { inArray, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Database } from "../db/client";
import { erasedAmong, lockAgainstErasure } from "../db/erasure";
import {
  cartItems,
  carts,
  crossSiteSessions,
  productComparisonItems,
  productComparisons,
  savedCartItems,
  wishlistItems,
  wishlists,
} from "../db/schema";
import { insertRowsAsJson, onConflictNewerVersion } from "../db/upsert";
import type { ReplicaBodyRows } from "./messages";

export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

type BodyOf<Kind extends ReplicaBodyRows["kind"]> = Extract<ReplicaBodyRows, { kind: Kind }>;

/**
 * Writes every body; at most one per resource (the caller keeps the newest). Sessions first,
 * then lists, then carts — the order the old per-session writes used, so the token-hash hand-over
 * below sees the rows it needs.
 */
export async function writeReplicas(tx: Transaction, all: ReplicaBodyRows[]): Promise<string[]> {
  const bodies = await withoutErasedSessions(tx, all);
  const of = <Kind extends ReplicaBodyRows["kind"]>(kind: Kind) =>
    bodies.filter((body): body is BodyOf<Kind> => body.kind === kind);
  const sessions = of("session");
  if (sessions.length) {
    const rows = insertRowsAsJson(
      crossSiteSessions,
      sessions.map((body) => body.row),
    );
    await tx.execute(sql`${rows} ${onConflictNewerVersion(crossSiteSessions)}`);
  }
  const written: string[] = sessions.map((body) => body.row.id);
  const wishlistIds = await upsertRows(tx, wishlists, of("wishlist"), ["name"]);
  await replaceChildren(tx, wishlistItems, wishlistItems.wishlistId, wishlistIds, of("wishlist"), (body) =>
    body.items.map((item) => ({ ...item, wishlistId: body.row.id })),
  );
  const comparisonIds = await upsertRows(tx, productComparisons, of("comparison"));
  await replaceChildren(
    tx,
    productComparisonItems,
    productComparisonItems.comparisonId,
    comparisonIds,
    of("comparison"),
    (body) => body.items.map((item) => ({ ...item, comparisonId: body.row.id })),
  );
  const cartBodies = of("cart");
  const cartIds = await upsertRows(tx, carts, cartBodies);
  await replaceChildren(tx, cartItems, cartItems.cartId, cartIds, cartBodies, (body) =>
    body.items.map((item) => ({ ...item, cartId: body.row.id })),
  );
  await replaceChildren(tx, savedCartItems, savedCartItems.cartId, cartIds, cartBodies, (body) =>
    body.saved.map((item) => ({ ...item, cartId: body.row.id })),
  );
  return [...written, ...wishlistIds, ...comparisonIds, ...cartIds];
}

const sessionIdOf = (body: ReplicaBodyRows) => (body.kind === "session" ? body.row.id : body.row.sessionId);

/**
 * Nothing of an erased session is written again (a message in flight when its customer's data
 * was erased): the bodies of sessions with a tombstone are left out, under src/db/erasure.ts's lock.
 */
async function withoutErasedSessions(tx: Transaction, bodies: ReplicaBodyRows[]): Promise<ReplicaBodyRows[]> {
  if (bodies.length === 0) return bodies;
  await lockAgainstErasure(
    tx,
    bodies.map((body) => body.row.companyId),
  );
  const erased = await erasedAmong(tx, bodies.map(sessionIdOf));
  return erased.size === 0 ? bodies : bodies.filter((body) => !erased.has(sessionIdOf(body)));
}

interface OwnedTable extends PgTable {
  id: PgColumn;
  version: PgColumn;
  sessionTokenHash: PgColumn;
}

/**
 * Hands each claimed session token hash over, then upserts the rows; returns the ids whose row
 * moved forward (only their children are replaced). The hash is unique per table: a session's
 * new cart (after a conversion) or renewed comparison takes it from the row that held it. The
 * hand-over happens only when the claiming row will be written (it is absent or older), so a
 * late, stale message can never take the hash from the row that holds it now.
 */
async function upsertRows<Table extends OwnedTable>(
  tx: Transaction,
  table: Table,
  bodies: { row: { id: string; version: number; sessionTokenHash: string | null } }[],
  keep: string[] = [],
): Promise<string[]> {
  if (bodies.length === 0) return [];
  const claims = bodies.filter((body) => body.row.sessionTokenHash !== null).map((body) => body.row);
  if (claims.length) {
    const claimed = sql.join(
      claims.map((row) => sql`(${row.id}::uuid, ${row.sessionTokenHash}::text, ${row.version}::int)`),
      sql`, `,
    );
    // updated_at stays: giving up the hash is bookkeeping, not a change to that row.
    await tx.execute(sql`
      UPDATE ${table} SET session_token_hash = NULL
      FROM (VALUES ${claimed}) AS claim(id, hash, version)
      WHERE ${table.sessionTokenHash} = claim.hash AND ${table.id} <> claim.id
        AND NOT EXISTS (SELECT 1 FROM ${table} AS cur WHERE cur.id = claim.id AND cur.version >= claim.version)`);
  }
  const rows = insertRowsAsJson(
    table,
    bodies.map((body) => body.row),
  );
  const written = await tx.execute<{ id: string }>(
    sql`${rows} ${onConflictNewerVersion(table, keep)} RETURNING ${table.id} AS id`,
  );
  return written.rows.map((row) => row.id);
}

/** Replaces the child rows of the parents that moved forward (lines, items), wholesale. */
async function replaceChildren<Body extends { row: { id: string } }>(
  tx: Transaction,
  table: PgTable,
  parentColumn: PgColumn,
  movedForward: string[],
  bodies: Body[],
  rowsOf: (body: Body) => Record<string, unknown>[],
): Promise<void> {
  if (movedForward.length === 0) return;
  await tx.delete(table).where(inArray(parentColumn, movedForward));
  const moved = new Set(movedForward);
  const rows = bodies.filter((body) => moved.has(body.row.id)).flatMap(rowsOf);
  if (rows.length) await tx.execute(insertRowsAsJson(table, rows));
}
