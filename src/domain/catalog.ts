// The catalog facts the domain rules read. The catalog (Postgres, through src/catalog) owns
// them; they are declared here so the pure domain depends on nothing.

export type AttributeValue = string | number | boolean | null;
export type Attributes = Record<string, AttributeValue>;

/** What a storefront site allows and how it prices. */
export interface SiteSettings {
  id: string;
  companyId: string;
  name: string;
  baseUrl: string | null;
  currency: string;
  taxRateBps: number;
  enableCart: boolean;
  enableWishlist: boolean;
  enableCompare: boolean;
  maxCompareItems: number;
  cartExpirationDays: number;
  isDefault: boolean;
}
