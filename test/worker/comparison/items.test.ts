// Comparison items: POST /items and DELETE /items/:itemId for customers and anonymous
// sessions; the cap (the site's maxCompareItems), also under concurrent adds.
import { describe, expect, it } from "vitest";
import { problemOf, VersionProblemSchema } from "../../support/app";
import { createCompany, seedManyProducts, seedProduct, seedProducts, seedVariant } from "../../support/catalog";
import { addToComparison, type Comparison, comparisonOf, MISSING_ID, readComparison } from "../../support/lists";
import { newShopper, type Shopper, send, VARIANTS } from "../../support/sessions";

const post = (shopper: Shopper, body: unknown, headers: Record<string, string> = {}) =>
  send(shopper, "POST", shopper.path("comparison", "/items"), body, headers);
const remove = (shopper: Shopper, itemId: string) =>
  send(shopper, "DELETE", shopper.path("comparison", `/items/${itemId}`));

async function expectUnchanged(shopper: Shopper, before: Comparison) {
  const after = await readComparison(shopper);
  expect(after.version).toBe(before.version);
  expect(after.items).toEqual(before.items);
}

describe.each(VARIANTS)("POST comparison items (%s)", (variant) => {
  it("happy: 201 with the product, its site and a version bump", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const productId = await seedProduct(company.companyId, { name: "Tent", price: 19900 });
    const before = await readComparison(shopper);
    const comparison = await addToComparison(shopper, productId);
    expect(comparison.version).toBeGreaterThan(before.version);
    expect(comparison).toMatchObject({ id: before.id, itemCount: 1, maxItems: 4 });
    expect(comparison.items).toEqual([
      expect.objectContaining({
        productId,
        variantId: null,
        siteId: company.siteIds[0],
        product: expect.objectContaining({ name: "Tent", price: 19900 }),
      }),
    ]);
  });

  it("the same product twice is one entry: 200, version unchanged", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const productId = await seedProduct(company.companyId);
    // Seeded before the first add: the catalog cache keeps a product's variants for 60 s.
    const variantId = await seedVariant(company.companyId, productId, { name: "XL" });
    const added = await addToComparison(shopper, productId);
    const again = await addToComparison(shopper, productId, 200);
    expect(again.items).toEqual(added.items);
    expect(again.version).toBe(added.version);
    const withVariant = await comparisonOf(await post(shopper, { productId, variantId }), 201);
    expect(withVariant.itemCount).toBe(2);
  });

  it(`the fifth product → 409 COMPARE_LIMIT_REACHED, version unchanged; one already there is still 200`, async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const ids = await seedManyProducts(company.companyId, 5);
    let full: Comparison | undefined;
    for (const id of ids.slice(0, 4)) full = await addToComparison(shopper, id);
    const problem = await problemOf(await post(shopper, { productId: ids[4] }), 409, "COMPARE_LIMIT_REACHED");
    expect(problem.detail).toContain("4");
    await expectUnchanged(shopper, full as Comparison);
    expect((await addToComparison(shopper, ids[2] as string, 200)).version).toBe(full?.version);
    // Removing one makes room again.
    await comparisonOf(await remove(shopper, full?.items[0]?.id as string), 200);
    expect((await addToComparison(shopper, ids[4] as string)).itemCount).toBe(4);
  });

  it("the cap is the site's maxCompareItems", async () => {
    const company = await createCompany({ maxCompareItems: 2 });
    const shopper = await newShopper(variant, company);
    const [a, b, c] = await seedProducts(company.companyId, [{}, {}, {}]);
    await addToComparison(shopper, a as string);
    const full = await addToComparison(shopper, b as string);
    expect(full.maxItems).toBe(2);
    await problemOf(await post(shopper, { productId: c }), 409, "COMPARE_LIMIT_REACHED");
    await expectUnchanged(shopper, full);
  });

  it("10 concurrent adds of distinct products → exactly 4 items and 6 × 409", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const ids = await seedManyProducts(company.companyId, 10);
    await readComparison(shopper);
    const responses = await Promise.all(ids.map((productId) => post(shopper, { productId })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 201, 201, 201, 409, 409, 409, 409, 409, 409]);
    for (const response of responses) {
      if (response.status === 409) await problemOf(response, 409, "COMPARE_LIMIT_REACHED");
      else await comparisonOf(response, 201);
    }
    const comparison = await readComparison(shopper);
    expect(comparison.itemCount).toBe(4);
    expect(new Set(comparison.items.map((item) => item.productId)).size).toBe(4);
    for (const item of comparison.items) expect(ids).toContain(item.productId);
  });

  it("errors: 400 for a bad body, 404 for an unknown product, 422 for an inactive one; nothing changed", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const inactive = await seedProduct(company.companyId, { active: false });
    const before = await readComparison(shopper);
    const problem = await problemOf(await post(shopper, { productId: "p-1" }), 400, "VALIDATION_FAILED");
    expect(problem.errors?.map((error) => error.field)).toEqual(["body.productId"]);
    await problemOf(await post(shopper, {}), 400);
    await problemOf(await post(shopper, { productId: MISSING_ID }), 404, "NOT_FOUND");
    await problemOf(await post(shopper, { productId: inactive }), 422, "PRODUCT_UNAVAILABLE");
    await expectUnchanged(shopper, before);
  });

  it("errors: a stale If-Match → 412 with the current version", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [a, b] = await seedProducts(company.companyId, [{}, {}]);
    const before = await readComparison(shopper);
    const added = await comparisonOf(await post(shopper, { productId: a }, { "If-Match": `"${before.version}"` }), 201);
    const response = await post(shopper, { productId: b }, { "If-Match": `"${before.version}"` });
    expect(response.status).toBe(412);
    expect(VersionProblemSchema.parse(await response.json())).toMatchObject({
      code: "VERSION_MISMATCH",
      version: added.version,
    });
    await expectUnchanged(shopper, added);
  });

  it("security: another company's product is a 404 and changes nothing", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const shopper = await newShopper(variant, company);
    const before = await addToComparison(shopper, await seedProduct(company.companyId));
    const foreign = await seedProduct(other.companyId);
    const problem = await problemOf(await post(shopper, { productId: foreign }), 404, "NOT_FOUND");
    const missing = await problemOf(await post(shopper, { productId: MISSING_ID }), 404);
    expect(problem.detail).toBe(missing.detail);
    await expectUnchanged(shopper, before);
  });
});

