import { z } from "@hono/zod-openapi";
import { DATA_RESIDENCIES } from "../../db/schema";
import { Id } from "../../lib/ids";
import { multiLineText, singleLineText } from "../../lib/text";

// Catalog feed request and response schemas. Every constraint the Postgres schema enforces
// (checks, int4 range, no NUL in text) is repeated here, so bad input is a 400 naming the
// field and never reaches Postgres as a 500. Text refuses control characters (src/lib/text.ts):
// only a product's description may hold tabs and newlines.

const MAX_INT4 = 2_147_483_647;
export const MAX_PRODUCTS_PER_CALL = 500;
export const MAX_SITES_PER_CALL = 100;
export const MAX_BUNDLES_PER_CALL = 100;
export const MAX_PROMOTIONS_PER_CALL = 500;
export const MAX_VARIANTS_PER_PRODUCT = 100;
export const MAX_ITEMS_PER_BUNDLE = 20;

const text = (max: number) => singleLineText(z.string().trim().min(1).max(max));

const Sku = text(100).openapi({ example: "TRAIL-PACK-30" });
const Name = text(200);
const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: "must be an ISO 4217 code: three upper-case letters" })
  .openapi({ example: "USD" });
/** Integer minor units of the currency (cents for USD). */
const MinorUnits = z.int().min(0).max(MAX_INT4);
const Url = singleLineText(z.url({ protocol: /^https?$/ }).max(2048));

const AttributeValue = z.union([singleLineText(z.string().max(1000)), z.number(), z.boolean(), z.null()]);
const Attributes = z
  .record(singleLineText(z.string().min(1).max(100)), AttributeValue)
  .refine((record) => Object.keys(record).length <= 100, { message: "at most 100 attributes" })
  .openapi("ProductAttributes", {
    description: "Compared side by side by the comparison module",
    example: { weightGrams: 1100, waterproof: true, color: "green" },
  });

/** Adds an issue at `[index, field]` for every repeat of a key within one batch. */
function uniqueWithin<T>(field: string, key: (item: T) => string, message = `duplicate ${field} in this batch`) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const value = key(item);
      if (seen.has(value)) ctx.addIssue({ code: "custom", path: [index, field], message });
      seen.add(value);
    });
  };
}

/** The rows of one feed call: 1 to `max`, each id once. */
const batchOf = <Row extends z.ZodType<{ id: string }>>(row: Row, max: number) =>
  z
    .array(row)
    .min(1)
    .max(max)
    .superRefine(uniqueWithin("id", (item: z.output<Row>) => item.id));

// ---------------------------------------------------------------------------------------------
// Company and sites
// ---------------------------------------------------------------------------------------------

export const CompanyInputSchema = z
  .object({
    name: Name,
    slug: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: "must be 2–63 of a-z, 0-9 and '-', not starting with '-'" })
      .openapi({ example: "acme" }),
    active: z.boolean().default(true),
    dataResidency: z.enum(DATA_RESIDENCIES).optional().openapi({
      description:
        'Where the company\'s shopper sessions live: "eu" keeps their Durable Objects in the EU jurisdiction, "global" (the default for a new company) places them near the shopper. Omitted: unchanged. Sessions started before a change stay where they were (docs/design.md, "Privacy").',
    }),
  })
  .openapi("CompanyInput");
export type CompanyInput = z.infer<typeof CompanyInputSchema>;

const siteFields = {
  id: Id,
  name: Name,
  domain: text(253).openapi({ example: "trail.acme.test" }),
  baseUrl: Url.openapi({ example: "https://trail.acme.test" }),
  currency: Currency,
  /** basis points: 825 = 8.25 % */
  taxRateBps: z.int().min(0).max(10_000).openapi({ description: "Tax rate in basis points (825 = 8.25 %)" }),
  enableCart: z.boolean(),
  enableWishlist: z.boolean(),
  enableCompare: z.boolean(),
  maxCompareItems: z.int().min(1).max(20),
  cartExpirationDays: z.int().min(1).max(365),
  isDefault: z.boolean(),
  active: z.boolean(),
};

