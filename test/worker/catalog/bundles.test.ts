import { asc, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { bundleItems, bundles } from "../../../src/db/schema";
import { UpsertResultSchema } from "../../../src/modules/catalog/schema";
import { problemOf, putCatalog, tokenFor } from "../../support/app";
import { createCompany } from "../../support/catalog";
import { withDatabase } from "../../support/db";

interface Catalog {
  companyId: string;
  token: string;
  productIds: [string, string, string];
  /** a variant of productIds[0] */
  variantId: string;
}

/** A fresh company with three products, the first with one variant. */
async function catalogWithProducts(): Promise<Catalog> {
  const { companyId } = await createCompany();
  const token = await tokenFor(companyId);
  const productIds: [string, string, string] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  const variantId = crypto.randomUUID();
  const response = await putCatalog(
    "products",
    {
      products: productIds.map((id, index) => ({
        id,
        sku: `P-${id.slice(0, 8)}`,
        name: `Product ${index}`,
        price: 1000 * (index + 1),
        currency: "USD",
        variants: index === 0 ? [{ id: variantId, sku: `V-${variantId.slice(0, 8)}`, name: "Large" }] : [],
      })),
    },
    token,
  );
  expect(response.status).toBe(200);
  return { companyId, token, productIds, variantId };
}

const bundle = (items: unknown[], overrides: Record<string, unknown> = {}) => ({
  id: crypto.randomUUID(),
  name: "Starter kit",
  discountType: "PERCENT",
  discountValue: 10,
  items,
  ...overrides,
});

async function stored(ids: string[]) {
  return withDatabase(async (db) => {
    const heads = await db.select().from(bundles).where(inArray(bundles.id, ids));
    const items = await db
      .select({
        bundleId: bundleItems.bundleId,
        productId: bundleItems.productId,
        variantId: bundleItems.variantId,
        quantity: bundleItems.quantity,
      })
      .from(bundleItems)
      .where(inArray(bundleItems.bundleId, ids))
      .orderBy(asc(bundleItems.quantity));
    return { heads, items };
  });
}

describe("PUT /api/catalog/bundles — happy", () => {
  it("upserts a bundle with its items (products and a variant)", async () => {
    const { companyId, token, productIds, variantId } = await catalogWithProducts();
    const kit = bundle(
      [
        { productId: productIds[0], variantId, quantity: 1 },
        { productId: productIds[1], quantity: 2 },
      ],
      { sku: "KIT-1" },
    );
    const response = await putCatalog("bundles", { bundles: [kit] }, token);
    expect(response.status).toBe(200);
    expect(UpsertResultSchema.parse(await response.json())).toEqual({ upserted: 1, ids: [kit.id] });
    const { heads, items } = await stored([kit.id]);
    expect(heads).toEqual([
      expect.objectContaining({
        companyId,
        name: "Starter kit",
        sku: "KIT-1",
        active: true,
        discountType: "PERCENT",
        discountValue: 10,
      }),
    ]);
    expect(items).toEqual([
      { bundleId: kit.id, productId: productIds[0], variantId, quantity: 1 },
      { bundleId: kit.id, productId: productIds[1], variantId: null, quantity: 2 },
    ]);
  });

  it("is idempotent, and a second call replaces the items wholesale (admin token)", async () => {
    const { companyId, productIds } = await catalogWithProducts();
    const token = await tokenFor(companyId, "admin");
    const kit = bundle([
      { productId: productIds[0], quantity: 1 },
      { productId: productIds[1], quantity: 2 },
    ]);
    expect((await putCatalog("bundles", { bundles: [kit] }, token)).status).toBe(200);
    expect((await putCatalog("bundles", { bundles: [kit] }, token)).status).toBe(200);
    expect((await stored([kit.id])).items).toHaveLength(2);

    const changed = {
      ...kit,
      discountType: "FIXED",
      discountValue: 500,
      items: [{ productId: productIds[2], quantity: 3 }],
    };
    expect((await putCatalog("bundles", { bundles: [changed] }, token)).status).toBe(200);
    const { heads, items } = await stored([kit.id]);
    expect(heads).toEqual([expect.objectContaining({ discountType: "FIXED", discountValue: 500 })]);
    expect(items).toEqual([{ bundleId: kit.id, productId: productIds[2], variantId: null, quantity: 3 }]);
  });
});

describe("PUT /api/catalog/bundles — errors", () => {
  it("a product that is not in the catalog is 422 BUNDLE_UNAVAILABLE naming the item; nothing written", async () => {
    const { token, productIds } = await catalogWithProducts();
    const good = bundle([{ productId: productIds[0], quantity: 1 }]);
    const bad = bundle([
      { productId: productIds[1], quantity: 1 },
      { productId: crypto.randomUUID(), quantity: 1 },
    ]);
    const problem = await problemOf(await putCatalog("bundles", { bundles: [good, bad] }, token), 422);
    expect(problem.code).toBe("BUNDLE_UNAVAILABLE");
    expect(problem.errors?.map((error) => error.field)).toEqual(["body.bundles.1.items.1.productId"]);
    expect(await stored([good.id, bad.id])).toEqual({ heads: [], items: [] });
  });

  it("a variant of another product is 422 BUNDLE_UNAVAILABLE", async () => {
    const { token, productIds, variantId } = await catalogWithProducts();
    const kit = bundle([{ productId: productIds[1], variantId, quantity: 1 }]);
    const problem = await problemOf(await putCatalog("bundles", { bundles: [kit] }, token), 422);
    expect(problem.errors?.map((error) => error.field)).toEqual(["body.bundles.0.items.0.variantId"]);
    expect((await stored([kit.id])).heads).toEqual([]);
  });

  it("rejects bad discounts, empty or oversized item lists and repeated items with 400s naming the fields", async () => {
    const { token, productIds } = await catalogWithProducts();
    const item = { productId: productIds[0], quantity: 1 };
    const batch = [
      bundle([item], { discountType: "PERCENT", discountValue: 150 }),
      bundle([item], { discountType: "NONE", discountValue: 5 }),
      bundle([]),
      bundle(Array.from({ length: 21 }, () => ({ productId: crypto.randomUUID(), quantity: 1 }))),
      bundle([item, item]),
      bundle([{ ...item, quantity: 0 }], { discountType: "SOMETIMES" }),
    ];
    const problem = await problemOf(await putCatalog("bundles", { bundles: batch }, token), 400);
    expect(problem.errors?.map((error) => error.field).sort()).toEqual([
      "body.bundles.0.discountValue",
      "body.bundles.1.discountValue",
      "body.bundles.2.items",
      "body.bundles.3.items",
      "body.bundles.4.items.1.productId",
      "body.bundles.5.discountType",
      "body.bundles.5.items.0.quantity",
    ]);
  });

  it("is 404 when the company does not exist yet", async () => {
    const kit = bundle([{ productId: crypto.randomUUID(), quantity: 1 }]);
    const problem = await problemOf(
      await putCatalog("bundles", { bundles: [kit] }, await tokenFor(crypto.randomUUID())),
      404,
    );
    expect(problem.code).toBe("NOT_FOUND");
  });
});

describe("PUT /api/catalog/bundles — security", () => {
  it("is 403 for a customer and 401 without a token", async () => {
    const { companyId, productIds } = await catalogWithProducts();
    const kit = bundle([{ productId: productIds[0], quantity: 1 }]);
    expect(
      (await problemOf(await putCatalog("bundles", { bundles: [kit] }, await tokenFor(companyId, "customer")), 403))
        .code,
    ).toBe("FORBIDDEN");
    expect((await problemOf(await putCatalog("bundles", { bundles: [kit] }), 401)).code).toBe("UNAUTHORIZED");
    expect((await stored([kit.id])).heads).toEqual([]);
  });

  it("a bundle referencing another company's product or variant is rejected; nothing written", async () => {
    const a = await catalogWithProducts();
    const b = await catalogWithProducts();
    const kit = bundle([
      { productId: b.productIds[1], quantity: 1 },
      { productId: a.productIds[1], quantity: 1 },
      { productId: a.productIds[0], variantId: a.variantId, quantity: 1 },
    ]);
    const problem = await problemOf(await putCatalog("bundles", { bundles: [kit] }, b.token), 422);
    expect(problem.code).toBe("BUNDLE_UNAVAILABLE");
    expect(problem.errors?.map((error) => error.field)).toEqual([
      "body.bundles.0.items.1.productId",
      "body.bundles.0.items.2.productId",
    ]);
    expect(await stored([kit.id])).toEqual({ heads: [], items: [] });
  });

  it("company B upserting company A's bundle id is a 404; A's bundle and items unchanged, nothing written", async () => {
    const a = await catalogWithProducts();
    const b = await catalogWithProducts();
    const owned = bundle([{ productId: a.productIds[0], quantity: 1 }]);
    expect((await putCatalog("bundles", { bundles: [owned] }, a.token)).status).toBe(200);
    const before = await stored([owned.id]);

    const innocent = bundle([{ productId: b.productIds[0], quantity: 1 }]);
    const hijack = { ...owned, name: "Hijacked", items: [{ productId: b.productIds[1], quantity: 5 }] };
    const problem = await problemOf(await putCatalog("bundles", { bundles: [innocent, hijack] }, b.token), 404);
    expect(problem.code).toBe("NOT_FOUND");
    expect(problem.detail).toContain(owned.id);
    expect(await stored([owned.id])).toEqual(before);
    expect(await stored([innocent.id])).toEqual({ heads: [], items: [] });
  });
});
