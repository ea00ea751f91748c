import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { cartItems, carts, products } from "../../../src/db/schema";
import { sessionObjectName, sha256Hex } from "../../../src/sessions/address";
import { api, createTestCompany, testDatabase } from "../helpers";

async function seedProduct(companyId: string, price = 1500) {
  const id = crypto.randomUUID();
  const { db, close } = testDatabase();
  await db
    .insert(products)
    .values({ id, companyId, sku: `SKU-${id.slice(0, 8)}`, name: "Thing", price, currency: "USD" });
  await close();
  return id;
}

describe("public cart flow", () => {
  it("creates, adds, reads and replicates", async () => {
    const { companyId } = await createTestCompany();
    const productId = await seedProduct(companyId);
    const created = await api("/api/public/cart", {
      method: "POST",
      headers: { "x-company-id": companyId, "content-type": "application/json" },
      body: JSON.stringify({ currency: "USD" }),
    });
    expect(created.status).toBe(201);
    const cart = await created.json<{ id: string; sessionToken: string; version: number }>();
    expect(cart.sessionToken).toMatch(/^[0-9a-f]{64}$/);

    const headers = {
      "x-company-id": companyId,
      "x-session-token": cart.sessionToken,
      "content-type": "application/json",
    };
    const added = await api(`/api/public/cart/${cart.id}/items`, {
      method: "POST",
      headers,
      body: JSON.stringify({ productId, quantity: 2 }),
    });
    const addedBody = await added.json<{ totals: { subtotal: number }; version: number }>();
    expect(added.status, JSON.stringify(addedBody)).toBe(201);
    expect(addedBody.totals.subtotal).toBe(3000);
    expect(added.headers.get("etag")).toBe(`"${addedBody.version}"`);

    const read = await api("/api/public/cart", { headers });
    expect(read.status).toBe(200);

    const stub = env.SHOPPER_SESSION.getByName(
      sessionObjectName({ kind: "anonymous", companyId, tokenHash: await sha256Hex(cart.sessionToken) }),
    );
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const { db, close } = testDatabase();
    const [row] = await db.select().from(carts).where(eq(carts.id, cart.id));
    const items = await db.select().from(cartItems).where(eq(cartItems.cartId, cart.id));
    await close();
    expect(row?.subtotal).toBe(3000);
    expect(row?.version).toBe(addedBody.version);
    expect(items).toHaveLength(1);
  });
});
