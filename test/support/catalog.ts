// Catalog rows seeded straight into Postgres: companies and their sites, products, variants,
// bundles and promotions. Each test makes its own company: company and site settings are
// cached per isolate for 30 s, so flipping a flag on a shared company would not be seen in time.
import {
  bundleItems,
  bundles,
  companies,
  type NewProduct,
  type NewPromotion,
  type NewSite,
  products,
  productVariants,
  promotions,
  sites,
} from "../../src/db/schema";
import { withDatabase } from "./db";

export interface TestCompany {
  companyId: string;
  /** [the default site, a second site] */
  siteIds: [string, string];
}

export type SiteSettings = Partial<Omit<NewSite, "id" | "companyId">>;

const SITE_LETTERS = "ABCDEFGH";

/** Site A, B, C… of the company at a.test, b.test, c.test…; USD, active. */
function siteRow(companyId: string, index: number, settings: SiteSettings): NewSite {
  const letter = SITE_LETTERS[index] ?? String(index);
  const host = `${letter.toLowerCase()}.test`;
  return {
    id: crypto.randomUUID(),
    companyId,
    name: `Site ${letter}`,
    domain: host,
    baseUrl: `https://${host}`,
    currency: "USD",
    ...settings,
  };
}

/**
 * A fresh company with two active sites: site A is the default and has compare on, site B
 * has compare off; `first` and `second` override their settings.
 */
export async function createCompany(first: SiteSettings = {}, second: SiteSettings = {}): Promise<TestCompany> {
  const companyId = crypto.randomUUID();
  const rows = [
    siteRow(companyId, 0, { isDefault: true, enableCompare: true, ...first }),
    siteRow(companyId, 1, second),
  ];
  await withDatabase(async (db) => {
    await db.insert(companies).values({ id: companyId, name: "Test Co", slug: `test-${companyId}` });
    await db.insert(sites).values(rows);
  });
  return { companyId, siteIds: [rows[0]?.id as string, rows[1]?.id as string] };
}

/** One more site of the company (site C, D… by `index`). */
export async function addSite(company: TestCompany, settings: SiteSettings = {}, index = 2): Promise<string> {
  const row = siteRow(company.companyId, index, settings);
  await withDatabase((db) => db.insert(sites).values(row));
  return row.id as string;
}

// ── Products ─────────────────────────────────────────────────────────────────

export type ProductSpec = Partial<Omit<NewProduct, "companyId">>;

/** Inserts products (USD 15.00, active, unless overridden) and returns their ids in order. */
export async function seedProducts(companyId: string, specs: ProductSpec[]): Promise<string[]> {
  const rows = specs.map((spec, index) => {
    const id = spec.id ?? crypto.randomUUID();
    return { sku: `SKU-${id}`, name: `Product ${index + 1}`, price: 1500, currency: "USD", ...spec, id, companyId };
  });
  // Large seeds go in chunks: one statement's parameters are limited.
  await withDatabase(async (db) => {
    for (let start = 0; start < rows.length; start += 100) {
      await db.insert(products).values(rows.slice(start, start + 100));
    }
  });
  return rows.map((row) => row.id);
}

export async function seedProduct(companyId: string, spec: ProductSpec = {}): Promise<string> {
  const [id] = await seedProducts(companyId, [spec]);
  return id as string;
}

/** `count` active USD products priced 1.00, 2.00, … */
export const seedManyProducts = (companyId: string, count: number) =>
  seedProducts(
    companyId,
    Array.from({ length: count }, (_, index) => ({ price: 100 * (index + 1) })),
  );

export async function seedVariant(
  companyId: string,
  productId: string,
  spec: {
    price?: number | null;
    name?: string;
    active?: boolean;
    attributes?: Record<string, string | number | boolean | null>;
  } = {},
): Promise<string> {
  const id = crypto.randomUUID();
  await withDatabase((db) =>
    db.insert(productVariants).values({
      id,
      productId,
      companyId,
      sku: `VAR-${id}`,
      name: spec.name ?? "Large",
      price: spec.price ?? null,
      active: spec.active ?? true,
      attributes: spec.attributes ?? {},
    }),
  );
  return id;
}

// ── Bundles and promotions ───────────────────────────────────────────────────

export async function seedBundle(
  companyId: string,
  items: { productId: string; variantId?: string | null; quantity?: number }[],
  spec: { discountType?: "NONE" | "PERCENT" | "FIXED"; discountValue?: number; active?: boolean } = {},
): Promise<string> {
  const id = crypto.randomUUID();
  await withDatabase(async (db) => {
    await db.insert(bundles).values({
      id,
      companyId,
      name: "Starter kit",
      discountType: spec.discountType ?? "NONE",
      discountValue: spec.discountValue ?? 0,
      active: spec.active ?? true,
    });
    await db.insert(bundleItems).values(
      items.map((item) => ({
        bundleId: id,
        productId: item.productId,
        variantId: item.variantId ?? null,
        quantity: item.quantity ?? 1,
      })),
    );
  });
  return id;
}

/** A `promotions` row; the code is stored upper-case, as the catalog feed normalizes it. */
export async function seedPromotion(
  companyId: string,
  spec: Partial<Omit<NewPromotion, "companyId">> & { code: string },
): Promise<string> {
  const id = crypto.randomUUID();
  await withDatabase((db) =>
    db.insert(promotions).values({ type: "PERCENT", value: 10, ...spec, code: spec.code.toUpperCase(), id, companyId }),
  );
  return id;
}

/** A unique promotion code (per test run), so per-isolate promotion caches never collide. */
export const uniqueCode = (prefix: string) => `${prefix}${crypto.randomUUID().slice(0, 8)}`.toUpperCase();
