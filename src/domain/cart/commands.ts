// Applies one cart command to the cart's state: the domain functions in order, then the
// reprice and totals every change ends with. Pure: the DO supplies catalog data and clock.

import type { SiteSettings } from "../catalog";
import {
  addBundle,
  addLine,
  applyDiscount,
  type BundleDefinition,
  type CartLine,
  type CartState,
  computeTotals,
  DomainError,
  type PriceLookup,
  type Promotion,
  removeBundle,
  removeDiscount,
  removeLine,
  removeSaved,
  repriceLines,
  restoreSaved,
  saveForLater,
  type Totals,
  updateQuantity,
} from ".";

/** A change a shopper asks of the cart. */
export type CartCommand =
  | { type: "addItem"; productId: string; variantId: string | null; quantity: number }
  | { type: "updateItem"; itemId: string; quantity: number }
  | { type: "removeItem"; itemId: string }
  | { type: "addBundle"; bundleId: string; quantity: number }
  | { type: "removeBundle"; bundleGroupId: string }
  | { type: "applyDiscount"; code: string }
  | { type: "removeDiscount"; code: string }
  | { type: "saveForLater"; itemId: string }
  | { type: "restoreSaved"; savedItemId: string }
  | { type: "removeSaved"; savedItemId: string };

export interface CommandCatalog {
  /** Current catalog entries for what the command and the cart's lines need. */
  priceOf: PriceLookup;
  /** False when the lines' catalog entries could not be read (Postgres down and a cold cache). */
  repriceAll: boolean;
  /**
   * What was looked up, found or not. A line outside it was added by a call that ran while
   * this catalog loaded: `priceOf` knows nothing of it, which must not read as "unavailable".
   */
  looked: { productIds: ReadonlySet<string>; bundleIds: ReadonlySet<string> };
  bundles: Map<string, BundleDefinition>;
  promotion: Promotion | undefined;
}

export interface CommandContext {
  site: SiteSettings;
  now: Date;
  allowDemoCodes: boolean;
  newId: () => string;
  catalog: CommandCatalog;
}

export function applyCartCommand(state: CartState, command: CartCommand, ctx: CommandContext): CartState {
  const { site, now, newId, catalog } = ctx;
  switch (command.type) {
    case "addItem": {
      const item = catalog.priceOf(command.productId, command.variantId);
      if (!item) throw new DomainError("NOT_FOUND", "Product not found");
      return addLine(state, item, command.quantity, site.id, now, newId).state;
    }
    case "updateItem":
      return updateQuantity(state, command.itemId, command.quantity);
    case "removeItem":
      return removeLine(state, command.itemId);
    case "addBundle": {
      const bundle = catalog.bundles.get(command.bundleId);
      if (!bundle) throw new DomainError("NOT_FOUND", "Bundle not found");
      return addBundle(state, bundle, command.quantity, site.id, now, newId).state;
    }
    case "removeBundle":
      return removeBundle(state, command.bundleGroupId);
    case "applyDiscount":
      return applyDiscount(state, command.code, catalog.promotion, now, ctx.allowDemoCodes);
    case "removeDiscount":
      return removeDiscount(state, command.code);
    case "saveForLater":
      return saveForLater(state, command.itemId, now).state;
    case "restoreSaved": {
      const saved = state.savedLines.find((line) => line.id === command.savedItemId);
      if (!saved) throw new DomainError("NOT_FOUND", "Saved item not found");
      return restoreSaved(state, command.savedItemId, catalog.priceOf(saved.productId, saved.variantId), now).state;
    }
    case "removeSaved":
      return removeSaved(state, command.savedItemId);
  }
}

/**
 * Every change ends here: prices re-read from the catalog (skipped when it could not be
 * read, so an outage never marks lines unavailable), then totals and discount amounts.
 */
export function finishChange(
  state: CartState,
  ctx: Pick<CommandContext, "site" | "catalog">,
): { state: CartState; totals: Totals } {
  const repriced =
    ctx.catalog.repriceAll && catalogCovers(ctx.catalog, state.lines)
      ? repriceLines(state, ctx.catalog.priceOf, (bundleId) => ctx.catalog.bundles.get(bundleId))
      : state;
  const { totals, discounts } = computeTotals(repriced, ctx.site.taxRateBps);
  return { state: { ...repriced, discounts }, totals };
}

/** Whether the catalog looked up every line: loose lines by product, bundle lines by bundle. */
export function catalogCovers(catalog: Pick<CommandCatalog, "looked">, lines: readonly CartLine[]): boolean {
  return lines.every((line) =>
    line.bundleGroupId === null
      ? catalog.looked.productIds.has(line.productId)
      : line.bundleId === null || catalog.looked.bundleIds.has(line.bundleId),
  );
}

/**
 * What the catalog must supply: for the command itself (required) and to reprice the lines
 * (best effort); `extraLines` are lines about to join the cart (a merge).
 */
export function catalogNeeds(
  state: CartState | undefined,
  command: CartCommand | undefined,
  extraLines: readonly CartLine[] = [],
) {
  const lines = [...(state?.lines ?? []), ...extraLines];
  const commandProductIds: string[] = [];
  if (command?.type === "addItem") commandProductIds.push(command.productId);
  if (command?.type === "restoreSaved") {
    const saved = state?.savedLines.find((line) => line.id === command.savedItemId);
    if (saved) commandProductIds.push(saved.productId);
  }
  return {
    commandProductIds,
    commandBundleId: command?.type === "addBundle" ? command.bundleId : undefined,
    lineProductIds: new Set(lines.map((line) => line.productId)),
    lineBundleIds: new Set(lines.flatMap((line) => (line.bundleId ? [line.bundleId] : []))),
  };
}
