import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { products, productVariants } from "../../../src/db/schema";
import { UpsertResultSchema } from "../../../src/modules/catalog/schema";
import { api, bearer, problemOf, putCatalog, tokenFor } from "../../support/app";
import { createCompany } from "../../support/catalog";
import { withDatabase } from "../../support/db";

const putProducts = (body: unknown, token?: string) => putCatalog("products", body, token);

const product = (overrides: Record<string, unknown> = {}) => {
  const id = crypto.randomUUID();
  return { id, sku: `SKU-${id.slice(0, 8)}`, name: "Trail pack", price: 12900, currency: "USD", ...overrides };
};

function rows(ids: string[]) {
  return withDatabase((db) => db.select().from(products).where(inArray(products.id, ids)));
}

function variantRows(ids: string[]) {
  return withDatabase((db) => db.select().from(productVariants).where(inArray(productVariants.id, ids)));
}

describe("PUT /api/catalog/products — happy", () => {
  it("a service token upserts products with variants and defaults", async () => {
    const { companyId } = await createCompany();
    const variantId = crypto.randomUUID();
    const attributes = { weightGrams: 1100, waterproof: true, color: "brown", discontinued: null };
    const boots = product({
      description: "Waterproof",
      attributes,
      imageUrl: "https://cdn.test/boots.jpg",
      variants: [
        { id: variantId, sku: `V-${variantId.slice(0, 8)}`, name: "EU 45", price: 13900, attributes: { size: 45 } },
      ],
    });
    const plain = product();
    const response = await putProducts({ products: [boots, plain] }, await tokenFor(companyId));
    expect(response.status).toBe(200);
    expect(UpsertResultSchema.parse(await response.json())).toEqual({ upserted: 2, ids: [boots.id, plain.id] });

    const stored = await rows([boots.id, plain.id]);
    expect(stored.find((row) => row.id === boots.id)).toMatchObject({
      companyId,
      sku: boots.sku,
      price: 12900,
      currency: "USD",
      active: true,
      description: "Waterproof",
      attributes,
      imageUrl: "https://cdn.test/boots.jpg",
    });
    expect(stored.find((row) => row.id === plain.id)).toMatchObject({
      description: null,
      attributes: {},
      imageUrl: null,
    });
    expect(await variantRows([variantId])).toEqual([
      expect.objectContaining({
        productId: boots.id,
        companyId,
        name: "EU 45",
        price: 13900,
        active: true,
        attributes: { size: 45 },
      }),
    ]);
  });

  it("is idempotent, and a second call with changed fields updates them (admin token)", async () => {
    const { companyId } = await createCompany();
    const token = await tokenFor(companyId, "admin");
    const variantId = crypto.randomUUID();
    const item = product({ variants: [{ id: variantId, sku: `V-${variantId.slice(0, 8)}`, name: "Blue" }] });

    expect((await putProducts({ products: [item] }, token)).status).toBe(200);
    const [first] = await rows([item.id]);
    expect((await putProducts({ products: [item] }, token)).status).toBe(200);
    const [again] = await rows([item.id]);
    expect({ ...again, updatedAt: null }).toEqual({ ...first, updatedAt: null });

    const changed = {
      ...item,
      sku: `${item.sku}-B`,
      price: 9900,
      active: false,
      variants: [{ id: variantId, sku: `V-${variantId.slice(0, 8)}`, name: "Navy", price: null }],
    };
    const response = await putProducts({ products: [changed] }, token);
    expect(UpsertResultSchema.parse(await response.json())).toEqual({ upserted: 1, ids: [item.id] });
    expect(await rows([item.id])).toEqual([expect.objectContaining({ sku: changed.sku, price: 9900, active: false })]);
    expect(await variantRows([variantId])).toEqual([expect.objectContaining({ name: "Navy", price: null })]);
  });

  it("takes a batch of 500 products in one call", async () => {
    const { companyId } = await createCompany();
    const batch = Array.from({ length: 500 }, (_, index) => product({ sku: `B-${index}`, name: "P", price: index }));
    const response = await putProducts({ products: batch }, await tokenFor(companyId));
    expect(response.status).toBe(200);
    expect(UpsertResultSchema.parse(await response.json()).upserted).toBe(500);
    await withDatabase(async (db) => {
      expect(await db.$count(products, eq(products.companyId, companyId))).toBe(500);
    });
  });

  it("lets two companies use the same sku", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const sku = `SHARED-${crypto.randomUUID().slice(0, 8)}`;
    expect((await putProducts({ products: [product({ sku })] }, await tokenFor(a.companyId))).status).toBe(200);
    expect((await putProducts({ products: [product({ sku })] }, await tokenFor(b.companyId))).status).toBe(200);
  });
});

