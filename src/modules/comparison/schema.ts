import { z } from "@hono/zod-openapi";
import { Id } from "../../lib/ids";
import { ProductSummarySchema } from "../wishlist/schema";

export const AddComparisonItemSchema = z
  .object({ productId: Id, variantId: Id.nullish() })
  .openapi("AddComparisonItem");

const AttributeValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const AttributeRowsSchema = z
  .array(z.object({ key: z.string(), values: z.array(AttributeValue) }))
  .openapi("AttributeRows", {
    description: "One row per attribute key (union over the products); null where a product lacks it",
  });

export const ComparisonSchema = z
  .object({
    id: z.string(),
    sessionId: z.string(),
    companyId: z.string(),
    customerId: z.string().nullable(),
    items: z.array(
      z.object({
        id: z.string(),
        productId: z.string(),
        variantId: z.string().nullable(),
        siteId: z.string().nullable(),
        addedAt: z.string(),
        product: ProductSummarySchema,
      }),
    ),
    itemCount: z.number().int(),
    maxItems: z.number().int(),
    attributes: AttributeRowsSchema,
    shared: z.boolean(),
    sharedAt: z.string().nullable(),
    version: z.number().int(),
    expiresAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Comparison");

export const ComparisonShareSchema = z
  .object({ token: z.string(), url: z.string(), comparison: ComparisonSchema })
  .openapi("ComparisonShare");

export const SharedComparisonSchema = z
  .object({
    products: z.array(
      z.object({ productId: z.string(), variantId: z.string().nullable(), product: ProductSummarySchema }),
    ),
    attributes: AttributeRowsSchema,
    sharedAt: z.string().nullable(),
  })
  .openapi("SharedComparison");
