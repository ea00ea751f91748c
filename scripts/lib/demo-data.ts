// The demo catalog `npm run dev` and `npm run db:seed` load: one company with two sites, a
// customer, products with comparable attributes (one with size variants), a bundle and a
// promotion — plus a second company for tenant-isolation demos. Every id is fixed (and listed
// in docs/development.md) so scripts, docs and storefront developers can rely on them.
// seedDemoData() upserts all of it: running it twice changes nothing.
import { and, eq, getTableColumns, notInArray, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import type { PgTable } from "drizzle-orm/pg-core";
import pg from "pg";
import * as schema from "../../src/db/schema.ts";
import {
  bundleItems,
  bundles,
  companies,
  customers,
  type NewBundle,
  type NewBundleItem,
  type NewCompany,
  type NewCustomer,
  type NewProduct,
  type NewProductVariant,
  type NewPromotion,
  type NewSite,
  products,
  productVariants,
  promotions,
  sites,
} from "../../src/db/schema.ts";

// ---------------------------------------------------------------------------------------------
// Fixed ids
// ---------------------------------------------------------------------------------------------

export const DEMO_COMPANY_ID = "c0000000-0000-4000-8000-000000000001";
/** "Acme Trail": the default site, comparison enabled (max 4 items) */
export const DEMO_SITE_TRAIL_ID = "a1000000-0000-4000-8000-000000000001";
/** "Acme Peak": comparison disabled */
export const DEMO_SITE_PEAK_ID = "a2000000-0000-4000-8000-000000000002";
/** the compare-enabled site first */
export const DEMO_SITE_IDS = [DEMO_SITE_TRAIL_ID, DEMO_SITE_PEAK_ID] as const;
export const DEMO_CUSTOMER_ID = "f0000000-0000-4000-8000-000000000001";
export const DEMO_CUSTOMER_EMAIL = "demo@acme.test";

export const DEMO_PRODUCT = {
  backpack: "b0000000-0000-4000-8000-000000000001",
  tent: "b0000000-0000-4000-8000-000000000002",
  sleepingBag: "b0000000-0000-4000-8000-000000000003",
  boots: "b0000000-0000-4000-8000-000000000004",
  rainJacket: "b0000000-0000-4000-8000-000000000005",
  trekkingPoles: "b0000000-0000-4000-8000-000000000006",
  bottle: "b0000000-0000-4000-8000-000000000007",
  headlamp: "b0000000-0000-4000-8000-000000000008",
  stove: "b0000000-0000-4000-8000-000000000009",
} as const;
/** the active USD products of the demo company, in catalog order */
export const DEMO_PRODUCT_IDS: readonly string[] = Object.values(DEMO_PRODUCT);
/** an inactive (discontinued) product of the demo company: adding it must fail */
export const DEMO_INACTIVE_PRODUCT_ID = "b0000000-0000-4000-8000-000000000010";

/** the boots' sizes; EU 45 Wide has its own price */
export const DEMO_VARIANT = {
  bootsEu41: "b1000000-0000-4000-8000-000000000001",
  bootsEu43: "b1000000-0000-4000-8000-000000000002",
  bootsEu45Wide: "b1000000-0000-4000-8000-000000000003",
} as const;
export const DEMO_VARIANT_IDS: readonly string[] = Object.values(DEMO_VARIANT);

/** "Trail Starter Kit": backpack + trekking poles + bottle, 10 % off */
export const DEMO_BUNDLE_ID = "d0000000-0000-4000-8000-000000000001";
export const DEMO_BUNDLE_ITEM_IDS = [
  "d1000000-0000-4000-8000-000000000001",
  "d1000000-0000-4000-8000-000000000002",
  "d1000000-0000-4000-8000-000000000003",
] as const;

export const DEMO_PROMOTION_ID = "e0000000-0000-4000-8000-000000000001";
export const DEMO_PROMO_CODE = "WELCOME5";

/** a second tenant: its rows must never be visible to the demo company */
export const OTHER_COMPANY_ID = "c0000000-0000-4000-8000-000000000002";
export const OTHER_SITE_ID = "a3000000-0000-4000-8000-000000000003";
export const OTHER_PRODUCT_ID = "b2000000-0000-4000-8000-000000000001";

export const DEMO_CURRENCY = "USD";

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

export const demoCompanies: NewCompany[] = [
  { id: DEMO_COMPANY_ID, name: "Acme Outdoor", slug: "acme", active: true },
  { id: OTHER_COMPANY_ID, name: "Other Co", slug: "other-co", active: true },
];

export const demoSites: NewSite[] = [
  {
    id: DEMO_SITE_TRAIL_ID,
    companyId: DEMO_COMPANY_ID,
    name: "Acme Trail",
    domain: "trail.acme.test",
    baseUrl: "http://localhost:8787/demo?site=trail",
    currency: DEMO_CURRENCY,
    taxRateBps: 0,
    enableCart: true,
    enableWishlist: true,
    enableCompare: true,
    maxCompareItems: 4,
    cartExpirationDays: 30,
    isDefault: true,
    active: true,
  },
  {
    id: DEMO_SITE_PEAK_ID,
    companyId: DEMO_COMPANY_ID,
    name: "Acme Peak",
    domain: "peak.acme.test",
    baseUrl: "http://localhost:8787/demo?site=peak",
    currency: DEMO_CURRENCY,
    taxRateBps: 0,
    enableCart: true,
    enableWishlist: true,
    enableCompare: false,
    maxCompareItems: 4,
    cartExpirationDays: 30,
    isDefault: false,
    active: true,
  },
  {
    id: OTHER_SITE_ID,
    companyId: OTHER_COMPANY_ID,
    name: "Other Co Store",
    domain: "store.other.test",
    baseUrl: "http://localhost:8787/demo?site=other",
    currency: DEMO_CURRENCY,
    taxRateBps: 0,
    enableCart: true,
    enableWishlist: true,
    enableCompare: true,
    maxCompareItems: 4,
    cartExpirationDays: 30,
    isDefault: true,
    active: true,
  },
];

export const demoCustomers: NewCustomer[] = [
  {
    id: DEMO_CUSTOMER_ID,
    companyId: DEMO_COMPANY_ID,
    email: DEMO_CUSTOMER_EMAIL,
    name: "Dana Demo",
    externalId: "acme-demo-0001",
  },
];

const image = (slug: string) => `https://images.acme.test/products/${slug}.jpg`;

// Attribute sets overlap but differ on purpose, so a comparison table shows missing values.
export const demoProducts: NewProduct[] = [
  {
    id: DEMO_PRODUCT.backpack,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-PACK-45",
    name: "Summit 45L Backpack",
    description: "Top-loading trekking pack with an adjustable back system and hip-belt pockets.",
    price: 18900,
    currency: DEMO_CURRENCY,
    active: true,
    attributes: { capacity_l: 45, weight_g: 1650, waterproof: false, material: "Ripstop nylon", warranty_years: 5 },
    imageUrl: image("summit-45"),
  },
  {
    id: DEMO_PRODUCT.tent,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-TENT-2P",
    name: "Ridgeline 2P Tent",
    description: "Freestanding three-season tent for two, two doors and two vestibules.",
    price: 34900,
    currency: DEMO_CURRENCY,
    active: true,
    attributes: {
      capacity_persons: 2,
      weight_g: 2100,
      waterproof: true,
      material: "Polyester 40D",
      season: "3-season",
    },
    imageUrl: image("ridgeline-2p"),
  },
  {
    id: DEMO_PRODUCT.sleepingBag,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-BAG-DOWN-M5",
    name: "Nimbus Down Sleeping Bag -5°C",
    description: "Mummy bag with 650-fill-power responsibly sourced down.",
    price: 27900,
    currency: DEMO_CURRENCY,
    active: true,
    attributes: { weight_g: 980, comfort_temp_c: -5, material: "650 FP down", warranty_years: 10 },
    imageUrl: image("nimbus-down"),
  },
  {
    id: DEMO_PRODUCT.boots,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-BOOT-TRH",
    name: "Trailhead Mid Hiking Boots",
    description: "Waterproof nubuck mid boots with a grippy lugged outsole.",
    price: 15900,
    currency: DEMO_CURRENCY,
    active: true,
    attributes: { weight_g: 1180, waterproof: true, material: "Nubuck leather", warranty_years: 2 },
    imageUrl: image("trailhead-mid"),
  },
  {
    id: DEMO_PRODUCT.rainJacket,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-JKT-STORM",
    name: "Stormline 3L Rain Jacket",
    description: "Packable three-layer shell with pit zips and a helmet-compatible hood.",
    price: 12900,
    currency: DEMO_CURRENCY,
    active: true,
    attributes: { weight_g: 340, waterproof: true, material: "3-layer nylon", warranty_years: 2, packable: true },
    imageUrl: image("stormline-3l"),
  },
  {
    id: DEMO_PRODUCT.trekkingPoles,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-POLE-FL",
    name: "Featherlite Carbon Trekking Poles (pair)",
    description: "Three-section folding carbon poles with cork grips.",
    price: 8900,
    currency: DEMO_CURRENCY,
    active: true,
    attributes: { weight_g: 460, material: "Carbon fibre", warranty_years: 2, adjustable: true },
    imageUrl: image("featherlite-poles"),
  },
  {
    id: DEMO_PRODUCT.bottle,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-BTL-1L",
    name: "Glacier 1L Insulated Bottle",
    description: "Double-wall vacuum bottle: cold for 24 hours, hot for 12.",
    price: 3400,
    currency: DEMO_CURRENCY,
    active: true,
    attributes: { capacity_l: 1, weight_g: 390, material: "Stainless steel", warranty_years: 5 },
    imageUrl: image("glacier-1l"),
  },
  {
    id: DEMO_PRODUCT.headlamp,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-LAMP-400",
    name: "Pathfinder 400 Headlamp",
    description: "Rechargeable 400-lumen headlamp with red night mode.",
    price: 4900,
    currency: DEMO_CURRENCY,
    active: true,
    attributes: { weight_g: 86, waterproof: true, lumens: 400, battery_hours: 40, warranty_years: 3 },
    imageUrl: image("pathfinder-400"),
  },
  {
    id: DEMO_PRODUCT.stove,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-STOVE-TI",
    name: "Basecamp Titanium Stove Kit",
    description: "Canister stove with a 750 ml titanium pot and a piezo igniter.",
    price: 6900,
    currency: DEMO_CURRENCY,
    active: true,
    attributes: { weight_g: 310, capacity_l: 0.75, material: "Titanium", warranty_years: 3 },
    imageUrl: image("basecamp-stove"),
  },
  {
    id: DEMO_INACTIVE_PRODUCT_ID,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-TENT-CANVAS",
    name: "Classic Canvas Tent (discontinued)",
    description: "No longer sold; kept so the demo can show what happens with an inactive product.",
    price: 29900,
    currency: DEMO_CURRENCY,
    active: false,
    attributes: { capacity_persons: 3, weight_g: 6800, waterproof: true, material: "Cotton canvas" },
    imageUrl: image("classic-canvas"),
  },
  {
    id: OTHER_PRODUCT_ID,
    companyId: OTHER_COMPANY_ID,
    sku: "OTHER-MUG-01",
    name: "Other Co Enamel Mug",
    description: "A product of another tenant.",
    price: 1500,
    currency: DEMO_CURRENCY,
    active: true,
    attributes: { capacity_l: 0.35, material: "Enamelled steel" },
    imageUrl: null,
  },
];

export const demoVariants: NewProductVariant[] = [
  {
    id: DEMO_VARIANT.bootsEu41,
    productId: DEMO_PRODUCT.boots,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-BOOT-TRH-41",
    name: "EU 41",
    price: null,
    attributes: { size_eu: 41, width: "regular" },
    active: true,
  },
  {
    id: DEMO_VARIANT.bootsEu43,
    productId: DEMO_PRODUCT.boots,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-BOOT-TRH-43",
    name: "EU 43",
    price: null,
    attributes: { size_eu: 43, width: "regular" },
    active: true,
  },
  {
    id: DEMO_VARIANT.bootsEu45Wide,
    productId: DEMO_PRODUCT.boots,
    companyId: DEMO_COMPANY_ID,
    sku: "ACME-BOOT-TRH-45W",
    name: "EU 45 Wide",
    price: 16900,
    attributes: { size_eu: 45, width: "wide" },
    active: true,
  },
];

export const demoBundles: NewBundle[] = [
  {
    id: DEMO_BUNDLE_ID,
    companyId: DEMO_COMPANY_ID,
    name: "Trail Starter Kit",
    sku: "ACME-KIT-TRAIL",
    active: true,
    discountType: "PERCENT",
    discountValue: 10,
  },
];

export const demoBundleItems: NewBundleItem[] = [
  {
    id: DEMO_BUNDLE_ITEM_IDS[0],
    bundleId: DEMO_BUNDLE_ID,
    productId: DEMO_PRODUCT.backpack,
    variantId: null,
    quantity: 1,
  },
  {
    id: DEMO_BUNDLE_ITEM_IDS[1],
    bundleId: DEMO_BUNDLE_ID,
    productId: DEMO_PRODUCT.trekkingPoles,
    variantId: null,
    quantity: 1,
  },
  {
    id: DEMO_BUNDLE_ITEM_IDS[2],
    bundleId: DEMO_BUNDLE_ID,
    productId: DEMO_PRODUCT.bottle,
    variantId: null,
    quantity: 1,
  },
];

export const demoPromotions: NewPromotion[] = [
  {
    id: DEMO_PROMOTION_ID,
    companyId: DEMO_COMPANY_ID,
    code: DEMO_PROMO_CODE,
    type: "FIXED",
    value: 500,
    minSubtotal: 2000,
    startsAt: null,
    endsAt: null,
    stackable: true,
    active: true,
  },
];

// ---------------------------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------------------------

export interface SeedSummary {
  companies: number;
  sites: number;
  customers: number;
  products: number;
  productVariants: number;
  bundles: number;
  bundleItems: number;
  promotions: number;
}

/**
 * Upserts the demo catalog into `databaseUrl` (which must be migrated) in one transaction.
 * Rows are matched by id; a row that already holds the demo values is left untouched (not even
 * `updated_at` moves), so seeding twice changes nothing. The demo bundle's items are exactly the
 * ones listed here (stray items of that bundle are removed).
 */
export async function seedDemoData(databaseUrl: string): Promise<SeedSummary> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  pool.on("error", () => {});
  try {
    const db = drizzle({ client: pool, schema });
    await db.transaction(async (tx) => {
      // Parents before children (foreign keys).
      await upsert(tx, companies, demoCompanies);
      await upsert(tx, sites, demoSites);
      await upsert(tx, customers, demoCustomers);
      await upsert(tx, products, demoProducts);
      await upsert(tx, productVariants, demoVariants);
      await upsert(tx, bundles, demoBundles);
      await tx
        .delete(bundleItems)
        .where(and(eq(bundleItems.bundleId, DEMO_BUNDLE_ID), notInArray(bundleItems.id, [...DEMO_BUNDLE_ITEM_IDS])));
      await upsert(tx, bundleItems, demoBundleItems);
      await upsert(tx, promotions, demoPromotions);
    });
    return {
      companies: demoCompanies.length,
      sites: demoSites.length,
      customers: demoCustomers.length,
      products: demoProducts.length,
      productVariants: demoVariants.length,
      bundles: demoBundles.length,
      bundleItems: demoBundleItems.length,
      promotions: demoPromotions.length,
    };
  } finally {
    await pool.end();
  }
}

