// What a change needs from the company's catalog: Postgres, through the isolate cache.
import { type CatalogProduct, loadBundle, loadProducts, loadPromotion, priceLookup } from "../src/catalog/products";
import type { Database } from "../src/db/client";
import { withDatabase } from "../src/db/with-database";
import { type BundleDefinition, type CartLine, type CartState, DEMO_CODES, normalizeCode } from "../src/domain/cart";
import { type CartCommand, type CommandCatalog, catalogCovers, catalogNeeds } from "../src/domain/cart/commands";
import { loadConfig } from "../src/lib/config";
import { NotCached, REFRESH_WAIT_MS } from "../src/lib/isolate-cache";
import type { Logger } from "../src/lib/logger";
import { settleWithin } from "../src/lib/settle-within";
import type { SessionCall } from "./contract";
import { refuse } from "./outcome";

/** How often a change looks at the catalog again for lines that calls running meanwhile added. */
const MAX_CATALOG_PASSES = 3;
/** How many catalog loads that need Postgres one session object runs at once. */
const MAX_CATALOG_LOADS = 4;

type Needs = ReturnType<typeof catalogNeeds>;

export class CatalogAccess {
  /** This object's catalog loads that need Postgres: how many run, who waits for a turn. */
  private readonly loads = { running: 0, waiting: [] as (() => void)[] };

  constructor(
    private readonly env: Env,
    private readonly log: Logger,
  ) {}

  /** Demo discount codes work everywhere but production. */
  allowDemoCodes(): boolean {
    return loadConfig(this.env as unknown as Record<string, unknown>).NODE_ENV !== "production";
  }

  /** The product (or variant) must exist in the company's catalog and be sold; else the call fails. */
  async requireProduct(call: SessionCall, productId: string, variantId: string | null): Promise<void> {
    let products: Map<string, CatalogProduct>;
    try {
      products = await withDatabase(this.env, (db) => loadProducts(db, call.address.companyId, [productId]), {
        awaitClose: false,
      });
    } catch (error) {
      this.log.warn("catalog unavailable", { error });
      return refuse("UNAVAILABLE", "The catalog is temporarily unavailable; try again shortly");
    }
    const item = priceLookup(products)(productId, variantId);
    if (!item) refuse("NOT_FOUND", "Product not found");
    else if (!item.active) refuse("PRODUCT_UNAVAILABLE", "The product is no longer sold");
  }

  /**
   * The catalog data a change needs, for the cart as it is when the change runs. Loading
   * awaits Postgres and other calls may change the cart meanwhile, so it looks again until
   * it covers their lines too (they warmed the cache: no query). The caller applies the
   * change right after, without awaiting; finishChange skips repricing if still not covered.
   */
  async forChange(
    call: SessionCall,
    command: CartCommand | undefined,
    cartNow: () => CartState | undefined,
    extraLines: CartLine[] = [],
  ): Promise<CommandCatalog> {
    const needsNow = () => catalogNeeds(cartNow(), command, extraLines);
    let catalog = await this.look(call, needsNow(), command);
    for (let pass = 1; pass < MAX_CATALOG_PASSES; pass++) {
      // Repricing was skipped (Postgres failed or is slow): looking again would only wait again.
      if (!catalog.repriceAll || catalogCovers(catalog, [...(cartNow()?.lines ?? []), ...extraLines])) break;
      catalog = await this.look(call, needsNow(), command);
    }
    return catalog;
  }

  /**
   * One look at the catalog: straight from the isolate cache when it holds everything, else
   * taking a turn with this object's other loads (at most MAX_CATALOG_LOADS at once). So a
   * burst of calls on one session opens a few connections, not one each (100 parallel adds
   * used to exhaust Postgres' connections), later calls find in the cache what earlier ones
   * loaded, and a call that needs no query never waits behind one that does.
   */
  private async look(call: SessionCall, needs: Needs, command: CartCommand | undefined): Promise<CommandCatalog> {
    try {
      return await this.load(call, needs, command, () => {
        throw new NotCached();
      });
    } catch (error) {
      if (!(error instanceof NotCached)) throw error;
    }
    const loads = this.loads;
    if (loads.running >= MAX_CATALOG_LOADS) await new Promise<void>((resolve) => loads.waiting.push(resolve));
    loads.running += 1;
    try {
      return await withDatabase(this.env, (db) => this.load(call, needs, command, db), { awaitClose: false });
    } finally {
      loads.running -= 1;
      loads.waiting.shift()?.();
    }
  }

  /**
   * One look at the catalog. What the command itself needs (the product being added, a
   * bundle, a promotion) must load or the call fails with 503; repricing the other lines is
   * best effort, so a Postgres outage with a cold cache keeps last prices.
   */
  private async load(
    call: SessionCall,
    needs: Needs,
    command: CartCommand | undefined,
    db: () => Database,
  ): Promise<CommandCatalog> {
    const companyId = call.address.companyId;
    const products = new Map<string, CatalogProduct>();
    const looked = { productIds: new Set(needs.commandProductIds), bundleIds: new Set<string>() };
    if (needs.commandBundleId) looked.bundleIds.add(needs.commandBundleId);
    const catalog: CommandCatalog = {
      priceOf: priceLookup(products),
      repriceAll: true,
      looked,
      bundles: new Map(),
      promotion: undefined,
    };
    try {
      for (const [id, product] of await loadProducts(db, companyId, needs.commandProductIds)) products.set(id, product);
      if (needs.commandBundleId) {
        const bundle = await loadBundle(db, companyId, needs.commandBundleId);
        if (bundle) catalog.bundles.set(bundle.id, bundle);
      }
      if (command?.type === "applyDiscount") {
        const code = normalizeCode(command.code);
        if (!(this.allowDemoCodes() && code in DEMO_CODES))
          catalog.promotion = await loadPromotion(db, companyId, code);
      }
    } catch (error) {
      if (error instanceof NotCached) throw error;
      this.log.warn("catalog unavailable", { error });
      refuse("UNAVAILABLE", "The catalog is temporarily unavailable; try again shortly");
    }
    // The lines' own prices are the session's copy of the catalog: waiting long for Postgres
    // to reprice them is not worth holding the shopper (a slow load still warms the cache).
    const lines = this.forLines(db, companyId, needs);
    const repriced = await settleWithin(lines, REFRESH_WAIT_MS).catch((error: unknown) => {
      if (error instanceof NotCached) throw error;
      // Keep the lines' last known prices rather than failing the shopper's change.
      this.log.warn("repricing skipped: catalog unavailable", { error });
      return undefined;
    });
    if (!repriced) {
      lines.catch(() => {});
      catalog.repriceAll = false;
      return catalog;
    }
    for (const [id, product] of repriced.products) products.set(id, product);
    for (const [id, bundle] of repriced.bundles) if (!catalog.bundles.has(id)) catalog.bundles.set(id, bundle);
    for (const id of needs.lineProductIds) looked.productIds.add(id);
    for (const id of needs.lineBundleIds) looked.bundleIds.add(id);
    return catalog;
  }

  /** The catalog entries of the cart's lines (products, and bundles not loaded for the command). */
  private async forLines(db: () => Database, companyId: string, needs: Needs) {
    const products = await loadProducts(db, companyId, needs.lineProductIds);
    const bundles = new Map<string, BundleDefinition>();
    for (const bundleId of needs.lineBundleIds) {
      const bundle = await loadBundle(db, companyId, bundleId);
      if (bundle) bundles.set(bundleId, bundle);
    }
    return { products, bundles };
  }
}
