// A real Postgres outage (the proxy between workerd and Postgres drops every connection):
// shoppers keep working from the DO and the warm catalog cache; the outbox still drains to the
// replication queue, whose consumer retries with backoff; once Postgres is back the rows equal
// the DO state exactly.
//
// Every outage test lives in this file, runs sequentially and keeps its window short: the
// proxy is shared with the test files running in parallel. `databaseUp()` always runs.
import { runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { backoffMs } from "../../../durable-objects/outbox";
import { products } from "../../../src/db/schema";
import { MAX_STALE_MS, REFRESH_WAIT_MS, RETRY_AFTER_MS, UNANSWERED_REFRESH_MS } from "../../../src/lib/isolate-cache";
import { sha256Hex } from "../../../src/lib/tokens";
import { problemOf } from "../../support/app";
import { addItem, cartOf, cartRows, expectReplicated, readCart } from "../../support/cart";
import { seedBundle, seedProduct, seedProducts, seedPromotion, uniqueCode } from "../../support/catalog";
import { databaseDown, databaseFrozen, databaseUp, withDatabase } from "../../support/db";
import { addToWishlist } from "../../support/lists";
import {
  newCustomer,
  newGuest,
  replicateNow,
  replicationState,
  runAlarm,
  type Shopper,
  send,
  sessionStubOf,
} from "../../support/sessions";
import { editStorage } from "../../support/storage";

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await databaseUp();
});

/** Runs `during` with Postgres down, and brings it back whatever happens. */
async function withOutage<T>(during: () => Promise<T>): Promise<T> {
  await databaseDown();
  try {
    return await during();
  } finally {
    await databaseUp();
  }
}

/** Two products in the cart (so the catalog cache is warm for both), replicated. */
async function warmCart(shopper: Shopper) {
  const [a, b] = [
    await seedProduct(shopper.companyId, { price: 1000 }),
    await seedProduct(shopper.companyId, { price: 400 }),
  ];
  await addItem(shopper, a as string, 1);
  const cart = await addItem(shopper, b as string, 1);
  await replicateNow(shopper);
  return { a: a as string, b: b as string, cart };
}

describe("replication backoff", () => {
  it("doubles from 2 s to 5 min, with half of each wait random so sessions that failed together retry apart", () => {
    expect([1, 2, 3].map((failures) => backoffMs(failures, 0))).toEqual([1_000, 2_000, 4_000]);
    expect([1, 2, 3].map((failures) => backoffMs(failures, 1))).toEqual([2_000, 4_000, 8_000]);
    expect(backoffMs(50, 0)).toBe(150_000);
    expect(backoffMs(50, 1)).toBe(300_000);
  });
});

