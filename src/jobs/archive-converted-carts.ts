// Weekly (runbook §6.2): CONVERTED carts older than two years move to R2 in chunks — one
// NDJSON object per chunk, one line per cart (the row, its items and saved items) — and are
// deleted in the same Postgres transaction that wrote the chunk, so a cart is either still in
// Postgres or in a chunk, never lost (docs/design.md, "Lifecycle jobs"). No session object is
// asked: a converted cart is already final. The conversion records of the platform
// (cart_conversions) go with their carts.
//
// Chunks: the due carts in keyset order (converted_at, id), a page at a time; each page's
// carts of one company and UTC day form a chunk, stored under
// `converted-carts/{companyId}/{day}/{first cart id}.ndjson`. Resumable: what a run archived is
// gone from Postgres, so the next run starts with what is left. Idempotent: a chunk that was
// written but whose transaction did not commit is written again under the same key (same first
// cart) — an overwrite, not a second copy.
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { lockAgainstErasure } from "../db/erasure";
import { cartConversions, cartItems, carts, savedCartItems } from "../db/schema";
import type { Keyset } from "./batches";
import type { Job, JobContext } from "./runtime";

export const CONVERTED_CART_RETENTION_YEARS = 2;
/**
 * Carts per page (one keyset query); a page makes one chunk per company and day in it, so a
 * chunk holds at most this many carts (a few MB of NDJSON). Measured on the 1M-cart data set,
 * 500 made chunks of ~150 carts and spent the 800 R2 writes on 118k carts; 2,000 makes about a
 * day's carts of a company per chunk.
 */
export const ARCHIVE_PAGE_SIZE = 2000;

/** Where a company's archived carts are: objects below it (a privacy request reads them all). */
export const archivePrefix = (companyId: string) => `converted-carts/${companyId}/`;
/** The layout before chunks (one object per company and day); such objects are still read by privacy requests. */
export const archiveKey = (companyId: string, day: string) => `${archivePrefix(companyId)}${day}.ndjson`;
export const chunkKey = (companyId: string, day: string, firstCartId: string) =>
  `${archivePrefix(companyId)}${day}/${firstCartId}.ndjson`;

interface Due extends Record<string, unknown> {
  id: string;
  company_id: string;
  day: string;
  at: string;
}

export const archiveConvertedCarts: Job = {
  name: "archiveConvertedCarts",
  run: async (ctx: JobContext) => {
    const before = yearsBefore(ctx.now, CONVERTED_CART_RETENTION_YEARS).toISOString();
    let after: Keyset | undefined;
    let chunks = 0;
    pages: while (ctx.budget.hasTime()) {
      const from = after ? sql`AND (converted_at, id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``;
      const page = await ctx.db.execute<Due>(sql`
        SELECT id, company_id, to_char(converted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, converted_at::text AS at
          FROM carts
         WHERE status = 'CONVERTED' AND converted_at < ${before}::timestamptz ${from}
         ORDER BY converted_at, id
         LIMIT ${ARCHIVE_PAGE_SIZE}`);
      for (const chunk of chunksOf(page.rows)) {
        // One R2 write per chunk.
        if (!ctx.budget.take(1)) break pages;
        const first = chunk[0] as Due;
        ctx.counts.selected += chunk.length;
        try {
          await archiveChunk(ctx, first.company_id, first.day, chunk);
          chunks += 1;
        } catch (error) {
          ctx.counts.failed += chunk.length;
          ctx.log.error("job item failed", { companyId: first.company_id, day: first.day, carts: chunk.length, error });
        }
      }
      const last = page.rows.at(-1);
      if (!last || page.rows.length < ARCHIVE_PAGE_SIZE) break;
      after = { at: last.at, id: last.id };
    }
    ctx.extra.archiveObjectsWritten = chunks;
  },
};

/**
 * In one transaction, under the company's shared erasure lock (src/db/erasure.ts): reads the
 * carts afresh, writes the chunk, deletes them. An erasure therefore either anonymized the rows
 * before they were read, or waits until the chunk is in R2 — where its own R2 step finds it.
 */
async function archiveChunk(ctx: JobContext, companyId: string, day: string, chunk: Due[]): Promise<void> {
  const ids = chunk.map((cart) => cart.id).sort();
  const archived = await ctx.db.transaction(async (tx) => {
    await lockAgainstErasure(tx, [companyId]);
    const rows = await tx
      .select()
      .from(carts)
      .where(and(inArray(carts.id, ids), eq(carts.status, "CONVERTED")))
      .orderBy(asc(carts.id))
      .for("update");
    if (rows.length === 0) return 0;
    const kept = rows.map((row) => row.id);
    const items = await tx.select().from(cartItems).where(inArray(cartItems.cartId, kept)).orderBy(asc(cartItems.id));
    const saved = await tx
      .select()
      .from(savedCartItems)
      .where(inArray(savedCartItems.cartId, kept))
      .orderBy(asc(savedCartItems.id));
    const body = rows
      .map((cart) =>
        JSON.stringify({
          ...cart,
          items: items.filter((item) => item.cartId === cart.id),
          savedItems: saved.filter((item) => item.cartId === cart.id),
        }),
      )
      .join("\n");
    await ctx.env.ARCHIVE.put(chunkKey(companyId, day, chunk[0]?.id ?? (kept[0] as string)), `${body}\n`, {
      httpMetadata: { contentType: "application/x-ndjson" },
      customMetadata: { companyId, day, carts: String(rows.length) },
    });
    // Only now that the chunk holds them: items and saved items go with the cart (cascade), and
    // the platform's record of each conversion (the archive keeps the order id).
    await tx.delete(carts).where(inArray(carts.id, kept));
    await tx
      .delete(cartConversions)
      .where(and(eq(cartConversions.companyId, companyId), inArray(cartConversions.cartId, kept)));
    return kept.length;
  });
  ctx.counts.changed += archived;
  // No longer CONVERTED, or gone (an erasure or a concurrent run got there first).
  ctx.counts.skipped += ids.length - archived;
}

/** A page's carts of one company and day, in page order (the page is in converted_at order). */
function chunksOf(rows: Due[]): Due[][] {
  const chunks = new Map<string, Due[]>();
  for (const row of rows) {
    const key = `${row.company_id}/${row.day}`;
    const chunk = chunks.get(key) ?? [];
    chunk.push(row);
    chunks.set(key, chunk);
  }
  return [...chunks.values()];
}

function yearsBefore(now: Date, years: number): Date {
  const date = new Date(now);
  date.setUTCFullYear(date.getUTCFullYear() - years);
  return date;
}
