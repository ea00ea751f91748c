// The demo catalog `npm run dev` loads: seeding is idempotent, the ids in .demo.env point at
// rows with the promised properties, and the demo tokens carry the right claims.
import { and, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { jwtVerify } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  DEMO_BUNDLE_ID,
  DEMO_COMPANY_ID,
  DEMO_CUSTOMER_ID,
  DEMO_INACTIVE_PRODUCT_ID,
  DEMO_PRODUCT_IDS,
  DEMO_PROMO_CODE,
  DEMO_ROW_IDS,
  DEMO_SITE_IDS,
  DEMO_VARIANT_IDS,
  OTHER_COMPANY_ID,
  OTHER_PRODUCT_ID,
  OTHER_SITE_ID,
  seedDemoData,
} from "../../scripts/lib/demo-data.ts";
import { DEV_JWT_SECRET, mintDemoTokens } from "../../scripts/lib/demo-tokens.ts";
import * as schema from "../../src/db/schema.ts";

const { bundleItems, bundles, companies, customers, productVariants, products, promotions, sites } = schema;

const databaseUrl = inject("databaseUrl");
const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
pool.on("error", () => {});
const db = drizzle({ client: pool, schema });

/** every demo row, full (including updated_at), keyed by table */
async function snapshot() {
  return {
    companies: await db.select().from(companies).where(inArray(companies.id, DEMO_ROW_IDS.companies)),
    sites: await db.select().from(sites).where(inArray(sites.id, DEMO_ROW_IDS.sites)),
    customers: await db.select().from(customers).where(inArray(customers.id, DEMO_ROW_IDS.customers)),
    products: await db.select().from(products).where(inArray(products.id, DEMO_ROW_IDS.products)),
    productVariants: await db
      .select()
      .from(productVariants)
      .where(inArray(productVariants.id, DEMO_ROW_IDS.productVariants)),
    bundles: await db.select().from(bundles).where(inArray(bundles.id, DEMO_ROW_IDS.bundles)),
    bundleItems: await db.select().from(bundleItems).where(eq(bundleItems.bundleId, DEMO_BUNDLE_ID)),
    promotions: await db.select().from(promotions).where(inArray(promotions.id, DEMO_ROW_IDS.promotions)),
  };
}

const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));

beforeAll(async () => {
  await seedDemoData(databaseUrl);
});

afterAll(async () => {
  await pool.end();
});

