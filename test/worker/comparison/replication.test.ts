// Replication of the comparison to Postgres (`product_comparisons`,
// `product_comparison_items`) by the session's outbox alarm: rows equal the object's state.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/lib/tokens";
import { ComparisonShareSchema } from "../../../src/modules/comparison/schema";
import { bodyOf } from "../../support/app";
import { addItem, expectReplicated as expectCartReplicated, readCart } from "../../support/cart";
import { createCompany, seedProducts, seedVariant } from "../../support/catalog";
import { addToComparison, type Comparison, comparisonOf, comparisonRows, readComparison } from "../../support/lists";
import {
  expireComparison,
  newGuest,
  newShopper,
  replicateNow,
  type Shopper,
  send,
  VARIANTS,
} from "../../support/sessions";

async function expectReplicated(shopper: Shopper, view: Comparison, shareTokenHash: string | null) {
  const { comparison, items } = await comparisonRows(view.id);
  expect(comparison).toBeDefined();
  expect(comparison).toMatchObject({
    id: view.id,
    companyId: view.companyId,
    siteId: shopper.siteIds[0],
    customerId: view.customerId,
    sessionId: view.sessionId,
    sessionTokenHash: shopper.sessionToken ? await sha256Hex(shopper.sessionToken) : null,
    shareTokenHash,
    itemCount: view.itemCount,
    version: view.version,
  });
  expect(comparison?.expiresAt.toISOString()).toBe(view.expiresAt);
  expect(comparison?.createdAt.toISOString()).toBe(view.createdAt);
  expect(comparison?.sharedAt?.toISOString() ?? null).toBe(view.sharedAt);
  // Positions are the order of the comparison's columns.
  expect(items.map(({ id, productId, variantId, position }) => ({ id, productId, variantId, position }))).toEqual(
    view.items.map(({ id, productId, variantId }, position) => ({ id, productId, variantId, position })),
  );
  return { comparison, items };
}

describe.each(VARIANTS)("comparison replication (%s)", (variant) => {
  it("items with their positions, the share digest and expiry reach Postgres; never a raw token", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [a, b, c] = await seedProducts(company.companyId, [{}, {}, {}]);
    const variantId = await seedVariant(company.companyId, b as string);
    await addToComparison(shopper, a as string);
    const withB = await comparisonOf(
      await send(shopper, "POST", shopper.path("comparison", "/items"), { productId: b, variantId }),
      201,
    );
    await addToComparison(shopper, c as string);
    await comparisonOf(await send(shopper, "DELETE", shopper.path("comparison", `/items/${withB.items[0]?.id}`)), 200);
    const shared = await bodyOf(
      await send(shopper, "POST", shopper.path("comparison", "/share")),
      200,
      ComparisonShareSchema,
    );

    await replicateNow(shopper);
    const view = await readComparison(shopper);
    expect(view.items.map((item) => item.productId)).toEqual([b, c]);
    const rows = await expectReplicated(shopper, view, await sha256Hex(shared.token));
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(shared.token);
    expect(stored).not.toContain(shared.token.slice(64));
    if (shopper.sessionToken) expect(stored).not.toContain(shopper.sessionToken);
  });

  it("revoking clears share_token_hash; a refused add (cap) replicates nothing new", async () => {
    const company = await createCompany({ maxCompareItems: 2 });
    const shopper = await newShopper(variant, company);
    const [a, b, c] = await seedProducts(company.companyId, [{}, {}, {}]);
    await addToComparison(shopper, a as string);
    await addToComparison(shopper, b as string);
    await bodyOf(await send(shopper, "POST", shopper.path("comparison", "/share")), 200, ComparisonShareSchema);
    await comparisonOf(await send(shopper, "DELETE", shopper.path("comparison", "/share")), 200);
    expect((await send(shopper, "POST", shopper.path("comparison", "/items"), { productId: c })).status).toBe(409);
    await replicateNow(shopper);
    const view = await readComparison(shopper);
    const { comparison } = await expectReplicated(shopper, view, null);
    expect(comparison?.itemCount).toBe(2);
  });
});

describe("a renewed comparison (after 90 days)", () => {
  it("the old row gives up the token hash to the new one; both stay, and later changes keep replicating", async () => {
    const company = await createCompany();
    const guest = await newGuest(company);
    const tokenHash = await sha256Hex(guest.sessionToken as string);
    const [a, b, c] = await seedProducts(company.companyId, [{}, {}, {}]);
    const old = await addToComparison(guest, a as string);
    await replicateNow(guest);
    expect((await comparisonRows(old.id)).comparison?.sessionTokenHash).toBe(tokenHash);

    await expireComparison(guest);
    const renewed = await addToComparison(guest, b as string);
    expect(renewed.id).not.toBe(old.id);
    expect(renewed.items.map((item) => item.productId)).toEqual([b]);
    await replicateNow(guest);

    // The old row stays until the weekly purge, without the hash; the new one holds it.
    const before = await comparisonRows(old.id);
    expect(before.comparison).toMatchObject({ id: old.id, sessionTokenHash: null, version: old.version });
    expect(before.items.map((item) => item.productId)).toEqual([a]);
    await expectReplicated(guest, await readComparison(guest), null);

    // The session's later changes keep reaching Postgres, its cart's too.
    await addToComparison(guest, c as string);
    await addItem(guest, c as string, 2);
    await replicateNow(guest);
    await expectCartReplicated(await readCart(guest), tokenHash);
    const later = await readComparison(guest);
    expect(later.items.map((item) => item.productId)).toEqual([b, c]);
    await expectReplicated(guest, later, null);
    expect((await comparisonRows(old.id)).comparison?.sessionTokenHash).toBeNull();
  });
});
