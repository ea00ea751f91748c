// The cart as plain data: what the ShopperSession DO loads from SQLite, hands to the domain
// functions and stores again. Money is integer minor units of `CartState.currency`; timestamps
// are ISO-8601 strings so the state survives JSON and structured clone unchanged.

/** What a cart line and a saved line both are: a product, its quantity and price, the site it came from. */
interface ProductLine {
  id: string;
  productId: string;
  variantId: string | null;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  siteId: string | null;
}

export interface CartLine extends ProductLine {
  /**
   * unitPrice × quantity for ordinary lines. For bundle component lines it is the line's exact
   * share of the bundle price and unitPrice is that share per unit rounded down, because an
   * integer unit price cannot always absorb the rounding remainder (e.g. quantity 2, odd cent).
   */
  lineTotal: number;
  /** Lines added together by one addBundle share this id; such lines are edited only as a group. */
  bundleGroupId: string | null;
  bundleId: string | null;
  addedAt: string;
  /**
   * The catalog no longer sells this product (inactive, deleted, or now priced in another
   * currency). The line stays, at its last known price, so the shopper sees what happened and
   * can remove or save it; checkout must refuse a cart with such lines.
   */
  unavailable: boolean;
}

/** A line put aside; its unitPrice is the price when saved, for display only (restoring re-reads the catalog). */
export interface SavedLine extends ProductLine {
  addedAt: string;
  savedAt: string;
}

export type DiscountType = "PERCENT" | "FIXED";

export interface AppliedDiscount {
  code: string;
  type: DiscountType;
  /** PERCENT: whole percent 1–100. FIXED: minor units. */
  value: number;
  /** The code's share of discountTotal as of the last computation; computeTotals is authoritative. */
  amount: number;
  stackable: boolean;
  /** Snapshot of the promotion's threshold, so totals can tell when the cart drops below it. */
  minSubtotal: number;
}

export interface Totals {
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  shippingTotal: number;
  grandTotal: number;
  itemCount: number;
}

export interface CartState {
  /** ISO 4217; fixed when the cart is created. */
  currency: string;
  lines: CartLine[];
  savedLines: SavedLine[];
  discounts: AppliedDiscount[];
}

/** A product (or one of its variants) as the catalog sells it right now. */
export interface PricedItem {
  productId: string;
  variantId: string | null;
  companyId: string;
  sku: string;
  name: string;
  unitPrice: number;
  currency: string;
  active: boolean;
}

/** Looks up the current catalog entry; undefined when the company has no such product/variant. */
export type PriceLookup = (productId: string, variantId: string | null) => PricedItem | undefined;

export type BundleDiscountType = "NONE" | "PERCENT" | "FIXED";

export interface BundleComponent {
  productId: string;
  variantId: string | null;
  /** Units of this product in one bundle. */
  quantity: number;
  /** The catalog entry, or undefined when the company's catalog has no such product. */
  item: PricedItem | undefined;
}

export interface BundleDefinition {
  id: string;
  companyId: string;
  name: string;
  active: boolean;
  discountType: BundleDiscountType;
  /** PERCENT: whole percent 0–100. FIXED: minor units off one bundle. NONE: ignored. */
  discountValue: number;
  items: BundleComponent[];
}

export type BundleLookup = (bundleId: string) => BundleDefinition | undefined;

/** A row of `promotions`, as the caller loaded it for the code being applied. */
export interface Promotion {
  code: string;
  type: DiscountType;
  value: number;
  minSubtotal: number;
  startsAt: Date | string | null;
  endsAt: Date | string | null;
  stackable: boolean;
  active: boolean;
}
