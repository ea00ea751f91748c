// Finding 11 of the security audit: Idempotency-Key records stored whole response bodies (a
// cart answer is up to ~330 KB) for 24 hours per key, with no bound: a client sending a fresh
// key with every change grew its session's storage without limit. Now a session keeps the
// newest 100 records and at most 1 MiB of answers; a replay answers exactly what was stored.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_IDEMPOTENCY_BYTES, MAX_IDEMPOTENCY_RECORDS } from "../../../durable-objects/storage";
import { cartOf, readCart } from "../../support/cart";
import { createCompany, seedProducts } from "../../support/catalog";
import { newGuest, type Shopper, send, sessionStubOf } from "../../support/sessions";

const addWithKey = (shopper: Shopper, key: string, productId: string) =>
  send(shopper, "POST", shopper.cartPath("/items"), { productId }, { "Idempotency-Key": key });

function storedRecords(shopper: Shopper) {
  return runInDurableObject(sessionStubOf(shopper), (_instance, state) =>
    state.storage.sql
      .exec<{ records: number; bytes: number | null }>(
        "SELECT COUNT(*) AS records, SUM(length(CAST(body AS BLOB))) AS bytes FROM idempotency",
      )
      .one(),
  );
}

describe("Idempotency-Key storage is bounded per session", () => {
  it(`keeps the newest ${MAX_IDEMPOTENCY_RECORDS} records; the newest key still replays exactly`, async () => {
    const company = await createCompany();
    const guest = await newGuest(company);
    const [productId] = await seedProducts(company.companyId, [{}]);
    const keys = Array.from({ length: MAX_IDEMPOTENCY_RECORDS + 20 }, (_, index) => `key-${index}`);
    let last: Awaited<ReturnType<typeof cartOf>> | undefined;
    for (const key of keys) last = await cartOf(await addWithKey(guest, key, productId as string), 201);
    expect((await storedRecords(guest)).records).toBe(MAX_IDEMPOTENCY_RECORDS);

    const replay = await cartOf(await addWithKey(guest, keys.at(-1) as string, productId as string), 201);
    expect(replay).toEqual(last);
    expect((await readCart(guest)).items[0]?.quantity).toBe(keys.length);
  });

  it("keeps at most 1 MiB of answers (newest first), however large each cart answer is", {
    timeout: 60_000,
  }, async () => {
    const company = await createCompany();
    const guest = await newGuest(company);
    const longName = "n".repeat(200);
    const productIds = await seedProducts(
      company.companyId,
      Array.from({ length: 120 }, (_, index) => ({ name: `${longName}-${index}`, description: longName })),
    );
    let last: Awaited<ReturnType<typeof cartOf>> | undefined;
    let answered = 0;
    for (const [index, productId] of productIds.entries()) {
      const response = await addWithKey(guest, `big-${index}`, productId);
      answered += (await response.clone().text()).length;
      last = await cartOf(response, 201);
    }
    expect(answered).toBeGreaterThan(1.5 * MAX_IDEMPOTENCY_BYTES);
    const stored = await storedRecords(guest);
    expect(stored.bytes).toBeLessThanOrEqual(MAX_IDEMPOTENCY_BYTES);
    expect(stored.records).toBeGreaterThan(1);
    expect(stored.records).toBeLessThan(productIds.length);

    const replay = await cartOf(
      await addWithKey(guest, `big-${productIds.length - 1}`, productIds.at(-1) as string),
      201,
    );
    expect(replay).toEqual(last);
    expect((await readCart(guest)).items).toHaveLength(productIds.length);
  });
});
