import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { bundleItems, bundles, products, productVariants, promotions } from "../db/schema";
import type { BundleDefinition, PricedItem, PriceLookup, Promotion } from "../domain/cart";
import type { Attributes } from "../domain/catalog";
import { IsolateCache } from "../lib/isolate-cache";

export interface CatalogVariant {
  id: string;
  sku: string;
  name: string;
  price: number | null;
  attributes: Attributes;
  active: boolean;
}

export interface CatalogProduct {
  id: string;
  companyId: string;
  sku: string;
  name: string;
  price: number;
  currency: string;
  active: boolean;
  attributes: Attributes;
  imageUrl: string | null;
  variants: CatalogVariant[];
}

// Isolate-lifetime caches (the hot path reads the catalog from isolate memory).
// Keys start with the company id and every query filters by it, so one company's cache
// entry can never answer for another company. A price change reaches carts within the TTL;
// while Postgres cannot be reached the last good copy serves (up to MAX_STALE_MS past it).
// Unknown ids (a shopper may send any) are bounded apart, so they never push out real rows.
const CATALOG_TTL_MS = 60_000;
const UNKNOWN_TTL_MS = 5_000;
const MAX_UNKNOWN = 5_000;
const productCache = new IsolateCache<CatalogProduct | null>(CATALOG_TTL_MS, 20_000, {
  name: "products",
  missTtlMs: UNKNOWN_TTL_MS,
  maxMisses: MAX_UNKNOWN,
});
const bundleCache = new IsolateCache<(Omit<BundleDefinition, "items"> & { items: BundleItemRef[] }) | null>(
  CATALOG_TTL_MS,
  5_000,
  { name: "bundles", missTtlMs: UNKNOWN_TTL_MS, maxMisses: MAX_UNKNOWN },
);
const promotionCache = new IsolateCache<Promotion | null>(30_000, 5_000, {
  name: "promotions",
  missTtlMs: UNKNOWN_TTL_MS,
  maxMisses: MAX_UNKNOWN,
});

interface BundleItemRef {
  productId: string;
  variantId: string | null;
  quantity: number;
}

/**
 * The company's products with these ids (cached; one query for all that must be loaded).
 * Unknown ids are absent. Throws only when Postgres is needed for an id never loaded.
 */
export async function loadProducts(
  db: () => Database,
  companyId: string,
  productIds: Iterable<string>,
): Promise<Map<string, CatalogProduct>> {
  const prefix = `${companyId}:`;
  const keys = [...productIds].map((id) => prefix + id);
  const cached = await productCache.getMany(keys, (load) =>
    queryProducts(
      db,
      companyId,
      load.map((key) => key.slice(prefix.length)),
    ),
  );
  const found = new Map<string, CatalogProduct>();
  for (const [key, product] of cached) if (product) found.set(key.slice(prefix.length), product);
  return found;
}

/** One query for the products (and one for their variants); null for every unknown key. */
async function queryProducts(
  db: () => Database,
  companyId: string,
  ids: string[],
): Promise<Map<string, CatalogProduct | null>> {
  const rows = await db()
    .select()
    .from(products)
    .where(and(eq(products.companyId, companyId), inArray(products.id, ids)));
  const variants = rows.length
    ? await db()
        .select()
        .from(productVariants)
        .where(
          and(
            eq(productVariants.companyId, companyId),
            inArray(
              productVariants.productId,
              rows.map((row) => row.id),
            ),
          ),
        )
    : [];
  const loaded = new Map<string, CatalogProduct | null>(ids.map((id) => [`${companyId}:${id}`, null]));
  for (const row of rows) {
    loaded.set(`${companyId}:${row.id}`, {
      id: row.id,
      companyId: row.companyId,
      sku: row.sku,
      name: row.name,
      price: row.price,
      currency: row.currency,
      active: row.active,
      attributes: row.attributes,
      imageUrl: row.imageUrl,
      variants: variants
        .filter((variant) => variant.productId === row.id)
        .map(({ id, sku, name, price, attributes, active }) => ({ id, sku, name, price, attributes, active })),
    });
  }
  return loaded;
}

/** What the catalog sells for (product, variant) right now, from already loaded products. */
export function priceLookup(loaded: Map<string, CatalogProduct>): PriceLookup {
  return (productId, variantId) => {
    const product = loaded.get(productId);
    if (!product) return undefined;
    const base = { productId, companyId: product.companyId, currency: product.currency };
    if (variantId === null) {
      return {
        ...base,
        variantId: null,
        sku: product.sku,
        name: product.name,
        unitPrice: product.price,
        active: product.active,
      };
    }
    const variant = product.variants.find((candidate) => candidate.id === variantId);
    if (!variant) return undefined;
    return {
      ...base,
      variantId,
      sku: variant.sku,
      name: `${product.name} – ${variant.name}`,
      unitPrice: variant.price ?? product.price,
      active: product.active && variant.active,
    } satisfies PricedItem;
  };
}

/** The company's bundle with its components priced from the catalog, or undefined. */
export async function loadBundle(
  db: () => Database,
  companyId: string,
  bundleId: string,
): Promise<BundleDefinition | undefined> {
  const bundle = await bundleCache.getOrLoad(`${companyId}:${bundleId}`, async () => {
    const [row] = await db()
      .select()
      .from(bundles)
      .where(and(eq(bundles.companyId, companyId), eq(bundles.id, bundleId)));
    if (!row) return null;
    const items = await db()
      .select({ productId: bundleItems.productId, variantId: bundleItems.variantId, quantity: bundleItems.quantity })
      .from(bundleItems)
      .where(eq(bundleItems.bundleId, row.id))
      .orderBy(bundleItems.id);
    return {
      id: row.id,
      companyId: row.companyId,
      name: row.name,
      active: row.active,
      discountType: row.discountType,
      discountValue: row.discountValue,
      items,
    };
  });
  if (!bundle) return undefined;
  // Components are priced through the product cache, so a price change shows in bundles too.
  const priced = priceLookup(
    await loadProducts(
      db,
      companyId,
      bundle.items.map((item) => item.productId),
    ),
  );
  return { ...bundle, items: bundle.items.map((item) => ({ ...item, item: priced(item.productId, item.variantId) })) };
}

/** The company's promotion row for a normalized code, or undefined. */
export async function loadPromotion(
  db: () => Database,
  companyId: string,
  code: string,
): Promise<Promotion | undefined> {
  const promotion = await promotionCache.getOrLoad(`${companyId}:${code}`, async () => {
    const [row] = await db()
      .select()
      .from(promotions)
      .where(and(eq(promotions.companyId, companyId), eq(promotions.code, code)));
    return row
      ? {
          code: row.code,
          type: row.type,
          value: row.value,
          minSubtotal: row.minSubtotal,
          startsAt: row.startsAt,
          endsAt: row.endsAt,
          stackable: row.stackable,
          active: row.active,
        }
      : null;
  });
  return promotion ?? undefined;
}
