// The replication contract: what a ShopperSession puts on the replication queue and what the
// consumer writes to Postgres. One message is one send of one session: the versions of the
// resources that changed (a session row, a cart with its lines, a wishlist or a comparison
// with its items), each already shaped as its replica rows, so the consumer knows nothing of
// the object's documents. The consumer decodes every message with these schemas; what does
// not decode is a dead letter at once.
import { z } from "zod";

/** Bumped when a message's shape changes incompatibly; the consumer refuses other versions. */
export const MESSAGE_FORMAT = 1;

/**
 * Queues take at most 128 KB per message. A body above this (a 250-line cart with long names
 * can pass 300 KB) travels through R2 instead: the message names the object (`stored`), whose
 * body is the same JSON. The margin covers the envelope and Queues' own overhead.
 */
export const MAX_INLINE_BODY_BYTES = 100_000;

const isoDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
const nullableDate = isoDate.nullable();
const id = z.string().min(1).max(200);
const nullableId = id.nullable();
/** Money in minor units: a safe integer, as the domain keeps it (bigint columns). */
const money = z.int();

const SessionRow = z.object({
  id,
  companyId: id,
  customerId: nullableId,
  sessionTokenHash: z.string().nullable(),
  status: z.enum(["ACTIVE", "MERGED", "EXPIRED"]),
  originSiteId: nullableId,
  sitesVisited: z.array(z.string()),
  transferCount: z.int(),
  mergeCount: z.int(),
  mergedIntoSessionId: nullableId,
  mergedAt: nullableDate,
  expiredAt: nullableDate,
  version: z.int(),
  lastActivityAt: isoDate,
  expiresAt: isoDate,
  createdAt: isoDate,
  updatedAt: isoDate,
});

/** Whose row a cart, wishlist or comparison is. */
const ownedBySession = {
  id,
  companyId: id,
  siteId: nullableId,
  customerId: nullableId,
  sessionId: id,
  /** The session's token hash, on the one row of its kind that holds it now (unique per table). */
  sessionTokenHash: z.string().nullable(),
  version: z.int(),
  createdAt: isoDate,
  updatedAt: isoDate,
};

const CartRow = z.object({
  ...ownedBySession,
  status: z.enum(["ACTIVE", "MERGED", "CONVERTED", "ABANDONED", "EXPIRED"]),
  currency: z.string(),
  subtotal: money,
  discountTotal: money,
  taxTotal: money,
  shippingTotal: money,
  grandTotal: money,
  itemCount: z.int(),
  discounts: z.array(
    z.object({ code: z.string(), type: z.enum(["PERCENT", "FIXED"]), value: z.number(), amount: z.number() }),
  ),
  orderId: z.string().nullable(),
  convertedAt: nullableDate,
  abandonedAt: nullableDate,
  lastActivityAt: isoDate,
  expiresAt: isoDate,
});

const productLine = {
  id,
  productId: id,
  variantId: nullableId,
  sku: z.string(),
  name: z.string(),
  quantity: z.int(),
  unitPrice: money,
  siteId: nullableId,
};

const CartItemRow = z.object({
  ...productLine,
  lineTotal: money,
  bundleGroupId: nullableId,
  bundleId: nullableId,
  addedAt: isoDate,
  updatedAt: isoDate,
});

const SavedItemRow = z.object({ ...productLine, savedAt: isoDate });

const shareableList = {
  ...ownedBySession,
  shareTokenHash: z.string().nullable(),
  sharedAt: nullableDate,
  itemCount: z.int(),
};

const WishlistRow = z.object(shareableList);
const WishlistItemRow = z.object({
  id,
  productId: id,
  variantId: nullableId,
  priority: z.int(),
  note: z.string().nullable(),
  addedAt: isoDate,
  updatedAt: isoDate,
});

const ComparisonRow = z.object({ ...shareableList, expiresAt: isoDate });
const ComparisonItemRow = z.object({ id, productId: id, variantId: nullableId, position: z.int(), addedAt: isoDate });

/** One resource version as replica rows. `id` and `version` repeat the row's, for routing and dead letters. */
export const ReplicaBody = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("session"), row: SessionRow }),
  z.object({ kind: z.literal("cart"), row: CartRow, items: z.array(CartItemRow), saved: z.array(SavedItemRow) }),
  z.object({ kind: z.literal("wishlist"), row: WishlistRow, items: z.array(WishlistItemRow) }),
  z.object({ kind: z.literal("comparison"), row: ComparisonRow, items: z.array(ComparisonItemRow) }),
]);

/** One resource version in a message: its body inline, or the R2 key of a large one. */
const ResourceEntry = z.object({
  kind: z.enum(["session", "cart", "wishlist", "comparison"]),
  resourceId: id,
  version: z.int(),
  body: z.unknown().optional(),
  stored: z.string().optional(),
});

/**
 * What travels on the queue: who sent it and the resource versions of one send. The envelope
 * is decoded first; each body (wherever it came from) then with ReplicaBody.
 */
export const ReplicationMessage = z.object({
  format: z.literal(MESSAGE_FORMAT),
  /** The sending Durable Object's id (hex): where a replay asks for the resources again. No token, no customer id. */
  objectId: z.string().regex(/^[0-9a-f]{1,128}$/),
  companyId: id,
  sessionId: id,
  resources: z.array(ResourceEntry).min(1).max(100),
});

export type ReplicaKind = z.infer<typeof ResourceEntry>["kind"];
/** A body as the producer builds it (dates as ISO strings). */
export type ReplicaBodyInput = z.input<typeof ReplicaBody>;
/** A body as the consumer writes it (dates as Date). */
export type ReplicaBodyRows = z.output<typeof ReplicaBody>;
export type ResourceEntryInput = Omit<z.input<typeof ResourceEntry>, "body"> & { body?: ReplicaBodyInput };
export type ReplicationMessageInput = Omit<z.input<typeof ReplicationMessage>, "resources"> & {
  resources: ResourceEntryInput[];
};
export type ReplicationMessageDecoded = z.output<typeof ReplicationMessage>;
export type ResourceEntryDecoded = z.output<typeof ResourceEntry>;

/** Where a large body is kept in R2: one object per resource, overwritten by newer versions. */
export const storedBodyKey = (kind: ReplicaKind, resourceId: string) => `replication/${kind}/${resourceId}.json`;
