import { createMiddleware } from "hono/factory";
import { type CompanyContext, findCompany } from "../catalog/lookup";
import type { SiteSettings } from "../domain/catalog";
import { ApiError } from "../lib/errors";
import { Id } from "../lib/ids";
import type { AppEnv } from "../types";

type Feature = "cart" | "wishlist" | "compare";

const FEATURE_FLAG: Record<Feature, keyof SiteSettings> = {
  cart: "enableCart",
  wishlist: "enableWishlist",
  compare: "enableCompare",
};

/** The site a request acts on: `x-site-id` when it is a site of the company, else the default. */
export function resolveSite(company: CompanyContext, siteId: string | undefined): SiteSettings {
  const site = siteId ? company.sites.find((candidate) => candidate.id === siteId) : company.defaultSite;
  if (!site) throw new ApiError("NOT_FOUND", siteId ? "Site not found" : "The company has no active site");
  return site;
}

const SiteHeader = Id.optional();

/**
 * For customer routes (`/api/cart`, `/api/wishlist`…): the JWT must be a customer's; the
 * company comes from the token, the site from `x-site-id` (else the default site).
 */
export const customerShopper = createMiddleware<AppEnv>(async (c, next) => {
  const { auth } = c.var;
  if (auth.role !== "customer") throw new ApiError("FORBIDDEN", "This route is for customers (a customer JWT)");
  const siteId = SiteHeader.safeParse(c.req.header("x-site-id") || undefined);
  if (!siteId.success) {
    throw new ApiError("VALIDATION_FAILED", "The request headers are invalid", {
      errors: [{ field: "header.x-site-id", message: "x-site-id must be a site id (UUID)" }],
    });
  }
  const company = await findCompany(c.var.db, auth.companyId);
  if (!company) throw new ApiError("NOT_FOUND", "Company not found");
  c.set("shopper", { company, site: resolveSite(company, siteId.data), sessionToken: undefined });
  await next();
});

/** 403 FEATURE_DISABLED when the shopper's site has the feature switched off. */
export const requireFeature = (feature: Feature) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!c.var.shopper.site[FEATURE_FLAG[feature]]) {
      throw new ApiError("FEATURE_DISABLED", `The ${feature} is disabled for this site`);
    }
    await next();
  });