export const SiteSchema = z.object(siteFields).openapi("Site");
export type SiteOutput = z.infer<typeof SiteSchema>;

export const SiteInputSchema = z
  .object({
    ...siteFields,
    taxRateBps: siteFields.taxRateBps.default(0),
    enableCart: z.boolean().default(true),
    enableWishlist: z.boolean().default(true),
    enableCompare: z.boolean().default(false),
    maxCompareItems: siteFields.maxCompareItems.default(4),
    cartExpirationDays: siteFields.cartExpirationDays.default(30),
    isDefault: z.boolean().default(false),
    active: z.boolean().default(true),
  })
  .openapi("SiteInput");
export type SiteInput = z.infer<typeof SiteInputSchema>;

export const SitesBodySchema = z
  .object({
    sites: batchOf(SiteInputSchema, MAX_SITES_PER_CALL).refine(
      (sites) => sites.filter((site) => site.isDefault).length <= 1,
      {
        message: "at most one site can be the default",
      },
    ),
  })
  .openapi("SitesUpsert");

export const CompanySchema = z
  .object({
    id: Id,
    name: z.string(),
    slug: z.string(),
    active: z.boolean(),
    dataResidency: z.enum(DATA_RESIDENCIES),
    sites: z.array(SiteSchema),
  })
  .openapi("Company");
export type CompanyOutput = z.infer<typeof CompanySchema>;

// ---------------------------------------------------------------------------------------------
// Products and variants
// ---------------------------------------------------------------------------------------------

/** What names a product and a variant alike: its id, the company's sku for it, and a display name. */
const sellableFields = { id: Id, sku: Sku, name: Name };

export const VariantInputSchema = z
  .object({
    ...sellableFields,
    price: MinorUnits.nullable()
      .default(null)
      .openapi({ description: "Minor units; null or absent = the product's price" }),
    attributes: Attributes.default({}),
    active: z.boolean().default(true),
  })
  .openapi("VariantInput");
export type VariantInput = z.infer<typeof VariantInputSchema>;

export const ProductInputSchema = z
  .object({
    ...sellableFields,
    description: multiLineText(z.string().trim().max(5000)).nullable().default(null),
    price: MinorUnits.openapi({ description: "Integer minor units of `currency`", example: 12900 }),
    currency: Currency,
    active: z.boolean().default(true),
    attributes: Attributes.default({}),
    imageUrl: Url.nullable().default(null),
    variants: z.array(VariantInputSchema).max(MAX_VARIANTS_PER_PRODUCT).optional().openapi({
      description: "Upserted by id; variants not listed are left as they are (send active: false to retire one)",
    }),
  })
  .openapi("ProductInput");
export type ProductInput = z.infer<typeof ProductInputSchema>;

export const ProductsBodySchema = z
  .object({
    products: batchOf(ProductInputSchema, MAX_PRODUCTS_PER_CALL)
      .superRefine(uniqueWithin("sku", (product) => product.sku))
      .superRefine((products, ctx) => {
        // Variant ids and skus are unique per company, so across the whole batch.
        const ids = new Set<string>();
        const skus = new Set<string>();
        products.forEach((product, index) => {
          product.variants?.forEach((variant, variantIndex) => {
            const path = [index, "variants", variantIndex];
            if (ids.has(variant.id))
              ctx.addIssue({ code: "custom", path: [...path, "id"], message: "duplicate variant id in this batch" });
            if (skus.has(variant.sku))
              ctx.addIssue({ code: "custom", path: [...path, "sku"], message: "duplicate variant sku in this batch" });
            ids.add(variant.id);
            skus.add(variant.sku);
          });
        });
      }),
  })
  .openapi("ProductsUpsert");

// ---------------------------------------------------------------------------------------------
// Bundles
// ---------------------------------------------------------------------------------------------

