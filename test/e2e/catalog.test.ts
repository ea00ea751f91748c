// public/demo/catalog.json is written by hand (the API has no public catalog listing and the
// demo has no build step): it must keep mirroring the demo seed. No browser needed.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEMO_COMPANY_ID,
  DEMO_CURRENCY,
  DEMO_SITE_PEAK_ID,
  DEMO_SITE_TRAIL_ID,
  demoBundleItems,
  demoBundles,
  demoProducts,
  demoSites,
  demoVariants,
} from "../../scripts/lib/demo-data.ts";
import { REPO_ROOT } from "../../scripts/lib/supervisor.ts";

interface CatalogFile {
  companyId: string;
  currency: string;
  sites: Record<"trail" | "peak", { id: string; name: string }>;
  products: Array<{
    id: string;
    sku: string;
    name: string;
    price: number;
    variants?: Array<{ id: string; name: string; price: number | null }>;
  }>;
  bundles: Array<{ id: string; name: string; productIds: string[]; discountPercent: number }>;
}

const catalog = JSON.parse(await readFile(join(REPO_ROOT, "public/demo/catalog.json"), "utf8")) as CatalogFile;

describe("public/demo/catalog.json", () => {
  it("names the demo company and its two sites", () => {
    expect(catalog.companyId).toBe(DEMO_COMPANY_ID);
    expect(catalog.currency).toBe(DEMO_CURRENCY);
    expect(catalog.sites.trail.id).toBe(DEMO_SITE_TRAIL_ID);
    expect(catalog.sites.peak.id).toBe(DEMO_SITE_PEAK_ID);
    for (const site of Object.values(catalog.sites)) {
      expect(demoSites.find((seeded) => seeded.id === site.id)?.name).toBe(site.name);
    }
  });

  it("lists exactly the active products of the seed, with their ids, names, prices and variants", () => {
    const active = demoProducts.filter((p) => p.companyId === DEMO_COMPANY_ID && p.active);
    expect(catalog.products.map((p) => p.id)).toEqual(active.map((p) => p.id));
    for (const product of catalog.products) {
      const seeded = active.find((p) => p.id === product.id);
      expect({ sku: product.sku, name: product.name, price: product.price }).toEqual({
        sku: seeded?.sku,
        name: seeded?.name,
        price: seeded?.price,
      });
      const variants = demoVariants
        .filter((v) => v.productId === product.id && v.active !== false)
        .map((v) => ({ id: v.id, name: v.name, price: v.price ?? null }));
      expect(product.variants ?? []).toEqual(variants);
    }
  });

  it("describes the demo bundle", () => {
    expect(catalog.bundles.map((b) => b.id)).toEqual(demoBundles.map((b) => b.id));
    const [bundle] = catalog.bundles;
    expect(bundle?.name).toBe(demoBundles[0]?.name);
    expect(bundle?.discountPercent).toBe(demoBundles[0]?.discountValue);
    expect(bundle?.productIds).toEqual(demoBundleItems.map((item) => item.productId));
  });
});
