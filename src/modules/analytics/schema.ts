import { z } from "@hono/zod-openapi";
import { idSchema } from "../../lib/ids";
import { INTERVALS, parseIsoDate } from "./range";

// Request and response schemas of /api/analytics/ecommerce/*. The definitions behind every
// number are in DEFINITIONS.md (and, as SQL, in sql/definitions.ts).

const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "must be a date YYYY-MM-DD" })
  .refine((value) => parseIsoDate(value) !== null, { message: "must be a calendar date YYYY-MM-DD" });

export const AnalyticsQuerySchema = z.object({
  startDate: IsoDate.optional().openapi({
    format: "date",
    description: "First day counted (UTC), default 29 days before endDate",
    example: "2026-01-01",
  }),
  endDate: IsoDate.optional().openapi({
    format: "date",
    description: "Last day counted (UTC, included), default today; at most 366 days after startDate, both included",
    example: "2026-01-31",
  }),
  siteId: idSchema("must be a site id (uuid)")
    .optional()
    .openapi({ format: "uuid", description: "Only this site of the company (404 when it is not one)" }),
  interval: z
    .enum(INTERVALS)
    .default("day")
    .openapi({ description: "Time-series bucket in UTC: day, ISO week (from Monday) or calendar month" }),
  fresh: z
    .enum(["0", "1", "true", "false"])
    .optional()
    .openapi({ description: "1: skip the 5-minute cache (and refresh it)" }),
});
export type AnalyticsQuery = z.infer<typeof AnalyticsQuerySchema>;

const Count = z.int().min(0);
/** Minor units of the currency beside it. */
const Money = z.int();
const Rate = z
  .number()
  .min(0)
  .max(1)
  .nullable()
  .openapi({ description: "A fraction 0–1, 4 decimals; null when its denominator is 0" });
const Average = z.number().nullable().openapi({ description: "null when nothing was averaged" });
const Bucket = z.string().openapi({ format: "date", description: "Start (UTC) of the bucket", example: "2026-01-05" });

const meta = {
  companyId: z.string(),
  siteId: z.string().nullable(),
  startDate: z.string().openapi({ format: "date" }),
  endDate: z.string().openapi({ format: "date" }),
  interval: z.enum(INTERVALS),
  timeZone: z.literal("UTC"),
  generatedAt: z.string().openapi({ format: "date-time", description: "When the numbers were read (cached 5 min)" }),
};

const Revenue = z.object({ currency: z.string(), amount: Money }).openapi("AnalyticsRevenue");

export const CartSummarySchema = z
  .object({
    created: Count,
    active: Count,
    converted: Count,
    abandoned: Count,
    merged: Count,
    abandonmentRate: Rate,
    conversionRate: Rate,
    averageItems: Average,
  })
  .openapi("AnalyticsCartSummary");

export const CartMoneySchema = z
  .object({
    currency: z.string(),
    convertedCarts: Count,
    revenue: Money,
    averageConvertedCartValue: Money.nullable(),
    averageCartValue: Money.nullable(),
  })
  .openapi("AnalyticsCartMoney");

const cartPoint = {
  bucket: Bucket,
  cartsCreated: Count,
  convertedCarts: Count,
  abandonedCarts: Count,
  abandonmentRate: Rate,
  conversionRate: Rate,
  revenue: z.array(Revenue),
};

export const OverviewSchema = z
  .object({
    ...meta,
    carts: CartSummarySchema,
    money: z.array(CartMoneySchema),
    wishlist: z.object({ itemsAdded: Count }),
    comparison: z.object({ created: Count }),
    crossSiteSessions: z.object({ created: Count, active: Count, mergeRate: Rate, transfers: Count }),
    series: z.array(
      z.object({
        ...cartPoint,
        wishlistItemsAdded: Count,
        comparisonsCreated: Count,
        sessionsCreated: Count,
        transfers: Count,
      }),
    ),
  })
  .openapi("AnalyticsOverview");

const ProductFields = { productId: z.string(), sku: z.string().nullable(), name: z.string().nullable() };

export const CartAnalyticsSchema = z
  .object({
    ...meta,
    carts: CartSummarySchema,
    money: z.array(CartMoneySchema),
    bundleAdditions: Count,
    topBundles: z.array(z.object({ bundleId: z.string(), name: z.string().nullable(), additions: Count })),
    discounts: z.array(
      z.object({
        code: z.string(),
        currency: z.string(),
        carts: Count,
        convertedCarts: Count,
        totalDiscount: Money,
        convertedDiscount: Money,
      }),
    ),
    topProducts: z.array(z.object({ ...ProductFields, quantity: Count, lines: Count })),
    series: z.array(z.object({ ...cartPoint, bundleAdditions: Count })),
  })
  .openapi("AnalyticsCart");

const listSummary = {
  created: Count,
  shared: Count,
  shareRate: Rate,
  averageItems: Average,
  itemsAdded: Count,
};
const listPoint = { bucket: Bucket, created: Count, shared: Count, itemsAdded: Count };

export const WishlistAnalyticsSchema = z
  .object({
    ...meta,
    wishlists: z.object(listSummary),
    topProducts: z.array(z.object({ ...ProductFields, wishlists: Count, itemsAdded: Count })),
    series: z.array(z.object(listPoint)),
  })
  .openapi("AnalyticsWishlist");

export const ComparisonAnalyticsSchema = z
  .object({
    ...meta,
    comparisons: z.object(listSummary),
    topProducts: z.array(z.object({ ...ProductFields, comparisons: Count, itemsAdded: Count })),
    series: z.array(z.object(listPoint)),
  })
  .openapi("AnalyticsComparison");

export const SessionAnalyticsSchema = z
  .object({
    ...meta,
    sessions: z.object({
      created: Count,
      active: Count,
      expired: Count,
      merged: Count,
      mergeRate: Rate,
      transfers: Count,
      sessionsWithTransfers: Count,
      transferRate: Rate,
      mergesReceived: Count,
      averageSitesPerSession: Average,
    }),
    sitesPerSession: z.array(z.object({ sites: Count, sessions: Count })),
    sitePairs: z.array(z.object({ fromSiteId: z.string(), toSiteId: z.string(), sessions: Count })),
    series: z.array(
      z.object({
        bucket: Bucket,
        created: Count,
        active: Count,
        merged: Count,
        expired: Count,
        mergeRate: Rate,
        transfers: Count,
      }),
    ),
  })
  .openapi("AnalyticsCrossSiteSessions");

export type Overview = z.infer<typeof OverviewSchema>;
export type CartAnalytics = z.infer<typeof CartAnalyticsSchema>;
export type WishlistAnalytics = z.infer<typeof WishlistAnalyticsSchema>;
export type ComparisonAnalytics = z.infer<typeof ComparisonAnalyticsSchema>;
export type SessionAnalytics = z.infer<typeof SessionAnalyticsSchema>;
export type AnalyticsMeta = Pick<Overview, keyof typeof meta>;