// vitest 5 has no describe.sequential; `concurrent: false` pins the order even if a config turns concurrency on.
describe("Postgres outage", { concurrent: false }, () => {
  it("mutations succeed from the DO; the queue holds the changes until Postgres is back; then it catches up exactly", async () => {
    const guest = await newGuest();
    const { a, b, cart: replicated } = await warmCart(guest);
    const lineA = replicated.items.find((item) => item.productId === a)?.id as string;
    const lineB = replicated.items.find((item) => item.productId === b)?.id as string;

    const during = await withOutage(async () => {
      const grown = await addItem(guest, a, 2);
      expect(grown.items.find((item) => item.id === lineA)?.quantity).toBe(3);
      await cartOf(await send(guest, "PATCH", guest.cartPath(`/items/${lineB}`), { quantity: 4 }), 200);
      await cartOf(await send(guest, "DELETE", guest.cartPath(`/items/${lineA}`)), 200);
      const discounted = await cartOf(await send(guest, "POST", guest.cartPath("/discount"), { code: "SAVE10" }), 200);
      expect(discounted.version).toBe(replicated.version + 4);
      expect(discounted.items).toEqual([expect.objectContaining({ id: lineB, quantity: 4, unavailable: false })]);
      expect(discounted.totals).toMatchObject({ subtotal: 1_600, discountTotal: 160, grandTotal: 1_440 });
      expect(await readCart(guest)).toEqual(discounted);

      // Postgres is not needed to empty the outbox: the changes wait on the queue, whose
      // consumer cannot write them yet and retries later.
      await runAlarm(guest);
      expect(await replicationState(guest)).toMatchObject({ pending: 0, failures: 0 });
      return discounted;
    });

    await replicateNow(guest);
    await expectReplicated(during, await sha256Hex(guest.sessionToken as string));
    const rows = await cartRows(during.id);
    expect(rows.items.map((item) => item.id)).toEqual([lineB]);
    expect(rows.cart?.discounts).toEqual([{ code: "SAVE10", type: "PERCENT", value: 10, amount: 160 }]);
    expect((await replicationState(guest)).failures).toBe(0);
  });

  it("a customer keeps shopping too, and a second outage window is caught up as well", async () => {
    const customer = await newCustomer();
    const { a, b } = await warmCart(customer);
    const first = await withOutage(() => addItem(customer, a, 5));
    const second = await withOutage(async () => {
      await runAlarm(customer);
      return addItem(customer, b, 1);
    });
    expect(second.version).toBe(first.version + 1);
    await replicateNow(customer);
    await expectReplicated(second, null);
    expect((await cartRows(second.id)).items.map((item) => item.quantity).sort()).toEqual([2, 6]);
  });

  it("a change while a failed send backs off does not pull the retry forward: the backoff holds", async () => {
    const guest = await newGuest();
    const { a } = await warmCart(guest);
    // As a send the queue refused leaves it: one failure, the retry due in 30 s, the alarm then.
    const retryAt = Date.now() + 30_000;
    await editStorage(sessionStubOf(guest), async (state) => {
      const body = JSON.stringify({ failures: 1, retryAt });
      state.storage.sql.exec("INSERT OR REPLACE INTO documents (name, body) VALUES ('replication', ?)", body);
      await state.storage.setAlarm(retryAt);
    });

    await addItem(guest, a, 1); // would have pulled the alarm to 2 s from now
    expect(await replicationState(guest)).toMatchObject({ pending: 2, failures: 1, alarm: retryAt });

    // When the retry is due (its time moved into the past: an alarm run earlier sends nothing
    // while the backoff holds) and the send goes through, the failure count starts again.
    await editStorage(sessionStubOf(guest), (state) => {
      const body = JSON.stringify({ failures: 1, retryAt: Date.now() - 1 });
      state.storage.sql.exec("UPDATE documents SET body = ? WHERE name = 'replication'", body);
    });
    await replicateNow(guest);
    expect((await replicationState(guest)).failures).toBe(0);
  });

  it("a session expires while Postgres is down: its final state waits on the queue, Postgres gets it once back", async () => {
    const guest = await newGuest();
    const { cart } = await warmCart(guest);
    const stub = sessionStubOf(guest);
    const idleBefore = new Date(Date.now() + 60_000).toISOString();
    const first = await withOutage(() => stub.expire(idleBefore));
    expect(first.expired).toBe(true);
    await problemOf(await send(guest, "GET", "/api/public/cart"), 410, "SESSION_EXPIRED");

    await vi.waitFor(
      async () =>
        expect((await cartRows(cart.id)).cart).toMatchObject({ status: "EXPIRED", version: cart.version + 1 }),
      { timeout: 20_000, interval: 200 },
    );
    const documents = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql
        .exec<{ name: string }>("SELECT name FROM documents")
        .toArray()
        .map((row) => row.name),
    );
    expect(documents.sort()).toEqual(["replication", "session"]);
    expect((await stub.expire(idleBefore)).reason).toBe("already expired");
  });

  it("with a cold catalog entry the change cannot be priced → 503 UNAVAILABLE, nothing changed", async () => {
    const guest = await newGuest();
    const { cart } = await warmCart(guest);
    const cold = await seedProduct(guest.companyId);
    await withOutage(async () => {
      await problemOf(await send(guest, "POST", guest.cartPath("/items"), { productId: cold }), 503, "UNAVAILABLE");
      expect((await readCart(guest)).version).toBe(cart.version);
    });
    // Once Postgres is back the same add works.
    const added = await addItem(guest, cold, 1);
    expect(added.items).toHaveLength(3);
  });
});

// ── The catalog through an outage ───────────────────────────────────────────
// The isolate caches (products 60 s, companies 30 s…) are past their TTL when the clock is
// moved on: `Date` is faked for the whole isolate (the Worker and the session objects), the
// timers are not, so a refresh's wait and the driver's timeouts run in real time.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Moves this isolate's clock `ms` ahead. */
function travel(ms: number): void {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
  vi.setSystemTime(Date.now() + ms);
}

/** The catalog changes a product's price (straight in Postgres: nothing tells the caches). */
const setPrice = (productId: string, price: number) =>
  withDatabase((db) => db.update(products).set({ price }).where(eq(products.id, productId)));

const unitPriceOf = (cart: { items: { productId: string; unitPrice: number }[] }, productId: string) =>
  cart.items.find((item) => item.productId === productId)?.unitPrice;

/** How many warnings a failed refresh of `cache` logged from now on (counted as they are written). */
function refreshWarnings(cache: string): () => number {
  let count = 0;
  const warn = console.warn;
  vi.spyOn(console, "warn").mockImplementation((line: unknown, ...rest: unknown[]) => {
    const text = String(line);
    if (text.includes("cache refresh failed") && text.includes(`"cache":"${cache}"`)) count += 1;
    warn(line, ...rest);
  });
  return () => count;
}