describe("seedDemoData", () => {
  it("is idempotent: a second run changes no row (not even updated_at)", async () => {
    const first = await snapshot();
    await seedDemoData(databaseUrl);
    const second = await snapshot();
    for (const table of Object.keys(first) as Array<keyof typeof first>) {
      expect(second[table].length, table).toBe(DEMO_ROW_IDS[table].length);
      expect(byId(second[table] as Array<{ id: string }>), table).toEqual(byId(first[table] as Array<{ id: string }>));
    }
  });

  it("puts the compare-enabled default site first", async () => {
    const [first, ...others] = DEMO_SITE_IDS;
    const rows = await db
      .select()
      .from(sites)
      .where(inArray(sites.id, [...DEMO_SITE_IDS]));
    const firstSite = rows.find((row) => row.id === first);
    expect(firstSite).toMatchObject({
      companyId: DEMO_COMPANY_ID,
      enableCompare: true,
      maxCompareItems: 4,
      isDefault: true,
      currency: "USD",
      taxRateBps: 0,
    });
    for (const id of others) {
      expect(rows.find((row) => row.id === id)).toMatchObject({ companyId: DEMO_COMPANY_ID, enableCompare: false });
    }
  });

  it("has at least 6 active products of the demo company in one currency", async () => {
    expect(DEMO_PRODUCT_IDS.length).toBeGreaterThanOrEqual(6);
    expect(DEMO_PRODUCT_IDS).not.toContain(DEMO_INACTIVE_PRODUCT_ID);
    const rows = await db
      .select()
      .from(products)
      .where(inArray(products.id, [...DEMO_PRODUCT_IDS]));
    expect(rows).toHaveLength(DEMO_PRODUCT_IDS.length);
    expect(new Set(rows.map((row) => row.currency))).toEqual(new Set(["USD"]));
    for (const row of rows) {
      expect(row).toMatchObject({ companyId: DEMO_COMPANY_ID, active: true });
      expect(Number.isInteger(row.price) && row.price > 0).toBe(true);
      expect(Object.keys(row.attributes).length).toBeGreaterThan(0);
    }
    // Overlapping but not identical attribute keys: a comparison shows missing values.
    const keySets = rows.map((row) => Object.keys(row.attributes).sort().join(","));
    expect(new Set(keySets).size).toBeGreaterThan(1);
    const [inactive] = await db.select().from(products).where(eq(products.id, DEMO_INACTIVE_PRODUCT_ID));
    expect(inactive?.active).toBe(false);
  });

  it("has variants, one with its own price", async () => {
    const rows = await db
      .select()
      .from(productVariants)
      .where(inArray(productVariants.id, [...DEMO_VARIANT_IDS]));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(new Set(rows.map((row) => row.productId)).size).toBe(1);
    expect(rows.every((row) => DEMO_PRODUCT_IDS.includes(row.productId))).toBe(true);
    expect(rows.some((row) => row.price !== null)).toBe(true);
  });

  it("has a 10 % bundle whose items are active demo products", async () => {
    const [bundle] = await db.select().from(bundles).where(eq(bundles.id, DEMO_BUNDLE_ID));
    expect(bundle).toMatchObject({
      companyId: DEMO_COMPANY_ID,
      active: true,
      discountType: "PERCENT",
      discountValue: 10,
    });
    const items = await db.select().from(bundleItems).where(eq(bundleItems.bundleId, DEMO_BUNDLE_ID));
    expect(items.length).toBeGreaterThanOrEqual(2);
    for (const item of items) expect(DEMO_PRODUCT_IDS).toContain(item.productId);
  });

  it("has the WELCOME5 promotion", async () => {
    const [promotion] = await db
      .select()
      .from(promotions)
      .where(and(eq(promotions.companyId, DEMO_COMPANY_ID), eq(promotions.code, DEMO_PROMO_CODE)));
    expect(promotion).toMatchObject({
      type: "FIXED",
      value: 500,
      minSubtotal: 2000,
      stackable: true,
      active: true,
      endsAt: null,
    });
  });

  it("has the demo customer and a second tenant with its own site and product", async () => {
    const [customer] = await db.select().from(customers).where(eq(customers.id, DEMO_CUSTOMER_ID));
    expect(customer).toMatchObject({ companyId: DEMO_COMPANY_ID, email: "demo@acme.test" });
    const [other] = await db.select().from(companies).where(eq(companies.id, OTHER_COMPANY_ID));
    expect(other?.name).toBe("Other Co");
    const [otherSite] = await db.select().from(sites).where(eq(sites.id, OTHER_SITE_ID));
    expect(otherSite?.companyId).toBe(OTHER_COMPANY_ID);
    const [otherProduct] = await db.select().from(products).where(eq(products.id, OTHER_PRODUCT_ID));
    expect(otherProduct).toMatchObject({ companyId: OTHER_COMPANY_ID, currency: "USD", active: true });
  });
});

describe("mintDemoTokens", () => {
  const key = new TextEncoder().encode(DEV_JWT_SECRET);

  it("signs admin, customer and service tokens for the demo company (HS256, ~10 years)", async () => {
    const tokens = await mintDemoTokens(DEV_JWT_SECRET);
    const now = Math.floor(Date.now() / 1000);
    const expected = {
      admin: { role: "admin" },
      customer: { role: "customer", customerId: DEMO_CUSTOMER_ID, sub: DEMO_CUSTOMER_ID },
      service: { role: "service" },
    } as const;
    for (const kind of ["admin", "customer", "service"] as const) {
      const { payload, protectedHeader } = await jwtVerify(tokens[kind], key, { algorithms: ["HS256"] });
      expect(protectedHeader.alg).toBe("HS256");
      expect(payload).toMatchObject({ companyId: DEMO_COMPANY_ID, ...expected[kind] });
      expect(typeof payload.sub).toBe("string");
      expect(Math.abs((payload.iat ?? 0) - now)).toBeLessThan(60);
      expect((payload.exp ?? 0) - now).toBeGreaterThan(9 * 365 * 24 * 3600);
      if (kind !== "customer") expect(payload.customerId).toBeUndefined();
    }
  });

  it("does not verify with another secret", async () => {
    const { admin } = await mintDemoTokens(DEV_JWT_SECRET);
    await expect(jwtVerify(admin, new TextEncoder().encode("another-secret-another-secret-xx"))).rejects.toThrow();
  });
});