describe("PUT /api/catalog/products — errors", () => {
  it("501 products is a 400 naming body.products", async () => {
    const { companyId } = await createCompany();
    const batch = Array.from({ length: 501 }, (_, index) => product({ sku: `X-${index}`, name: "P", price: 1 }));
    const problem = await problemOf(await putProducts({ products: batch }, await tokenFor(companyId)), 400);
    expect(problem.code).toBe("VALIDATION_FAILED");
    expect(problem.errors?.map((error) => error.field)).toEqual(["body.products"]);
    expect(await rows(batch.map((item) => item.id))).toEqual([]);
  });

  it("an empty batch is a 400", async () => {
    const { companyId } = await createCompany();
    const problem = await problemOf(await putProducts({ products: [] }, await tokenFor(companyId)), 400);
    expect(problem.errors?.[0]?.field).toBe("body.products");
  });

  it("a bad currency and a negative price are 400s naming each field", async () => {
    const { companyId } = await createCompany();
    const batch = [
      product({ currency: "usd" }),
      product({ price: -1 }),
      product({ price: 1.5 }),
      product({ price: 2 ** 31 }),
    ];
    const problem = await problemOf(await putProducts({ products: batch }, await tokenFor(companyId)), 400);
    expect(problem.errors?.map((error) => error.field)).toEqual([
      "body.products.0.currency",
      "body.products.1.price",
      "body.products.2.price",
      "body.products.3.price",
    ]);
    expect(await rows(batch.map((item) => item.id))).toEqual([]);
  });

  it("a malformed id, attribute or NUL byte is a 400, not a 500", async () => {
    const { companyId } = await createCompany();
    const batch = [
      product({ id: "not-a-uuid" }),
      product({ attributes: { nested: { no: 1 } } }),
      product({ name: "a\u0000b" }),
    ];
    const problem = await problemOf(await putProducts({ products: batch }, await tokenFor(companyId)), 400);
    expect(problem.errors?.map((error) => error.field)).toEqual([
      "body.products.0.id",
      "body.products.1.attributes.nested",
      "body.products.2.name",
    ]);
  });

  it("a duplicate id or sku inside the batch is a 400", async () => {
    const { companyId } = await createCompany();
    const first = product();
    const batch = [first, { ...product(), id: first.id }, product({ sku: first.sku })];
    const problem = await problemOf(await putProducts({ products: batch }, await tokenFor(companyId)), 400);
    expect(problem.errors?.map((error) => error.field)).toEqual(["body.products.1.id", "body.products.2.sku"]);
  });

  it("a sku the company already uses under another id is a 409 CONFLICT; nothing written", async () => {
    const { companyId } = await createCompany();
    const token = await tokenFor(companyId);
    const original = product();
    expect((await putProducts({ products: [original] }, token)).status).toBe(200);

    const fresh = product();
    const clash = product({ sku: original.sku });
    const problem = await problemOf(await putProducts({ products: [fresh, clash] }, token), 409);
    expect(problem.code).toBe("CONFLICT");
    expect(problem.detail).toContain(original.sku);
    expect(problem.detail).toContain(original.id);
    expect(await rows([fresh.id, clash.id])).toEqual([]);
  });

  it("swapping two skus in one call is a 409 from Postgres' unique key, not a 500; nothing written", async () => {
    const { companyId } = await createCompany();
    const token = await tokenFor(companyId);
    const first = product();
    const second = product();
    expect((await putProducts({ products: [first, second] }, token)).status).toBe(200);
    const before = await rows([first.id, second.id]);
    const swapped = [
      { ...first, sku: second.sku },
      { ...second, sku: first.sku },
    ];
    const problem = await problemOf(await putProducts({ products: swapped }, token), 409);
    expect(problem.code).toBe("CONFLICT");
    expect(problem.detail).toContain("sku");
    expect(await rows([first.id, second.id])).toEqual(expect.arrayContaining(before));
  });

  it("a variant sku used by another variant is a 409 CONFLICT", async () => {
    const { companyId } = await createCompany();
    const token = await tokenFor(companyId);
    const sku = `V-${crypto.randomUUID().slice(0, 8)}`;
    const owner = product({ variants: [{ id: crypto.randomUUID(), sku, name: "One" }] });
    expect((await putProducts({ products: [owner] }, token)).status).toBe(200);
    const clash = product({ variants: [{ id: crypto.randomUUID(), sku, name: "Two" }] });
    const problem = await problemOf(await putProducts({ products: [clash] }, token), 409);
    expect(problem.detail).toContain(sku);
    expect(await rows([clash.id])).toEqual([]);
  });

  it("a variant cannot move to another product (409)", async () => {
    const { companyId } = await createCompany();
    const token = await tokenFor(companyId);
    const variant = { id: crypto.randomUUID(), sku: `V-${crypto.randomUUID().slice(0, 8)}`, name: "Red" };
    const owner = product({ variants: [variant] });
    expect((await putProducts({ products: [owner] }, token)).status).toBe(200);
    const thief = product({ variants: [variant] });
    const problem = await problemOf(await putProducts({ products: [thief] }, token), 409);
    expect(problem.detail).toContain(owner.id);
    expect(await rows([thief.id])).toEqual([]);
    expect(await variantRows([variant.id])).toEqual([expect.objectContaining({ productId: owner.id })]);
  });

  it("is 404 when the company does not exist yet", async () => {
    const problem = await problemOf(
      await putProducts({ products: [product()] }, await tokenFor(crypto.randomUUID())),
      404,
    );
    expect(problem.code).toBe("NOT_FOUND");
    expect(problem.detail).toContain("PUT /api/catalog/company");
  });

  it("a body that is not JSON is a 400", async () => {
    const { companyId } = await createCompany();
    const response = await api("/api/catalog/products", {
      method: "PUT",
      headers: { "content-type": "application/json", ...bearer(await tokenFor(companyId)) },
      body: "{not json",
    });
    expect((await problemOf(response, 400)).code).toBe("VALIDATION_FAILED");
  });
});