describe("the catalog through an outage", { concurrent: false }, () => {
  it("past its TTL a price change reaches the cart: the session object refreshes what it reads", async () => {
    const guest = await newGuest();
    const product = await seedProduct(guest.companyId, { price: 1_000 });
    await addItem(guest, product, 1);
    await setPrice(product, 1_200);
    travel(MINUTE + 1_000);
    expect(unitPriceOf(await addItem(guest, product, 1), product)).toBe(1_200);
  });

  it("what the isolate loaded serves every change of the outage, long past its TTL; never loaded is 503", async () => {
    const guest = await newGuest();
    const [a, b, never] = await seedProducts(guest.companyId, [{ price: 1_000 }, { price: 400 }, { price: 700 }]);
    const bundleId = await seedBundle(guest.companyId, [{ productId: a as string }, { productId: b as string }]);
    const code = uniqueCode("OUTAGE");
    await seedPromotion(guest.companyId, { code, type: "FIXED", value: 100 });
    await addItem(guest, a as string, 1);
    await cartOf(await send(guest, "POST", guest.cartPath("/bundles"), { bundleId }), 201);
    await cartOf(await send(guest, "POST", guest.cartPath("/discount"), { code }), 200);
    await addToWishlist(guest, { productId: b as string });
    await replicateNow(guest); // no flush of the warm-up is cut off by the outage
    await setPrice(a as string, 2_000);
    // Two hours on: past every TTL, and past the hour the caches used to keep a copy.
    travel(2 * HOUR);

    const productWarnings = refreshWarnings("products");
    await withOutage(async () => {
      const cart = await addItem(guest, a as string, 1);
      expect(unitPriceOf(cart, a as string)).toBe(1_000);
      const logged = productWarnings();
      expect(logged).toBeGreaterThan(0);
      await cartOf(await send(guest, "POST", guest.cartPath("/bundles"), { bundleId }), 201);
      await cartOf(await send(guest, "POST", guest.cartPath("/discount"), { code }), 200);
      const wishlist = await addToWishlist(guest, { productId: a as string });
      // The list's view reads the same copies (the Worker's product cache).
      expect(new Set(wishlist.items.map((item) => item.product?.price))).toEqual(new Set([400, 1_000]));
      const again = await addItem(guest, a as string, 1);
      expect(unitPriceOf(again, a as string)).toBe(1_000);
      // One warning per refresh attempt, not per request: the next attempt is RETRY_AFTER_MS on.
      expect(productWarnings()).toBe(logged);

      const cold = await send(guest, "POST", guest.cartPath("/items"), { productId: never });
      await problemOf(cold, 503, "UNAVAILABLE");
      await problemOf(await send(guest, "POST", guest.path("wishlist", "/items"), { productId: never }), 503);
      expect((await readCart(guest)).version).toBe(again.version);
    });
    // Back up, and RETRY_AFTER_MS later, the next change refreshes: the new price arrives.
    travel(RETRY_AFTER_MS);
    expect(unitPriceOf(await addItem(guest, a as string, 1), a as string)).toBe(2_000);
  });

  it("a company never loaded while Postgres is down is 503, not a 500", async () => {
    await withOutage(async () => {
      const unknown = await send({ headers: { "x-company-id": crypto.randomUUID() } }, "POST", "/api/public/cart", {});
      await problemOf(unknown, 503, "UNAVAILABLE");
    });
  });

  it("the last good copy serves for at most MAX_STALE_MS past its TTL; then only Postgres can answer", async () => {
    const first = await newGuest();
    const [old, recent] = await seedProducts(first.companyId, [{ price: 1_000 }, { price: 400 }]);
    await addItem(first, old as string, 1);
    await replicateNow(first);
    travel(MAX_STALE_MS - 10 * MINUTE);
    // Another session of the company loads `recent` (and the company) while Postgres is up.
    const second = await newGuest({ companyId: first.companyId, siteIds: first.siteIds });
    await addItem(second, recent as string, 1);
    travel(12 * MINUTE); // `old` is now MAX_STALE_MS + 1 min past its TTL, `recent` 11 min past its own

    await withOutage(async () => {
      await problemOf(await send(second, "POST", second.cartPath("/items"), { productId: old }), 503, "UNAVAILABLE");
      // The first cart's line keeps its price (repricing is skipped); the change goes through.
      const cart = await addItem(first, recent as string, 1);
      expect(cart.items.map((item) => [item.productId, item.unitPrice])).toEqual(
        expect.arrayContaining([
          [old, 1_000],
          [recent, 400],
        ]),
      );
    });
  });

  it("a refresh that hangs (Postgres frozen) gives up after REFRESH_WAIT_MS and serves the copy", {
    timeout: 20_000,
  }, async () => {
    const guest = await newGuest();
    const product = await seedProduct(guest.companyId, { price: 1_000 });
    await addItem(guest, product, 1);
    await setPrice(product, 3_000);
    travel(MINUTE + 1_000);

    await databaseFrozen();
    try {
      const started = performance.now();
      const stuck = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("the add still waits for the frozen Postgres after 10 s")), 10_000),
      );
      const cart = await Promise.race([addItem(guest, product, 1), stuck]);
      // The company (in the Worker) and the product (in the session object) each waited once.
      expect(performance.now() - started).toBeLessThan(2 * REFRESH_WAIT_MS + 2_000);
      expect(unitPriceOf(cart, product)).toBe(1_000);
    } finally {
      await databaseUp();
    }
    // The hung refreshes never answer: their claims end UNANSWERED_REFRESH_MS on, then the next
    // change refreshes.
    travel(UNANSWERED_REFRESH_MS);
    expect(unitPriceOf(await addItem(guest, product, 1), product)).toBe(3_000);
  });
});
