import { z } from "@hono/zod-openapi";
import { MAX_QUANTITY, MIN_QUANTITY } from "../../domain/cart";
import { Id as Uuid } from "../../lib/ids";
import { singleLineText } from "../../lib/text";
import { SESSION_TOKEN } from "../../middleware/public-session";

const Quantity = z.number().int().min(MIN_QUANTITY).max(MAX_QUANTITY);

export const AddItemSchema = z
  .object({ productId: Uuid, variantId: Uuid.nullish(), quantity: Quantity.default(1) })
  .openapi("AddCartItem");
export const UpdateItemSchema = z.object({ quantity: Quantity }).openapi("UpdateCartItem");
export const AddBundleSchema = z.object({ bundleId: Uuid, quantity: Quantity.default(1) }).openapi("AddCartBundle");
export const ApplyDiscountSchema = z
  .object({ code: singleLineText(z.string().trim().min(1).max(64)) })
  .openapi("ApplyDiscount");
export const CreateCartSchema = z
  .object({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "an ISO 4217 code such as USD")
      .optional(),
  })
  .openapi("CreateCart");
export const ConvertCartSchema = z
  .object({ orderId: singleLineText(z.string().min(1).max(128)) })
  .openapi("ConvertCart");
export const MergeCartSchema = z
  .object({
    sessionToken: z.string().regex(SESSION_TOKEN, "the guest's session token (64 lowercase hex)"),
    strategy: z.enum(["max", "sum", "replace"]).default("max"),
    dryRun: z.boolean().default(false),
  })
  .openapi("MergeCart");

export const ItemParams = z.object({ itemId: Uuid });
export const SavedParams = z.object({ savedItemId: Uuid });
export const BundleGroupParams = z.object({ bundleGroupId: Uuid });
export const CodeParams = z.object({ code: singleLineText(z.string().min(1).max(64)) });
export const CartIdParams = z.object({ id: Uuid });

/** What a cart line and a saved line both show: a product, its quantity and price, the site it came from. */
const ProductLineSchema = z.object({
  id: z.string(),
  productId: z.string(),
  variantId: z.string().nullable(),
  sku: z.string(),
  name: z.string(),
  quantity: z.number().int(),
  unitPrice: z.number().int(),
  siteId: z.string().nullable(),
});

export const CartItemSchema = ProductLineSchema.extend({
  lineTotal: z.number().int(),
  bundleGroupId: z.string().nullable(),
  bundleId: z.string().nullable(),
  unavailable: z.boolean(),
  addedAt: z.string(),
}).openapi("CartItem");

export const CartSchema = z
  .object({
    id: z.string(),
    sessionId: z.string(),
    companyId: z.string(),
    siteId: z.string(),
    customerId: z.string().nullable(),
    status: z.enum(["ACTIVE", "MERGED", "CONVERTED", "ABANDONED", "EXPIRED"]),
    currency: z.string(),
    items: z.array(CartItemSchema),
    savedItems: z.array(ProductLineSchema.extend({ savedAt: z.string() })),
    discounts: z.array(
      z.object({
        code: z.string(),
        type: z.enum(["PERCENT", "FIXED"]),
        value: z.number().int(),
        amount: z.number().int(),
        stackable: z.boolean(),
      }),
    ),
    totals: z.object({
      subtotal: z.number().int(),
      discountTotal: z.number().int(),
      taxTotal: z.number().int(),
      shippingTotal: z.number().int(),
      grandTotal: z.number().int(),
      itemCount: z.number().int(),
    }),
    orderId: z.string().nullable(),
    version: z.number().int(),
    expiresAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Cart");

export const CreatedCartSchema = CartSchema.extend({
  sessionToken: z.string().optional().openapi({ description: "Only when a new session was created" }),
}).openapi("CreatedCart");

const LineChange = z.object({
  productId: z.string(),
  variantId: z.string().nullable(),
  quantity: z.number().int(),
  bundleGroupId: z.string().nullable(),
});
export const MergeResultSchema = z
  .object({
    cart: CartSchema,
    dryRun: z.boolean(),
    alreadyMerged: z.boolean(),
    diff: z.object({
      added: z.array(LineChange),
      quantityChanged: z.array(
        z.object({ productId: z.string(), variantId: z.string().nullable(), from: z.number(), to: z.number() }),
      ),
      dropped: z.array(LineChange.extend({ reason: z.string() })),
      discountsAdded: z.array(z.string()),
      discountsDropped: z.array(z.object({ code: z.string(), reason: z.string() })),
      savedAdded: z.array(z.object({ productId: z.string(), variantId: z.string().nullable(), quantity: z.number() })),
      savedDropped: z.array(
        z.object({ productId: z.string(), variantId: z.string().nullable(), quantity: z.number(), reason: z.string() }),
      ),
    }),
  })
  .openapi("CartMergeResult");
