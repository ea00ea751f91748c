import { z } from "@hono/zod-openapi";
import { Id } from "../../lib/ids";
import { singleLineText } from "../../lib/text";
import { SESSION_TOKEN } from "../../middleware/public-session";
import { CartSchema } from "../cart/schema";
import { ComparisonSchema } from "../comparison/schema";
import { WishlistSchema } from "../wishlist/schema";

export const CrossSiteSessionSchema = z
  .object({
    id: z.string(),
    companyId: z.string(),
    customerId: z.string().nullable(),
    status: z.enum(["ACTIVE", "MERGED", "EXPIRED"]),
    sessionToken: z.string().optional().openapi({
      description:
        "Only where a token is handed out: a new anonymous session, or a customer's cross-site token when issued (shown once, never again)",
    }),
    sessionTokenExpiresAt: z
      .string()
      .optional()
      .openapi({ description: "With a customer's cross-site token: when it expires unless used (sliding)" }),
    tokens: z
      .array(
        z.object({
          issuedAt: z.string(),
          lastUsedAt: z.string(),
          expiresAt: z.string(),
          generation: z.number().int(),
        }),
      )
      .optional()
      .openapi({ description: "Customers: their live cross-site tokens (never the tokens themselves)" }),
    originSiteId: z.string(),
    sitesVisited: z.array(z.string()),
    transferCount: z.number().int(),
    mergeCount: z.number().int(),
    version: z.number().int(),
    lastActivityAt: z.string(),
    expiresAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("CrossSiteSession");

export const TransferSchema = z.object({ targetSiteId: Id }).openapi("TransferRequest");
export const TransferCodeSchema = z
  .object({
    code: z.string(),
    url: z.string().openapi({ description: "The target site's URL with the code as `crosscart_transfer`" }),
    expiresInSeconds: z.number().int(),
    targetSiteId: z.string(),
  })
  .openapi("TransferCode");
export const ClaimSchema = z.object({ code: singleLineText(z.string().max(256)) }).openapi("ClaimRequest");
export const ClaimResultSchema = z
  .object({ sessionToken: z.string(), session: CrossSiteSessionSchema })
  .openapi("ClaimResult");
export const TicketSchema = z
  .object({ ticket: z.string(), url: z.string(), expiresInSeconds: z.number().int() })
  .openapi("LiveTicket");

export const SessionMergeSchema = z
  .object({
    sessionToken: z.string().regex(SESSION_TOKEN, "the anonymous session's token (64 lowercase hex)"),
    strategy: z.enum(["max", "sum", "replace"]).default("max"),
    dryRun: z.boolean().default(false),
  })
  .openapi("SessionMerge");

export const SessionMergeResultSchema = z
  .object({
    cart: CartSchema,
    wishlist: WishlistSchema.omit({ items: true }).extend({ items: z.array(z.record(z.string(), z.unknown())) }),
    comparison: ComparisonSchema.omit({ items: true, attributes: true }).extend({
      items: z.array(z.record(z.string(), z.unknown())),
    }),
    diff: z.object({
      cart: z.record(z.string(), z.unknown()),
      wishlist: z.record(z.string(), z.unknown()),
      comparison: z.object({ added: z.array(z.unknown()), dropped: z.array(z.unknown()) }),
    }),
    dryRun: z.boolean(),
    alreadyMerged: z.boolean(),
  })
  .openapi("SessionMergeResult");
