// What the client sends and receives, as TYPES inferred from the app's own zod schemas (the
// ones that validate requests and build the OpenAPI document): one source of truth. Every
// import here is `import type`, so none of the server's code reaches a storefront's bundle
// (dependency-cruiser's "client-imports-server-only-as-types" keeps it so).
import type { z } from "zod";
import type { LiveMessage, LiveResource } from "../../durable-objects/contract";
import type { ErrorCode } from "../lib/errors";
import type {
  AddBundleSchema,
  AddItemSchema,
  CartSchema,
  CreateCartSchema,
  CreatedCartSchema,
  UpdateItemSchema,
} from "../modules/cart/schema";
import type {
  AddComparisonItemSchema,
  ComparisonSchema,
  ComparisonShareSchema,
  SharedComparisonSchema,
} from "../modules/comparison/schema";
import type {
  ClaimResultSchema,
  CrossSiteSessionSchema,
  SessionMergeResultSchema,
  SessionMergeSchema,
  TicketSchema,
  TransferCodeSchema,
} from "../modules/cross-site/schema";
import type { PublicSiteSchema } from "../modules/site";
import type {
  AddWishlistItemSchema,
  SharedWishlistSchema,
  UpdateWishlistItemSchema,
  WishlistSchema,
  WishlistShareSchema,
} from "../modules/wishlist/schema";

// Responses: what the server sends (zod's output side).
export type Cart = z.output<typeof CartSchema>;
export type CreatedCart = z.output<typeof CreatedCartSchema>;
export type Wishlist = z.output<typeof WishlistSchema>;
export type WishlistShare = z.output<typeof WishlistShareSchema>;
export type SharedWishlist = z.output<typeof SharedWishlistSchema>;
export type Comparison = z.output<typeof ComparisonSchema>;
export type ComparisonShare = z.output<typeof ComparisonShareSchema>;
export type SharedComparison = z.output<typeof SharedComparisonSchema>;
export type CrossSiteSession = z.output<typeof CrossSiteSessionSchema>;
export type TransferCode = z.output<typeof TransferCodeSchema>;
export type ClaimResult = z.output<typeof ClaimResultSchema>;
export type LiveTicket = z.output<typeof TicketSchema>;
export type SessionMergeResult = z.output<typeof SessionMergeResultSchema>;
export type PublicSite = z.output<typeof PublicSiteSchema>;

// Requests: what the server accepts (zod's input side, so defaulted fields stay optional).
export type CreateCartInput = z.input<typeof CreateCartSchema>;
export type AddItemInput = z.input<typeof AddItemSchema>;
export type UpdateItemInput = z.input<typeof UpdateItemSchema>;
export type AddBundleInput = z.input<typeof AddBundleSchema>;
export type AddWishlistItemInput = z.input<typeof AddWishlistItemSchema>;
export type UpdateWishlistItemInput = z.input<typeof UpdateWishlistItemSchema>;
export type AddComparisonItemInput = z.input<typeof AddComparisonItemSchema>;
export type MergeOptions = Omit<z.input<typeof SessionMergeSchema>, "sessionToken">;

export type { ErrorCode, LiveMessage, LiveResource };
