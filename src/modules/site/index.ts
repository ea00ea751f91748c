import { createRoute, z } from "@hono/zod-openapi";
import { jsonContent, problemResponses, publicSessionHeaders } from "../../lib/openapi";
import { createRouter } from "../../lib/router";

export const PublicSiteSchema = z
  .object({
    companyId: z.string(),
    siteId: z.string(),
    name: z.string(),
    currency: z.string(),
    features: z.object({
      cart: z.boolean(),
      wishlist: z.boolean(),
      compare: z.boolean(),
      maxCompareItems: z.number().int(),
    }),
    cartExpirationDays: z.number().int(),
  })
  .openapi("PublicSite");

/** What a storefront needs to decide which features to render for its site. */
export const site = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    summary: "The storefront's site settings (feature flags, currency)",
    request: { headers: publicSessionHeaders },
    responses: { 200: jsonContent(PublicSiteSchema, "The site"), ...problemResponses(400, 404) },
  }),
  (c) => {
    const { company, site } = c.var.shopper;
    // The answer depends on the storefront's headers: caches must key on them.
    c.header("Cache-Control", "private, max-age=30");
    c.header("Vary", "x-company-id, x-site-id");
    return c.json(
      {
        companyId: company.id,
        siteId: site.id,
        name: site.name,
        currency: site.currency,
        features: {
          cart: site.enableCart,
          wishlist: site.enableWishlist,
          compare: site.enableCompare,
          maxCompareItems: site.maxCompareItems,
        },
        cartExpirationDays: site.cartExpirationDays,
      },
      200,
    );
  },
);