export const BundleItemInputSchema = z
  .object({ productId: Id, variantId: Id.nullable().default(null), quantity: z.int().min(1).max(999) })
  .openapi("BundleItemInput");

export const BundleInputSchema = z
  .object({
    id: Id,
    name: Name,
    sku: Sku.nullable().default(null),
    active: z.boolean().default(true),
    discountType: z.enum(["NONE", "PERCENT", "FIXED"]),
    discountValue: z
      .int()
      .min(0)
      .max(MAX_INT4)
      .default(0)
      .openapi({ description: "PERCENT: whole percent 1–100; FIXED: minor units off the bundle; NONE: 0" }),
    items: z
      .array(BundleItemInputSchema)
      .min(1)
      .max(MAX_ITEMS_PER_BUNDLE)
      .superRefine(
        uniqueWithin(
          "productId",
          (item) => `${item.productId}/${item.variantId ?? ""}`,
          "this product/variant is already in the bundle; use quantity",
        ),
      )
      .openapi({ description: "Replaces the bundle's items wholesale; list each product/variant once" }),
  })
  .superRefine((bundle, ctx) => {
    const { discountType: type, discountValue: value } = bundle;
    const problem =
      type === "NONE" && value !== 0
        ? "must be 0 when discountType is NONE"
        : type === "PERCENT" && (value < 1 || value > 100)
          ? "must be 1–100 when discountType is PERCENT"
          : type === "FIXED" && value < 1
            ? "must be at least 1 when discountType is FIXED"
            : undefined;
    if (problem) ctx.addIssue({ code: "custom", path: ["discountValue"], message: problem });
  })
  .openapi("BundleInput");
export type BundleInput = z.infer<typeof BundleInputSchema>;

export const BundlesBodySchema = z
  .object({
    bundles: batchOf(BundleInputSchema, MAX_BUNDLES_PER_CALL),
  })
  .openapi("BundlesUpsert");

// ---------------------------------------------------------------------------------------------
// Promotions
// ---------------------------------------------------------------------------------------------

const Instant = z.iso.datetime({ offset: true }).openapi({ example: "2026-01-01T00:00:00Z" });

export const PromotionInputSchema = z
  .object({
    id: Id,
    code: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9_-]{2,32}$/, { message: "must be 2–32 of A-Z, 0-9, '_' and '-'" })
      .openapi({ description: "Normalized to upper case", example: "SPRING15" }),
    type: z.enum(["PERCENT", "FIXED"]),
    value: z.int().min(1).max(MAX_INT4).openapi({ description: "PERCENT: whole percent 1–100; FIXED: minor units" }),
    minSubtotal: MinorUnits.default(0),
    startsAt: Instant.nullable().default(null),
    endsAt: Instant.nullable().default(null),
    stackable: z.boolean().default(false),
    active: z.boolean().default(true),
  })
  .superRefine((promotion, ctx) => {
    if (promotion.type === "PERCENT" && promotion.value > 100) {
      ctx.addIssue({ code: "custom", path: ["value"], message: "must be 1–100 when type is PERCENT" });
    }
    if (promotion.startsAt && promotion.endsAt && Date.parse(promotion.endsAt) <= Date.parse(promotion.startsAt)) {
      ctx.addIssue({ code: "custom", path: ["endsAt"], message: "must be after startsAt" });
    }
  })
  .openapi("PromotionInput");
export type PromotionInput = z.infer<typeof PromotionInputSchema>;

export const PromotionsBodySchema = z
  .object({
    promotions: batchOf(PromotionInputSchema, MAX_PROMOTIONS_PER_CALL).superRefine(
      uniqueWithin("code", (promotion) => promotion.code),
    ),
  })
  .openapi("PromotionsUpsert");

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

export const UpsertResultSchema = z
  .object({
    upserted: z.int().openapi({ description: "How many rows of the batch were inserted or updated" }),
    ids: z.array(Id).openapi({ description: "The ids of the batch, in request order" }),
  })
  .openapi("UpsertResult");
export type UpsertResult = z.infer<typeof UpsertResultSchema>;
