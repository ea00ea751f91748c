import type { Database } from "../db/client";
import type { Attributes } from "../domain/catalog";
import { catalogUnavailable } from "./lookup";
import { type CatalogProduct, loadProducts } from "./products";

export interface ProductSummary {
  name: string;
  sku: string;
  price: number;
  currency: string;
  imageUrl: string | null;
  available: boolean;
  attributes: Attributes;
}

type Ref = { productId: string; variantId: string | null };

/**
 * Current catalog facts for display (name, price, availability) from the isolate cache;
 * `null` for a product the catalog no longer has. Variant attributes override the product's.
 * 503 when a product was never loaded here and Postgres cannot be reached.
 */
export async function productSummaries(
  db: () => Database,
  companyId: string,
  refs: readonly Ref[],
): Promise<(ProductSummary | null)[]> {
  const products = await loadProducts(
    db,
    companyId,
    refs.map((ref) => ref.productId),
  ).catch((error: unknown) => {
    throw catalogUnavailable(error);
  });
  return refs.map((ref) => summarize(products.get(ref.productId), ref.variantId));
}

function summarize(product: CatalogProduct | undefined, variantId: string | null): ProductSummary | null {
  if (!product) return null;
  const base = {
    name: product.name,
    sku: product.sku,
    price: product.price,
    currency: product.currency,
    imageUrl: product.imageUrl,
    available: product.active,
    attributes: product.attributes,
  };
  if (variantId === null) return base;
  const variant = product.variants.find((candidate) => candidate.id === variantId);
  if (!variant) return null;
  return {
    ...base,
    name: `${product.name} – ${variant.name}`,
    sku: variant.sku,
    price: variant.price ?? product.price,
    available: product.active && variant.active,
    attributes: { ...product.attributes, ...variant.attributes },
  };
}
