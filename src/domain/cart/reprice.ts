import { quoteBundle } from "./bundles";
import { sameProduct, unsellableReason, withCatalogEntry } from "./lines";
import type { BundleDefinition, BundleLookup, CartLine, CartState, PriceLookup } from "./types";

/**
 * Re-reads every line's price from the catalog; the DO calls this on every change.
 *
 * A line the catalog no longer sells is kept at its last price with `unavailable: true` rather
 * than dropped: silently vanishing items confuse shoppers, and the flag lets the storefront say
 * why and checkout refuse. It clears itself if the product comes back.
 *
 * Bundle groups are priced as a unit. With `bundleOf`, each group is re-quoted from its bundle's
 * current definition (whose items carry current catalog entries); a bundle that is gone, inactive,
 * or no longer matches the group's composition flags the whole group. Without `bundleOf`, groups
 * keep the prices they were added at and only their components' availability is re-checked.
 */
export function repriceLines(state: CartState, priceOf: PriceLookup, bundleOf?: BundleLookup): CartState {
  const groups = new Map<string, CartLine[]>();
  for (const line of state.lines) {
    if (line.bundleGroupId === null) continue;
    groups.set(line.bundleGroupId, [...(groups.get(line.bundleGroupId) ?? []), line]);
  }
  const repricedGroupLines = new Map<string, CartLine>();
  for (const group of groups.values()) {
    for (const line of repriceGroup(group, state.currency, priceOf, bundleOf)) repricedGroupLines.set(line.id, line);
  }

  const lines = state.lines.map((line) => {
    if (line.bundleGroupId !== null) return repricedGroupLines.get(line.id) ?? line;
    const item = priceOf(line.productId, line.variantId);
    if (!item || !sameProduct(item, line) || unsellableReason(item, state.currency)) {
      return { ...line, unavailable: true };
    }
    return withCatalogEntry(line, item, line.quantity);
  });
  return { ...state, lines };
}

function repriceGroup(
  group: CartLine[],
  currency: string,
  priceOf: PriceLookup,
  bundleOf: BundleLookup | undefined,
): CartLine[] {
  const flagged = (unavailable: boolean) => group.map((line) => ({ ...line, unavailable }));

  if (!bundleOf) {
    const sellable = group.every((line) => {
      const item = priceOf(line.productId, line.variantId);
      return item !== undefined && sameProduct(item, line) && !unsellableReason(item, currency);
    });
    return flagged(!sellable);
  }

  const bundleId = group[0]?.bundleId;
  const bundle = bundleId ? bundleOf(bundleId) : undefined;
  const count = bundle ? bundleCount(group, bundle) : undefined;
  if (!bundle || count === undefined) return flagged(true);
  const quote = quoteBundle(bundle, count, currency);
  if (!quote.ok) return flagged(true);

  return group.map((line, index) => {
    const quoted = quote.lines[index];
    if (!quoted) return { ...line, unavailable: true };
    const { item, unitPrice, lineTotal } = quoted;
    return { ...line, sku: item.sku, name: item.name, unitPrice, lineTotal, unavailable: false };
  });
}

/** How many bundles the group holds, or undefined when it no longer matches the definition. */
function bundleCount(group: CartLine[], bundle: BundleDefinition): number | undefined {
  if (group.length !== bundle.items.length) return undefined;
  let count: number | undefined;
  for (const [index, component] of bundle.items.entries()) {
    const line = group[index];
    if (!line || !sameProduct(line, component) || !(component.quantity >= 1)) return undefined;
    if (line.quantity % component.quantity !== 0) return undefined;
    const lineCount = line.quantity / component.quantity;
    if (count !== undefined && lineCount !== count) return undefined;
    count = lineCount;
  }
  return count;
}
