// Product comparison routes: for customers at /api/comparison (JWT) and for anonymous
// sessions at /api/public/comparison (session token), plus the shared side-by-side view.
import type { Context } from "hono";
import type { ComparisonCommand, ComparisonView } from "../../../durable-objects/contract";
import { type ProductSummary, productSummaries } from "../../catalog/summaries";
import { attributeTable } from "../../domain/comparison";
import { type Audience, jsonBody, jsonContent, SHOPPER_ERRORS } from "../../lib/openapi";
import type { AppEnv } from "../../types";
import { listRoutes } from "../lists/routes";
import { AddComparisonItemSchema, ComparisonSchema, ComparisonShareSchema, SharedComparisonSchema } from "./schema";

const display = ({ attributes: _, ...summary }: ProductSummary) => summary;

/** The view with each product's catalog facts and the attribute table a compare page renders. */
async function withProducts(c: Context<AppEnv>, view: ComparisonView) {
  const summaries = await productSummaries(c.var.db, view.companyId, view.items);
  const attributes = attributeTable(
    view.items.map((item, index) => ({
      productId: item.productId,
      variantId: item.variantId,
      name: summaries[index]?.name ?? "",
      attributes: summaries[index]?.attributes ?? {},
    })),
  );
  const items = view.items.map((item, index) => {
    const summary = summaries[index];
    return { ...item, product: summary ? display(summary) : null };
  });
  return { ...view, items, attributes };
}

const comparison = listRoutes({
  name: "comparison",
  feature: "compare",
  portalPath: "compare",
  schema: ComparisonSchema,
  shareSchema: ComparisonShareSchema,
  sharedSchema: SharedComparisonSchema,
  summaries: {
    read: "The comparison, with the attribute table",
    remove: "Remove a product",
    share: "Share: a link to COMPANY_PORTAL_URL/compare/{token} (replacing any previous one)",
    shared: "A shared comparison: the products' attributes side by side (X-Robots-Tag: noindex)",
  },
  read: (stub, call) => stub.getComparison(call),
  command: (stub, call, command: ComparisonCommand) => stub.comparisonCommand(call, command),
  shared: (stub, companyId, tokenHash) => stub.sharedComparison(companyId, tokenHash),
  show: withProducts,
  shareBody: (link, shown) => ({ ...link, comparison: shown }),
  reveal: ({ items, attributes, sharedAt }) => ({
    products: items.map(({ productId, variantId, product }) => ({ productId, variantId, product })),
    attributes,
    sharedAt,
  }),
});

function comparisonRouter(audience: Audience) {
  return comparison.router(audience).openapi(
    comparison.route(audience, {
      method: "post",
      path: "/items",
      summary: "Add a product (at most the site's maxCompareItems; 409 COMPARE_LIMIT_REACHED)",
      request: jsonBody(AddComparisonItemSchema),
      responses: { 201: jsonContent(ComparisonSchema, "The comparison"), ...SHOPPER_ERRORS },
    }),
    (c) => {
      const body = c.req.valid("json");
      return comparison.run(c, { type: "add", productId: body.productId, variantId: body.variantId ?? null }, body);
    },
  );
}

export const customerComparison = comparisonRouter("customer");
export const publicComparison = comparisonRouter("public");
