import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { companies, sites } from "../db/schema";
import type { SiteSettings } from "../domain/catalog";
import { ApiError } from "../lib/errors";
import { IsolateCache } from "../lib/isolate-cache";

/** The columns of a site that decide what shoppers can do on it and what they pay: read here and by the feed. */
export const siteSettingColumns = {
  id: sites.id,
  name: sites.name,
  baseUrl: sites.baseUrl,
  currency: sites.currency,
  taxRateBps: sites.taxRateBps,
  enableCart: sites.enableCart,
  enableWishlist: sites.enableWishlist,
  enableCompare: sites.enableCompare,
  maxCompareItems: sites.maxCompareItems,
  cartExpirationDays: sites.cartExpirationDays,
  isDefault: sites.isDefault,
};

export interface CompanyContext {
  id: string;
  name: string;
  /** where its shopper sessions live: "eu" (the EU jurisdiction) or "global" */
  dataResidency: string;
  sites: SiteSettings[];
  defaultSite: SiteSettings | undefined;
}

/** How many unknown company ids an isolate remembers (about 1 MB), apart from the known companies. */
export const MAX_UNKNOWN_COMPANIES = 10_000;

// Isolate-lifetime cache: company and site settings change rarely; 30 s of staleness is
// the price of never waiting on Postgres for them on the hot path (and while Postgres cannot
// be reached, the last good copy serves). An unknown id costs one query, then is remembered
// as unknown for as long as a known company is remembered. Unknown ids (which anyone can make
// up, unauthenticated) have a bound of their own: a flood of them pushes out only the least
// recently asked unknown ids, never a real company.
const companyCache = new IsolateCache<CompanyContext | null>(30_000, 5_000, {
  name: "companies",
  missTtlMs: 30_000,
  maxMisses: MAX_UNKNOWN_COMPANIES,
});

/**
 * The active company with its active sites, or null when unknown or inactive. 503 when it
 * must come from Postgres (never loaded by this isolate) and Postgres cannot be reached.
 */
export async function findCompany(db: () => Database, companyId: string): Promise<CompanyContext | null> {
  try {
    return await companyCache.getOrLoad(companyId, () => loadCompany(db(), companyId));
  } catch (error) {
    throw catalogUnavailable(error);
  }
}

/** What a request gets when the catalog it needs was never loaded here and Postgres cannot be reached. */
export const catalogUnavailable = (cause: unknown) =>
  new ApiError("UNAVAILABLE", "The catalog is temporarily unavailable; try again shortly", { cause });

/** Drops a company from this isolate's cache (after a catalog write through this isolate). */
export function forgetCompany(companyId: string): void {
  companyCache.delete(companyId);
}

async function loadCompany(db: Database, companyId: string): Promise<CompanyContext | null> {
  const [company] = await db
    .select({ id: companies.id, name: companies.name, dataResidency: companies.dataResidency })
    .from(companies)
    .where(and(eq(companies.id, companyId), eq(companies.active, true)));
  if (!company) return null;
  const rows = await db
    .select({ ...siteSettingColumns, companyId: sites.companyId })
    .from(sites)
    .where(and(eq(sites.companyId, companyId), eq(sites.active, true)))
    .orderBy(sites.createdAt, sites.id);
  // A company without an explicit default site uses its oldest active site.
  const defaultSite = rows.find((site) => site.isDefault) ?? rows[0];
  return { ...company, sites: rows, defaultSite };
}