describe.each(VARIANTS)("DELETE comparison items (%s)", (variant) => {
  it("happy: removes exactly the item (200), the others keep their order", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const [a, b, c] = await seedProducts(company.companyId, [{}, {}, {}]);
    await addToComparison(shopper, a as string);
    await addToComparison(shopper, b as string);
    const full = await addToComparison(shopper, c as string);
    const after = await comparisonOf(await remove(shopper, full.items[1]?.id as string), 200);
    expect(after.items.map((item) => item.productId)).toEqual([a, c]);
    expect(after.version).toBeGreaterThan(full.version);
  });

  it("errors: 404 for an unknown or removed item, 400 for a non-UUID id", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const added = await addToComparison(shopper, await seedProduct(company.companyId));
    const itemId = added.items[0]?.id as string;
    const after = await comparisonOf(await remove(shopper, itemId), 200);
    await problemOf(await remove(shopper, itemId), 404, "NOT_FOUND");
    await problemOf(await remove(shopper, "x"), 400, "VALIDATION_FAILED");
    await expectUnchanged(shopper, after);
  });

  it("security: another shopper's item id is a 404 and their item stays", async () => {
    const company = await createCompany();
    const owner = await newShopper(variant, company);
    const intruder = await newShopper(variant, company);
    const added = await addToComparison(owner, await seedProduct(company.companyId));
    await problemOf(await remove(intruder, added.items[0]?.id as string), 404, "NOT_FOUND");
    await expectUnchanged(owner, added);
  });
});
