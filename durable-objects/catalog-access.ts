import { type CatalogProduct, loadBundle, loadProducts, loadPromotion, priceLookup } from "../src/catalog/products";
import { openDatabase } from "../src/db/client";
import { type CartLine, DEMO_CODES, normalizeCode } from "../src/domain/cart";
import type { CartCommand } from "../src/domain/cart/commands";
import { type CommandCatalog, catalogCovers, catalogNeeds } from "../src/domain/cart/commands";
import { loadConfig } from "../src/lib/config";
import type { SessionCall } from "./contract";
import { refuse } from "./session-core";
import { SessionReplication } from "./session-replication";

/** How often a change looks at the catalog again for lines that calls running meanwhile added. */
const MAX_CATALOG_PASSES = 3;
/** How many catalog loads that need Postgres one session object runs at once. */
const MAX_CATALOG_LOADS = 4;

/** A cache-only look at the catalog found something missing: it takes a turn with Postgres. */
class NotCached extends Error {}

/** What a change needs from the company's catalog (Postgres, through the isolate cache). */
export abstract class CatalogAccess extends SessionReplication {
  /** This object's catalog loads that need Postgres: how many run, who waits for a turn. */
  private catalogLoads = { running: 0, waiting: [] as (() => void)[] };

  /** The product (or variant) must exist in the company's catalog and be sold; else the call fails. */
  protected async requireProduct(call: SessionCall, productId: string, variantId: string | null): Promise<void> {
    const config = loadConfig(this.env as unknown as Record<string, unknown>);
    let database: ReturnType<typeof openDatabase> | undefined;
    let products: Map<string, CatalogProduct>;
    try {
      products = await loadProducts(
        () => {
          database ??= openDatabase({ databaseUrl: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY });
          return database.db;
        },
        call.address.companyId,
        [productId],
      );
    } catch (error) {
      this.log.warn("catalog unavailable", { error: String(error) });
      return refuse("UNAVAILABLE", "The catalog is temporarily unavailable; try again shortly");
    } finally {
      if (database) await database.close();
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
  protected async catalogFor(
    call: SessionCall,
    command: CartCommand | undefined,
    extraLines: CartLine[] = [],
  ): Promise<CommandCatalog> {
    const needsNow = () => catalogNeeds(this.liveCart(this.readSession())?.state, command, extraLines);
    let catalog = await this.lookAtCatalog(call, needsNow(), command);
    for (let pass = 1; pass < MAX_CATALOG_PASSES; pass++) {
      const lines = [...(this.liveCart(this.readSession())?.state.lines ?? []), ...extraLines];
      if (catalogCovers(catalog, lines)) break;
      catalog = await this.lookAtCatalog(call, needsNow(), command);
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
  private async lookAtCatalog(
    call: SessionCall,
    needs: ReturnType<typeof catalogNeeds>,
    command: CartCommand | undefined,
  ): Promise<CommandCatalog> {
    try {
      return await this.loadCatalog(call, needs, command, true);
    } catch (error) {
      if (!(error instanceof NotCached)) throw error;
    }
    const loads = this.catalogLoads;
    if (loads.running >= MAX_CATALOG_LOADS) await new Promise<void>((resolve) => loads.waiting.push(resolve));
    loads.running += 1;
    try {
      return await this.loadCatalog(call, needs, command, false);
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
  private async loadCatalog(
    call: SessionCall,
    needs: ReturnType<typeof catalogNeeds>,
    command: CartCommand | undefined,
    cacheOnly: boolean,
  ): Promise<CommandCatalog> {
    const companyId = call.address.companyId;
    const config = loadConfig(this.env as unknown as Record<string, unknown>);
    let database: ReturnType<typeof openDatabase> | undefined;
    const db = () => {
      if (cacheOnly) throw new NotCached();
      database ??= openDatabase({ databaseUrl: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY });
      return database.db;
    };
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
      try {
        for (const [id, product] of await loadProducts(db, companyId, needs.commandProductIds))
          products.set(id, product);
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
        this.log.warn("catalog unavailable", { error: String(error) });
        refuse("UNAVAILABLE", "The catalog is temporarily unavailable; try again shortly");
      }
      try {
        for (const [id, product] of await loadProducts(db, companyId, needs.lineProductIds)) products.set(id, product);
        for (const bundleId of needs.lineBundleIds) {
          if (catalog.bundles.has(bundleId)) continue;
          const bundle = await loadBundle(db, companyId, bundleId);
          if (bundle) catalog.bundles.set(bundleId, bundle);
        }
        for (const id of needs.lineProductIds) looked.productIds.add(id);
        for (const id of needs.lineBundleIds) looked.bundleIds.add(id);
      } catch (error) {
        if (error instanceof NotCached) throw error;
        // Keep the lines' last known prices rather than failing the shopper's change.
        this.log.warn("repricing skipped: catalog unavailable", { error: String(error) });
        catalog.repriceAll = false;
      }
    } finally {
      if (database) await database.close();
    }
    return catalog;
  }

  protected allowDemoCodes(): boolean {
    return loadConfig(this.env as unknown as Record<string, unknown>).NODE_ENV !== "production";
  }
}
