import { z } from "@hono/zod-openapi";
import { MAX_PRIORITY, MIN_PRIORITY } from "../../domain/wishlist";
import { Id } from "../../lib/ids";
import { multiLineText } from "../../lib/text";

const Priority = z.number().int().min(MIN_PRIORITY).max(MAX_PRIORITY);
/** Multi-line: tabs and newlines are kept, other control characters are a 400. */
const Note = multiLineText(z.string().trim().max(500)).nullable();

export const AddWishlistItemSchema = z
  .object({ productId: Id, variantId: Id.nullish(), priority: Priority.optional(), note: Note.optional() })
  .openapi("AddWishlistItem");

export const UpdateWishlistItemSchema = z
  .object({ priority: Priority.optional(), note: Note.optional() })
  .refine((body) => body.priority !== undefined || body.note !== undefined, { message: "give priority and/or note" })
  .openapi("UpdateWishlistItem");

export const ProductSummarySchema = z
  .object({
    name: z.string(),
    sku: z.string(),
    price: z.number().int(),
    currency: z.string(),
    imageUrl: z.string().nullable(),
    available: z.boolean(),
  })
  .nullable()
  .openapi("ProductSummary");

const WishlistItemSchema = z.object({
  id: z.string(),
  productId: z.string(),
  variantId: z.string().nullable(),
  priority: z.number().int(),
  note: z.string().nullable(),
  siteId: z.string().nullable(),
  addedAt: z.string(),
  updatedAt: z.string(),
  product: ProductSummarySchema,
});

export const WishlistSchema = z
  .object({
    id: z.string(),
    sessionId: z.string(),
    companyId: z.string(),
    customerId: z.string().nullable(),
    items: z.array(WishlistItemSchema),
    itemCount: z.number().int(),
    shared: z.boolean(),
    sharedAt: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Wishlist");

export const WishlistShareSchema = z
  .object({ token: z.string(), url: z.string(), wishlist: WishlistSchema })
  .openapi("WishlistShare");

export const SharedWishlistSchema = z
  .object({
    items: z.array(
      z.object({
        productId: z.string(),
        variantId: z.string().nullable(),
        priority: z.number().int(),
        note: z.string().nullable(),
        product: ProductSummarySchema,
      }),
    ),
    itemCount: z.number().int(),
    sharedAt: z.string().nullable(),
  })
  .openapi("SharedWishlist");
