import { z } from "@hono/zod-openapi";
import { Id } from "../../lib/ids";

export const CustomerParams = z.object({ customerId: Id.openapi({ param: { name: "customerId", in: "path" } }) });

const Row = z.record(z.string(), z.unknown());

/** A session object's live state (durable-objects/contract.ts LiveStateExport), or null when it holds none. */
const LiveState = Row.nullable();

export const CustomerExportSchema = z
  .object({
    companyId: z.string(),
    customerId: z.string(),
    exportedAt: z.string(),
    liveState: z.object({
      customer: LiveState.openapi({
        description:
          "the customer's session object: session, carts, wishlist, comparison, cross-site tokens (never a token or digest)",
      }),
      mergedGuests: z
        .array(Row)
        .openapi({ description: "guest sessions merged into the customer's, as their objects still hold them" }),
    }),
    postgres: z.object({
      customer: Row.nullable().openapi({ description: "the platform's customer record (table customers)" }),
      sessions: z.array(Row),
      carts: z.array(Row).openapi({ description: "with `items` and `savedItems`" }),
      wishlists: z.array(Row).openapi({ description: "with `items`" }),
      comparisons: z.array(Row).openapi({ description: "with `items`" }),
      conversions: z.array(Row).openapi({ description: "the platform's conversion records (cart_conversions)" }),
    }),
    archivedCarts: z.array(Row).openapi({ description: "converted carts archived to R2, as archived" }),
  })
  .openapi("CustomerDataExport");

const Counts = (keys: readonly string[]) => z.object(Object.fromEntries(keys.map((key) => [key, z.int()])));

export const ErasureReceiptSchema = z
  .object({
    companyId: z.string(),
    customerId: z.string(),
    erasedAt: z.string(),
    durableObjects: Counts(["objects", "documents", "pendingChanges", "idempotencyRecords", "socketsClosed"]),
    postgres: Counts([
      "sessionsTombstoned",
      "sessionsAnonymized",
      "cartsAnonymized",
      "wishlistsAnonymized",
      "wishlistNotesCleared",
      "comparisonsAnonymized",
      "conversionsDeleted",
      "customerRecordsDeleted",
    ]),
    archive: Counts(["objectsRewritten", "objectsDeleted", "cartsRemoved"]),
  })
  .openapi("ErasureReceipt");

export const PrivacyRequestSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    action: z.enum(["export", "erase"]),
    outcome: z.enum(["completed", "not_found"]),
    actorSub: z.string(),
    actorRole: z.string(),
    requestId: z.string().nullable(),
    counts: z.record(z.string(), z.record(z.string(), z.number())),
    requestedAt: z.string(),
  })
  .openapi("PrivacyRequest");

export const PrivacyRequestsQuery = z.object({
  customerId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