type Executor = Pick<ReturnType<typeof drizzle<typeof schema>>, "insert">;

/** Columns the seed never writes on update: the key and the bookkeeping timestamps. */
const UNMANAGED = new Set(["id", "createdAt", "updatedAt"]);

/**
 * INSERT … ON CONFLICT (id) DO UPDATE SET <every data column> = excluded.<column>
 * WHERE (<current values>) IS DISTINCT FROM (<new values>).
 */
async function upsert<T extends PgTable>(db: Executor, table: T, rows: T["$inferInsert"][]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => !UNMANAGED.has(key));
  const set: Record<string, SQL> = {};
  for (const [key, column] of columns) set[key] = sql`excluded.${sql.identifier(column.name)}`;
  const current = sql.join(
    columns.map(([, column]) => sql`${table}.${sql.identifier(column.name)}`),
    sql`, `,
  );
  const incoming = sql.join(
    columns.map(([, column]) => sql`excluded.${sql.identifier(column.name)}`),
    sql`, `,
  );
  const idColumn = getTableColumns(table).id;
  if (!idColumn) throw new Error("seed: table without an id column");
  await db
    .insert(table)
    .values(rows)
    .onConflictDoUpdate({
      target: idColumn,
      set,
      setWhere: sql`(${current}) is distinct from (${incoming})`,
    });
}

/** every demo row id per table, for checks and clean-ups */
export const DEMO_ROW_IDS = {
  companies: demoCompanies.map((row) => row.id as string),
  sites: demoSites.map((row) => row.id as string),
  customers: demoCustomers.map((row) => row.id as string),
  products: demoProducts.map((row) => row.id as string),
  productVariants: demoVariants.map((row) => row.id as string),
  bundles: demoBundles.map((row) => row.id as string),
  bundleItems: demoBundleItems.map((row) => row.id as string),
  promotions: demoPromotions.map((row) => row.id as string),
} as const;
