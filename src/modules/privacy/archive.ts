// A customer's carts in the R2 archive of converted carts (src/jobs/archive-converted-carts.ts):
// one NDJSON object per company and day, one line per cart. A privacy request reads the
// company's objects one at a time and keeps only the customer's lines; an erasure writes each
// object back without them (or deletes it when nothing else is left).
import { archivePrefix } from "../../jobs/archive-converted-carts";

export interface ArchivedCart {
  id: string;
  customerId: string | null;
  sessionId: string;
  [column: string]: unknown;
}

export type ArchiveMatch = (cart: ArchivedCart) => boolean;

export const archiveMatch =
  (customerId: string, sessionIds: string[]): ArchiveMatch =>
  (cart) =>
    cart.customerId === customerId || sessionIds.includes(cart.sessionId);

/** Every archive object of the company, page by page (R2 lists at most 1,000 keys a call). */
async function* archiveKeys(bucket: R2Bucket, companyId: string): AsyncGenerator<string> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: archivePrefix(companyId), ...(cursor ? { cursor } : {}) });
    for (const object of page.objects) yield object.key;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}

async function linesOf(bucket: R2Bucket, key: string): Promise<string[] | undefined> {
  const object = await bucket.get(key);
  return object ? (await object.text()).split("\n").filter((line) => line.trim()) : undefined;
}

/** The customer's archived carts, as archived (each with its day's object key). */
export async function archivedCarts(bucket: R2Bucket, companyId: string, match: ArchiveMatch) {
  const found: { key: string; cart: ArchivedCart }[] = [];
  for await (const key of archiveKeys(bucket, companyId)) {
    for (const line of (await linesOf(bucket, key)) ?? []) {
      const cart = JSON.parse(line) as ArchivedCart;
      if (match(cart)) found.push({ key, cart });
    }
  }
  return found;
}

/** Removes the customer's lines from every archive object of the company. */
export async function eraseArchivedCarts(bucket: R2Bucket, companyId: string, match: ArchiveMatch) {
  const counts = { objectsRewritten: 0, objectsDeleted: 0, cartsRemoved: 0 };
  for await (const key of archiveKeys(bucket, companyId)) {
    const lines = await linesOf(bucket, key);
    if (!lines) continue;
    const kept = lines.filter((line) => !match(JSON.parse(line) as ArchivedCart));
    if (kept.length === lines.length) continue;
    counts.cartsRemoved += lines.length - kept.length;
    if (kept.length === 0) {
      await bucket.delete(key);
      counts.objectsDeleted += 1;
    } else {
      // `{day}.ndjson` (before chunks) or `{day}/{first cart id}.ndjson`
      const day = key.slice(archivePrefix(companyId).length).slice(0, "YYYY-MM-DD".length);
      await bucket.put(key, `${kept.join("\n")}\n`, {
        httpMetadata: { contentType: "application/x-ndjson" },
        customMetadata: { companyId, day, carts: String(kept.length) },
      });
      counts.objectsRewritten += 1;
    }
  }
  return counts;
}
