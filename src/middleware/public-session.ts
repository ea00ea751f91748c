import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { type CompanyContext, findCompany } from "../catalog/lookup";
import type { SiteSettings } from "../domain/catalog";
import { ApiError, type FieldError } from "../lib/errors";
import { idSchema } from "../lib/ids";
import type { AppEnv } from "../types";
import { resolveSite } from "./shopper";

export interface ShopperContext {
  company: CompanyContext;
  site: SiteSettings;
  /** The raw token, only to derive the session's address; never logged or stored. */
  sessionToken: string | undefined;
}

/** 32 random bytes as 64 lowercase hex characters. */
export const SESSION_TOKEN = /^[0-9a-f]{64}$/;

const PublicHeaders = z.object({
  "x-company-id": idSchema("x-company-id must be a company id (UUID)"),
  "x-site-id": idSchema("x-site-id must be a site id (UUID)").optional(),
  "x-session-token": z.string().regex(SESSION_TOKEN, "x-session-token must be 64 lowercase hex characters").optional(),
});

/**
 * For `/api/public/*`: the storefront names its company (and optionally its site) and may
 * carry a session token. Malformed headers are a 400 before any lookup; an unknown or
 * inactive company, or a site of another company, is a 404.
 */
export const publicSession = createMiddleware<AppEnv>(async (c, next) => {
  const parsed = PublicHeaders.safeParse({
    "x-company-id": c.req.header("x-company-id"),
    "x-site-id": c.req.header("x-site-id") || undefined,
    "x-session-token": c.req.header("x-session-token") || undefined,
  });
  if (!parsed.success) {
    const errors: FieldError[] = parsed.error.issues.map((issue) => ({
      field: `header.${issue.path.join(".")}`,
      message: issue.message,
    }));
    throw new ApiError("VALIDATION_FAILED", "The request headers are invalid", { errors });
  }
  const headers = parsed.data;
  const company = await findCompany(c.var.db, headers["x-company-id"]);
  if (!company) throw new ApiError("NOT_FOUND", "Company not found");
  c.set("companyId", company.id);

  const site = resolveSite(company, headers["x-site-id"]);
  c.set("shopper", { company, site, sessionToken: headers["x-session-token"] });
  await next();
});
