// Issue 15, findings 3 and 4 (deliverable 3): a merge never takes lines from a guest cart that
// was CONVERTED (the order's lines would come back, and Postgres would lose the conversion) or
// EXPIRED; and a guest session remembers that it was merged, so merging it again — even after
// the customer's session expired and was forgotten, however many merges the customer made since
// — answers "already merged" and adds nothing.
import { describe, expect, it } from "vitest";
import type { CartDoc, SessionDoc } from "../../../durable-objects/contract";
import { MergeResultSchema } from "../../../src/modules/cart/schema";
import { bodyOf } from "../../support/app";
import { addItem, readCart } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { newCustomer, newGuest, type Shopper, send, sessionStubOf } from "../../support/sessions";
import { editStorage } from "../../support/storage";

async function guestWithLines() {
  const company = await createCompany();
  const productId = await seedProduct(company.companyId, { price: 1000 });
  const guest = await newGuest(company);
  await addItem(guest, productId, 2);
  return { company, productId, guest, customer: await newCustomer(company) };
}

const merge = async (customer: Shopper, guest: Shopper, dryRun = false) =>
  bodyOf(
    await send(customer, "POST", "/api/cart/merge", { sessionToken: guest.sessionToken, dryRun }),
    200,
    MergeResultSchema,
  );

/** Rewrites a stored document of the shopper's object, as the object itself would have. */
function rewrite<T>(owner: Shopper, name: (session: SessionDoc) => string, change: (doc: T) => T) {
  return editStorage(sessionStubOf(owner), (state) => {
    const read = (doc: string) =>
      JSON.parse(state.storage.sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = ?", doc).one().body);
    const target = name(read("session") as SessionDoc);
    const body = JSON.stringify(change(read(target) as T));
    state.storage.sql.exec("UPDATE documents SET body = ? WHERE name = ?", body, target);
  });
}

const currentCart = (session: SessionDoc) => `cart:${session.cartId}`;

describe("merging an ended guest cart", () => {
  for (const status of ["CONVERTED", "EXPIRED"] as const) {
    it(`a ${status} guest cart adds no lines (preview and merge)`, async () => {
      const { guest, customer } = await guestWithLines();
      // As the platform's conversion (or the expiry) leaves the guest's cart: lines kept, status ended.
      await rewrite<CartDoc>(guest, currentCart, (cart) => ({
        ...cart,
        status,
        ...(status === "CONVERTED" ? { orderId: `order-${crypto.randomUUID()}`, convertedAt: cart.updatedAt } : {}),
      }));
      const preview = await merge(customer, guest, true);
      expect(preview.cart.items).toEqual([]);
      expect(preview.diff.added).toEqual([]);
      const merged = await merge(customer, guest);
      expect(merged.cart.items).toEqual([]);
      expect(merged.diff.added).toEqual([]);
      expect((await readCart(customer)).items).toEqual([]);
    });
  }
});

describe("merging a guest that was merged before", () => {
  it("after the customer's session expired and was forgotten: already merged, nothing added", async () => {
    const { guest, customer } = await guestWithLines();
    const first = await merge(customer, guest);
    expect(first.cart.items).toHaveLength(1);
    const stub = sessionStubOf(customer);
    expect((await stub.expire(new Date(Date.now() + 60_000).toISOString())).expired).toBe(true);
    expect((await stub.forget(first.cart.sessionId)).forgotten).toBe(true);

    const again = await merge(customer, guest);
    expect(again.alreadyMerged).toBe(true);
    expect(again.cart.items).toEqual([]);
    expect(again.diff.added).toEqual([]);
    expect((await readCart(customer)).items).toEqual([]);
  });

  it("whatever the customer's cart still remembers (no cap): already merged, nothing doubled", async () => {
    const { guest, customer } = await guestWithLines();
    const first = await merge(customer, guest);
    // As if a hundred later merges had pushed this guest out of the cart's memory.
    await rewrite<CartDoc>(customer, currentCart, (cart) => ({ ...cart, appliedMerges: [] }));
    const again = await merge(customer, guest);
    expect(again.alreadyMerged).toBe(true);
    expect(again.cart.items.map((item) => item.quantity)).toEqual(first.cart.items.map((item) => item.quantity));
  });
});
