import { describe, expect, it } from "vitest";
import { type Attributes, products } from "../../../src/db/schema";
import { api, bearer, createTestCompany, signToken, testDatabase } from "../helpers";

async function seedProducts(companyId: string, count: number) {
  const ids = Array.from({ length: count }, () => crypto.randomUUID());
  const { db, close } = testDatabase();
  await db.insert(products).values(
    ids.map((id, index) => ({
      id,
      companyId,
      sku: `S-${id.slice(0, 8)}`,
      name: `P${index}`,
      price: 1000 + index,
      currency: "USD",
      attributes: (index % 2 ? { color: "red", weight: index } : { color: "blue", waterproof: true }) as Attributes,
    })),
  );
  await close();
  return ids;
}

describe("wishlist and comparison (customer)", () => {
  it("adds, orders, shares, revokes; comparison caps at 4", async () => {
    const { companyId } = await createTestCompany();
    const ids = await seedProducts(companyId, 5);
    const token = await signToken({ role: "customer", companyId, customerId: crypto.randomUUID() });
    const headers = { ...bearer(token), "content-type": "application/json" };
    const post = (path: string, body: unknown) => api(path, { method: "POST", headers, body: JSON.stringify(body) });

    expect((await post("/api/wishlist/items", { productId: ids[0], priority: 1 })).status).toBe(201);
    expect((await post("/api/wishlist/items", { productId: ids[1], priority: 5 })).status).toBe(201);
    expect((await post("/api/wishlist/items", { productId: ids[1], priority: 7 })).status).toBe(200);
    const wishlist = await (await api("/api/wishlist", { headers })).json<{
      items: { productId: string; product: { name: string } }[];
    }>();
    expect(wishlist.items.map((item) => item.productId)).toEqual([ids[1], ids[0]]);
    expect(wishlist.items[0]?.product.name).toBe("P1");

    const shared = await (await post("/api/wishlist/share", {})).json<{ token: string; url: string }>();
    const view = await api(`/api/public/wishlist/shared/${shared.token}`, { headers: { "x-company-id": companyId } });
    expect(view.status).toBe(200);
    expect(view.headers.get("x-robots-tag")).toBe("noindex");
    expect(JSON.stringify(await view.json())).not.toContain("customerId");
    expect((await api("/api/wishlist/share", { method: "DELETE", headers })).status).toBe(200);
    expect(
      (await api(`/api/public/wishlist/shared/${shared.token}`, { headers: { "x-company-id": companyId } })).status,
    ).toBe(404);

    for (const id of ids.slice(0, 4)) expect((await post("/api/comparison/items", { productId: id })).status).toBe(201);
    const over = await post("/api/comparison/items", { productId: ids[4] });
    expect(over.status).toBe(409);
    const comparison = await (await api("/api/comparison", { headers })).json<{
      attributes: { key: string; values: unknown[] }[];
    }>();
    expect(comparison.attributes.map((row) => row.key)).toEqual(["color", "waterproof", "weight"]);
    expect(comparison.attributes.find((row) => row.key === "weight")?.values).toEqual([null, 1, null, 3]);
  });
});
