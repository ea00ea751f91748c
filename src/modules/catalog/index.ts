// The catalog feed: how a commerce platform loads its catalog into crosscart. Mounted behind
// `authenticate` + `requireRole("admin", "service")`; every route acts on the token's company
// only — a company id is never read from the body.
import { createRoute, type z } from "@hono/zod-openapi";
import { forgetCompany } from "../../catalog/lookup";
import { notFound } from "../../lib/errors";
import { bearerAuth, jsonBody, jsonContent, problemResponses } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { getCompany, upsertBundles, upsertCompany, upsertProducts, upsertPromotions, upsertSites } from "./feed";
import {
  BundlesBodySchema,
  CompanyInputSchema,
  CompanySchema,
  ProductsBodySchema,
  PromotionsBodySchema,
  SitesBodySchema,
  UpsertResultSchema,
} from "./schema";

const tags = ["catalog"];

/** A batch upsert route: PUT /{path} with `schema` as the body, answering `UpsertResult`. */
const batchRoute = <T extends z.ZodType>(path: string, summary: string, schema: T) =>
  createRoute({
    method: "put",
    path,
    tags,
    summary,
    description:
      "Idempotent upsert by id, all or nothing in one transaction. An id that exists under another company is a 404 and nothing of the batch is written.",
    security: bearerAuth,
    request: jsonBody(schema),
    responses: {
      200: jsonContent(UpsertResultSchema, "Every row of the batch was inserted or updated"),
      ...problemResponses(400, 401, 403, 404, 409, 413, 422),
    },
  });

export const catalog = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/company",
      tags,
      summary: "The caller's company with all its sites",
      security: bearerAuth,
      responses: { 200: jsonContent(CompanySchema, "The company"), ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const company = await getCompany(c.var.db(), c.var.auth.companyId);
      if (!company) throw notFound("Company");
      return c.json(company, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/company",
      tags,
      summary: "Create or update the caller's company (its id is the token's companyId)",
      security: bearerAuth,
      request: jsonBody(CompanyInputSchema),
      responses: { 200: jsonContent(CompanySchema, "The company"), ...problemResponses(400, 401, 403, 409, 413) },
    }),
    async (c) => {
      const { companyId } = c.var.auth;
      await upsertCompany(c.var.db(), companyId, c.req.valid("json"));
      forgetCompany(companyId);
      const company = await getCompany(c.var.db(), companyId);
      if (!company) throw notFound("Company");
      return c.json(company, 200);
    },
  )
  .openapi(batchRoute("/sites", "Upsert the company's sites (1–100)", SitesBodySchema), async (c) => {
    const { companyId } = c.var.auth;
    const ids = await upsertSites(c.var.db(), companyId, c.req.valid("json").sites);
    forgetCompany(companyId);
    return c.json({ upserted: ids.length, ids }, 200);
  })
  .openapi(batchRoute("/products", "Upsert products and their variants (1–500)", ProductsBodySchema), async (c) => {
    const ids = await upsertProducts(c.var.db(), c.var.auth.companyId, c.req.valid("json").products);
    return c.json({ upserted: ids.length, ids }, 200);
  })
  .openapi(batchRoute("/bundles", "Upsert bundles, replacing their items (1–100)", BundlesBodySchema), async (c) => {
    const ids = await upsertBundles(c.var.db(), c.var.auth.companyId, c.req.valid("json").bundles);
    return c.json({ upserted: ids.length, ids }, 200);
  })
  .openapi(batchRoute("/promotions", "Upsert promotion codes (1–500)", PromotionsBodySchema), async (c) => {
    const ids = await upsertPromotions(c.var.db(), c.var.auth.companyId, c.req.valid("json").promotions);
    return c.json({ upserted: ids.length, ids }, 200);
  });
