import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import type { SessionAddress, SessionCall } from "../../durable-objects/contract";
import { type CompanyContext, findCompany } from "../catalog/lookup";
import type { SiteSettings } from "../domain/catalog";
import { ApiError } from "../lib/errors";
import { sha256Hex } from "../lib/tokens";
import type { AppEnv } from "../types";
import { rateLimitSession } from "./rate-limit";

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

const SiteHeader = z.uuid().optional();

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

/** The session this request acts on: the customer's, or the one the session token names. */
export async function shopperAddress(c: Context<AppEnv>): Promise<SessionAddress> {
  const { auth, shopper } = c.var;
  if (auth?.role === "customer") return { kind: "customer", companyId: auth.companyId, customerId: auth.customerId };
  if (!shopper.sessionToken) {
    throw new ApiError("VALIDATION_FAILED", "This route needs the shopper's session token", {
      errors: [{ field: "header.x-session-token", message: "x-session-token is required" }],
    });
  }
  return { kind: "anonymous", companyId: shopper.company.id, tokenHash: await sha256Hex(shopper.sessionToken) };
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Everything a call to the session carries: address, site, `If-Match` and
 * `Idempotency-Key` (with a digest of the request, so a reused key is caught).
 */
export async function sessionCall(
  c: Context<AppEnv>,
  options: { body?: unknown; cartId?: string } = {},
): Promise<SessionCall> {
  const call: SessionCall = { address: await shopperAddress(c), site: c.var.shopper.site, cartId: options.cartId };
  await rateLimitSession(c.env, call.address);
  const ifMatch = c.req.header("if-match");
  if (ifMatch !== undefined) {
    const version = ifMatch.match(/^(?:W\/)?"?(\d{1,15})"?$/)?.[1];
    if (!version) {
      throw new ApiError("VALIDATION_FAILED", "If-Match must carry a version, as sent in ETag", {
        errors: [{ field: "header.if-match", message: 'expected an ETag such as "12"' }],
      });
    }
    call.ifMatch = Number(version);
  }
  const key = c.req.header("idempotency-key");
  if (key !== undefined) {
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new ApiError("VALIDATION_FAILED", "Idempotency-Key must be 1–255 visible ASCII characters", {
        errors: [{ field: "header.idempotency-key", message: "1–255 visible ASCII characters" }],
      });
    }
    const request = `${c.req.method} ${new URL(c.req.url).pathname}\n${JSON.stringify(options.body ?? null)}`;
    call.idempotency = { key, fingerprint: await sha256Hex(request) };
  }
  return call;
}
