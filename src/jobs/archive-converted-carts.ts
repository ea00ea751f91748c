// Weekly (runbook §6.2): CONVERTED carts older than two years move to R2 — one NDJSON object
// per company and UTC day of conversion, one line per cart (the row, its items and saved
// items) — and are deleted only once that object is written. An object that already exists
// (a day split across runs, or a retry after a crash between write and delete) is read and
// merged by cart id, so nothing archived before is ever overwritten away. The conversion
// records of the platform (cart_conversions) go with their carts.
import { and, asc, eq, getTableColumns, inArray, lt, sql } from "drizzle-orm";
import { cartConversions, cartItems, carts, savedCartItems } from "../db/schema";
import type { Job, JobContext } from "./runtime";
import { PAGE_SIZE } from "./sweep";

export const CONVERTED_CART_RETENTION_YEARS = 2;

/** Where a company's archived carts are: one object per day below it (a privacy request reads them all). */
export const archivePrefix = (companyId: string) => `converted-carts/${companyId}/`;
export const archiveKey = (companyId: string, day: string) => `${archivePrefix(companyId)}${day}.ndjson`;

const convertedDay = sql<string>`to_char(${carts.convertedAt} at time zone 'UTC', 'YYYY-MM-DD')`;

type ConvertedCart = typeof carts.$inferSelect & { day: string };

export const archiveConvertedCarts: Job = {
  name: "archiveConvertedCarts",
  run: async (ctx: JobContext) => {
    const convertedBefore = yearsBefore(ctx.now, CONVERTED_CART_RETENTION_YEARS);
    let after: { companyId: string; day: string; id: string } | undefined;
    let objects = 0;
    pages: while (ctx.budget.hasTime()) {
      // Keyset over (company, day, id): a day's carts come together, and a failed day is
      // passed over for this run instead of being read again and again.
      const rows: ConvertedCart[] = await ctx.db
        .select({ ...getTableColumns(carts), day: convertedDay })
        .from(carts)
        .where(
          and(
            eq(carts.status, "CONVERTED"),
            lt(carts.convertedAt, convertedBefore),
            after
              ? sql`(${carts.companyId}, ${convertedDay}, ${carts.id}) > (${after.companyId}::uuid, ${after.day}, ${after.id}::uuid)`
              : undefined,
          ),
        )
        .orderBy(asc(carts.companyId), asc(convertedDay), asc(carts.id))
        .limit(PAGE_SIZE);
      for (const group of groupByDay(rows)) {
        // One read and one write of the day's object.
        if (!ctx.budget.take(2)) break pages;
        ctx.counts.selected += group.length;
        const first = group[0] as ConvertedCart;
        try {
          await archiveDay(ctx, first.companyId, first.day, group);
          objects += 1;
        } catch (error) {
          ctx.counts.failed += group.length;
          ctx.log.error("job item failed", {
            companyId: first.companyId,
            day: first.day,
            carts: group.length,
            error,
          });
        }
      }
      const last = rows.at(-1);
      if (!last || rows.length < PAGE_SIZE) break;
      after = { companyId: last.companyId, day: last.day, id: last.id };
    }
    ctx.extra.archiveObjectsWritten = objects;
  },
};

async function archiveDay(ctx: JobContext, companyId: string, day: string, group: ConvertedCart[]): Promise<void> {
  const ids = group.map((cart) => cart.id);
  const items = await ctx.db.select().from(cartItems).where(inArray(cartItems.cartId, ids)).orderBy(asc(cartItems.id));
  const saved = await ctx.db
    .select()
    .from(savedCartItems)
    .where(inArray(savedCartItems.cartId, ids))
    .orderBy(asc(savedCartItems.id));
  const key = archiveKey(companyId, day);
  const lines = new Map<string, string>();
  const existing = await ctx.env.ARCHIVE.get(key);
  if (existing) {
    for (const line of (await existing.text()).split("\n")) {
      if (line.trim()) lines.set((JSON.parse(line) as { id: string }).id, line);
    }
  }
  for (const { day: _day, ...cart } of group) {
    lines.set(
      cart.id,
      JSON.stringify({
        ...cart,
        items: items.filter((item) => item.cartId === cart.id),
        savedItems: saved.filter((item) => item.cartId === cart.id),
      }),
    );
  }
  const body = `${[...lines.keys()]
    .sort()
    .map((id) => lines.get(id))
    .join("\n")}\n`;
  await ctx.env.ARCHIVE.put(key, body, {
    httpMetadata: { contentType: "application/x-ndjson" },
    customMetadata: { companyId, day, carts: String(lines.size) },
  });
  // Only now that the object holds them: items and saved items go with the cart (cascade).
  const deleted = await ctx.db
    .delete(carts)
    .where(and(inArray(carts.id, ids), eq(carts.status, "CONVERTED")))
    .returning({ id: carts.id });
  // The platform's record of each conversion goes with its cart (the archive keeps the order id).
  await ctx.db.delete(cartConversions).where(
    and(
      eq(cartConversions.companyId, companyId),
      inArray(
        cartConversions.cartId,
        deleted.map((row) => row.id),
      ),
    ),
  );
  ctx.counts.changed += deleted.length;
  ctx.counts.skipped += ids.length - deleted.length;
}

function* groupByDay(rows: ConvertedCart[]): Generator<ConvertedCart[]> {
  let group: ConvertedCart[] = [];
  for (const row of rows) {
    const first = group[0];
    if (first && (first.companyId !== row.companyId || first.day !== row.day)) {
      yield group;
      group = [];
    }
    group.push(row);
  }
  if (group.length > 0) yield group;
}

function yearsBefore(now: Date, years: number): Date {
  const date = new Date(now);
  date.setUTCFullYear(date.getUTCFullYear() - years);
  return date;
}
