// The session object keeps its parsed documents in memory (durable-objects/storage.ts): a read
// costs no query and no JSON.parse. It stays what SQLite holds because the object is the single
// writer of its storage, a rolled-back change drops it, and a restart starts without it.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CartDoc, SessionDoc } from "../../../durable-objects/contract";
import { cartDocName, SESSION, type SessionStorage } from "../../../durable-objects/storage";
import { problemOf } from "../../support/app";
import { addItem, cartOf, convertCart, readCart } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { customerCredentials, newGuest, type Shopper, send, sessionStubOf } from "../../support/sessions";
import { storedDocument } from "../../support/storage";

type Owner = Pick<Shopper, "address">;

/** Inside the object: its documents store (ShopperSession keeps it for such tests). */
const storeOf = (instance: unknown) => (instance as { store: SessionStorage }).store;

/**
 * The session document and its current cart as the object reads them (from memory when it
 * has them) and as SQLite holds them; the cart is the one the object's session points at.
 */
function readAndStored(owner: Owner) {
  return runInDurableObject(sessionStubOf(owner), (instance, state) => {
    const stored = <T>(name: string) => storedDocument<T>(state.storage.sql, name);
    const store = storeOf(instance);
    const session = store.read<SessionDoc>(SESSION);
    const cartName = session ? cartDocName(session.cartId) : undefined;
    return {
      read: { session, cart: cartName ? store.read<CartDoc>(cartName) : undefined },
      stored: { session: stored<SessionDoc>(SESSION), cart: cartName ? stored<CartDoc>(cartName) : undefined },
    };
  });
}

describe("the session object's documents in memory", () => {
  it("a change is what the next read returns, and the documents kept are frozen (tests)", async () => {
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    const added = await addItem(guest, productId, 2);
    expect((await readCart(guest)).items).toEqual([expect.objectContaining({ productId, quantity: 2 })]);

    const { read, stored } = await readAndStored(guest);
    expect(read).toEqual(stored);
    expect(read.cart?.version).toBe(added.version);
    expect(read.cart?.state.lines).toEqual([expect.objectContaining({ productId, quantity: 2 })]);

    // Readers share the cached document: a change in place throws here (NODE_ENV=test).
    await runInDurableObject(sessionStubOf(guest), (instance) => {
      const session = storeOf(instance).read<SessionDoc>(SESSION) as SessionDoc;
      expect(Object.isFrozen(session)).toBe(true);
      expect(Object.isFrozen(session.sitesVisited)).toBe(true);
      expect(() => {
        session.cartId = "changed in place";
      }).toThrow(TypeError);
    });
  });

  it("a first change refused after the session was created inside it leaves no session behind", async () => {
    // A customer's first change creates the session and its cart in the transaction, then the
    // stale If-Match refuses it: the rollback must take the documents read since with it.
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    const productId = await seedProduct(company.companyId);
    const refused = await send(customer, "POST", "/api/cart/items", { productId }, { "If-Match": '"7"' });
    await problemOf(refused, 412, "VERSION_MISMATCH");

    expect(await readAndStored(customer)).toEqual({
      read: { session: undefined, cart: undefined },
      stored: { session: undefined, cart: undefined },
    });
    // The next call creates the session afresh, as SQLite says it has none.
    const cart = await cartOf(await send(customer, "GET", "/api/cart"), 200);
    const { read, stored } = await readAndStored(customer);
    expect(read).toEqual(stored);
    expect(stored.session?.cartId).toBe(cart.id);
  });

  it("a refused change after a conversion leaves the next read on the converted cart SQLite holds", async () => {
    // Behind a converted cart, a change first starts the next cart (session and cart written),
    // then its stale If-Match refuses it: nothing of that next cart may be read afterwards.
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    const added = await addItem(guest, productId, 1);
    expect((await convertCart({ ...guest, cartId: added.id }, `order-${crypto.randomUUID()}`)).status).toBe(200);
    const before = await readAndStored(guest);
    expect(before.stored.cart?.status).toBe("CONVERTED");

    const refused = await send(guest, "POST", guest.cartPath("/items"), { productId }, { "If-Match": '"1"' });
    await problemOf(refused, 412, "VERSION_MISMATCH");

    const after = await readAndStored(guest);
    expect(after.read).toEqual(after.stored);
    expect(after.stored).toEqual(before.stored);
    expect(after.read.session?.cartId).toBe(added.id);
  });

  it("is not kept across a restart: a new instance reads what SQLite holds", async () => {
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    await addItem(guest, productId, 1);
    const stub = sessionStubOf(guest);

    // SQLite changed behind the running object's back (nothing but the object writes it in
    // production): it still answers from memory, which is why tests edit with editStorage.
    await runInDurableObject(stub, (_instance, state) => {
      const session = JSON.parse(
        state.storage.sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = 'session'").one().body,
      ) as SessionDoc;
      const name = cartDocName(session.cartId);
      const cart = JSON.parse(
        state.storage.sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = ?", name).one().body,
      ) as CartDoc;
      const lines = cart.state.lines.map((line) => ({ ...line, quantity: 5 }));
      state.storage.sql.exec(
        "UPDATE documents SET body = ? WHERE name = ?",
        JSON.stringify({ ...cart, state: { ...cart.state, lines } }),
        name,
      );
    });
    expect((await readCart(guest)).items[0]?.quantity).toBe(1);

    // Restarted, the object has only SQLite to read.
    await evictDurableObject(stub);
    expect((await readCart(guest)).items[0]?.quantity).toBe(5);
    const { read, stored } = await readAndStored(guest);
    expect(read).toEqual(stored);
  });
});
