// A customer's data exported and erased across every store: the session objects (the
// customer's and a guest's merged into it), Postgres and the R2 archive. After the erasure the
// export is empty, analytics still count the same, and the customer starts afresh.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chunkKey } from "../../../src/jobs/archive-converted-carts";
import { addItem, convertedCart, readCart } from "../../support/cart";
import { createCompany, seedProducts } from "../../support/catalog";
import { withDatabase } from "../../support/db";
import { addToComparison, addToWishlist } from "../../support/lists";
import {
  archiveCarts,
  archivedLines,
  auditOf,
  companyTotals,
  erase,
  exportOf,
  isEmpty,
  rowsNaming,
  storedDocuments,
} from "../../support/privacy";
import { newCustomer, newGuest, replicateNow, send } from "../../support/sessions";

const DAY = "2023-05-04";

async function shoppingCustomer() {
  const company = await createCompany();
  const [shirt, mug, lamp] = await seedProducts(company.companyId, [{ price: 2000 }, { price: 800 }, { price: 4500 }]);
  const customer = await newCustomer(company);
  if (customer.address.kind !== "customer") throw new Error("expected a customer");
  const { customerId } = customer.address;
  await addItem(customer, shirt as string, 2);
  await convertedCart(customer, `order-${crypto.randomUUID()}`);
  await addItem(customer, mug as string, 1);
  await addToWishlist(customer, { productId: lamp as string, note: "for the study" });
  await addToComparison(customer, shirt as string);
  // A guest cart merged into the customer's on sign-in.
  const guest = await newGuest(company);
  await addItem(guest, lamp as string, 1);
  const merged = await send(customer, "POST", "/api/cart/merge", { sessionToken: guest.sessionToken });
  expect(merged.status).toBe(200);
  await replicateNow(customer);
  await replicateNow(guest);
  // Two archived carts of that day: the customer's and someone else's.
  const archived = { id: crypto.randomUUID(), customerId, sessionId: customer.sessionId, orderId: "old-order" };
  const others = { id: crypto.randomUUID(), customerId: crypto.randomUUID(), sessionId: crypto.randomUUID() };
  await archiveCarts(company.companyId, DAY, [archived, others]);
  // And a chunk of the same day, as the weekly job writes them now: another of the customer's carts.
  const chunked = { id: crypto.randomUUID(), customerId, sessionId: customer.sessionId, orderId: "older-order" };
  const othersChunked = { id: crypto.randomUUID(), customerId: crypto.randomUUID(), sessionId: crypto.randomUUID() };
  await archiveCarts(company.companyId, DAY, [chunked, othersChunked], chunkKey(company.companyId, DAY, chunked.id));
  return { company, customer, customerId, guest, archived, others, chunked, othersChunked };
}