describe("PUT /api/catalog/products — security", () => {
  it("is 403 for a customer and 401 without a token; nothing written", async () => {
    const { companyId } = await createCompany();
    const item = product();
    expect(
      (await problemOf(await putProducts({ products: [item] }, await tokenFor(companyId, "customer")), 403)).code,
    ).toBe("FORBIDDEN");
    expect((await problemOf(await putProducts({ products: [item] }), 401)).code).toBe("UNAUTHORIZED");
    expect(await rows([item.id])).toEqual([]);
  });

  it("company B upserting company A's product id is a 404; A's row unchanged, nothing of B's batch written", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const owned = product();
    expect((await putProducts({ products: [owned] }, await tokenFor(a.companyId))).status).toBe(200);
    const [before] = await rows([owned.id]);

    const innocent = product();
    const hijack = { ...owned, name: "Hijacked", price: 1 };
    const problem = await problemOf(
      await putProducts({ products: [innocent, hijack] }, await tokenFor(b.companyId)),
      404,
    );
    expect(problem.code).toBe("NOT_FOUND");
    expect(problem.detail).toContain(owned.id);
    expect(problem.detail).toMatch(/not found/);

    expect(await rows([owned.id])).toEqual([before]);
    expect(await rows([innocent.id])).toEqual([]);
  });

  it("company B upserting company A's variant id is a 404; A's variant unchanged, nothing written", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const variant = { id: crypto.randomUUID(), sku: `V-${crypto.randomUUID().slice(0, 8)}`, name: "A's variant" };
    expect(
      (await putProducts({ products: [product({ variants: [variant] })] }, await tokenFor(a.companyId))).status,
    ).toBe(200);
    const [before] = await variantRows([variant.id]);

    const intruder = product({ variants: [{ ...variant, name: "Hijacked" }] });
    const problem = await problemOf(await putProducts({ products: [intruder] }, await tokenFor(b.companyId)), 404);
    expect(problem.detail).toContain(variant.id);
    expect(await variantRows([variant.id])).toEqual([before]);
    expect(await rows([intruder.id])).toEqual([]);
  });

  it("ignores a companyId in the body", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const item = product({ companyId: a.companyId });
    expect((await putProducts({ products: [item] }, await tokenFor(b.companyId))).status).toBe(200);
    expect(await rows([item.id])).toEqual([expect.objectContaining({ companyId: b.companyId })]);
  });
});