describe("export and erase, end to end", () => {
  it("exports everything, erases it everywhere; the export is then empty and analytics count the same", async () => {
    const { company, customer, customerId, guest, archived, others, chunked, othersChunked } = await shoppingCustomer();
    const { companyId } = company;

    const before = await exportOf(companyId, customerId);
    const live = before.liveState.customer as Record<string, unknown> & {
      carts: { items: unknown[] }[];
      wishlist: { items: { note: string | null }[] };
    };
    expect(live.session).toMatchObject({ id: customer.sessionId, customerId });
    expect(JSON.stringify(live)).not.toMatch(/tokenHash|crossSiteTokenHash/);
    expect(live.carts.some((cart) => cart.items.length > 0)).toBe(true);
    expect(live.wishlist.items.map((item) => item.note)).toEqual(["for the study"]);
    expect(before.liveState.mergedGuests.map((state) => (state.session as { id: string }).id)).toEqual([
      guest.sessionId,
    ]);
    const sessionIds = before.postgres.sessions.map((row) => row.id).sort();
    expect(sessionIds).toEqual([customer.sessionId, guest.sessionId].sort());
    expect(before.postgres.carts.length).toBeGreaterThanOrEqual(3);
    expect(before.postgres.wishlists).toHaveLength(1);
    expect(before.postgres.comparisons).toHaveLength(1);
    expect(before.postgres.conversions).toHaveLength(1);
    // The day object first (`{day}.ndjson` sorts before `{day}/…`), then the chunk.
    expect(before.archivedCarts).toEqual([archived, chunked]);

    const totals = await companyTotals(companyId);
    const receipt = await erase(companyId, customerId);
    expect(receipt.durableObjects.objects).toBe(2);
    expect(receipt.postgres).toMatchObject({
      sessionsTombstoned: 2,
      sessionsAnonymized: 2,
      wishlistsAnonymized: 1,
      wishlistNotesCleared: 1,
      comparisonsAnonymized: 1,
      conversionsDeleted: 1,
    });
    expect(receipt.postgres.cartsAnonymized).toBeGreaterThanOrEqual(3);
    expect(receipt.archive).toEqual({ objectsRewritten: 2, objectsDeleted: 0, cartsRemoved: 2 });

    expect(isEmpty(await exportOf(companyId, customerId))).toBe(true);
    expect(await rowsNaming(companyId, customerId)).toEqual({
      cross_site_sessions: 0,
      carts: 0,
      wishlists: 0,
      product_comparisons: 0,
      cart_conversions: 0,
      customers: 0,
    });
    // Anonymized, still counted: no note, no order id, no token or share digest left.
    expect(await companyTotals(companyId)).toEqual(totals);
    const leftovers = await withDatabase(async (db) => {
      const { rows } = await db.$client.query(
        `SELECT
           (SELECT COUNT(*) FROM carts WHERE company_id = $1 AND (order_id IS NOT NULL OR session_token_hash IS NOT NULL)) AS carts,
           (SELECT COUNT(*) FROM wishlist_items i JOIN wishlists w ON w.id = i.wishlist_id WHERE w.company_id = $1 AND i.note IS NOT NULL) AS notes,
           (SELECT COUNT(*) FROM cross_site_sessions WHERE company_id = $1 AND session_token_hash IS NOT NULL) AS sessions`,
        [companyId],
      );
      return rows[0];
    });
    expect(leftovers).toEqual({ carts: "0", notes: "0", sessions: "0" });
    expect(await archivedLines(companyId, DAY)).toEqual([others]);
    const chunk = chunkKey(companyId, DAY, chunked.id);
    expect(await archivedLines(companyId, DAY, chunk)).toEqual([othersChunked]);
    expect((await env.ARCHIVE.head(chunk))?.customMetadata).toMatchObject({ companyId, day: DAY, carts: "1" });
    // The objects keep only the ids of the sessions they erased.
    expect(await storedDocuments(customer)).toEqual(["erased"]);
    expect(await storedDocuments(guest)).toEqual(["erased"]);

    // The customer's next request starts a fresh, empty session.
    const fresh = await readCart(customer);
    expect(fresh.sessionId).not.toBe(customer.sessionId);
    expect(fresh.items).toEqual([]);
    // The guest's token finds nothing any more.
    expect((await send(guest, "GET", "/api/public/cart")).status).toBe(404);

    const audit = await auditOf(companyId, customerId);
    expect(audit.map((row) => [row.action, row.outcome])).toEqual([
      ["export", "completed"],
      ["erase", "completed"],
      ["export", "completed"],
    ]);
  });

  it("an erased customer's archive object with no other cart is deleted", async () => {
    const company = await createCompany();
    const customer = await newCustomer(company);
    if (customer.address.kind !== "customer") throw new Error("expected a customer");
    const { customerId } = customer.address;
    await archiveCarts(company.companyId, DAY, [{ id: crypto.randomUUID(), customerId, sessionId: "s" }]);
    const receipt = await erase(company.companyId, customerId, "service");
    expect(receipt.archive).toEqual({ objectsRewritten: 0, objectsDeleted: 1, cartsRemoved: 1 });
    expect(await archivedLines(company.companyId, DAY)).toBeNull();
  });
});
