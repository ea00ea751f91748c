// Postgres schema (drizzle). SQL names are snake_case, TypeScript properties camelCase.
// Money is integer minor units everywhere, with the ISO 4217 currency beside it. Catalog amounts
// (prices, discount values) are `integer`, bounded at the edge; a cart's amounts are `bigint`
// (`money()`), since price × quantity and the sums over 250 lines pass 2^31 (docs/design.md).
// `drizzle-kit generate` turns this file into the SQL under migrations/; never edit that SQL by hand.
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { Attributes } from "../domain/catalog";

const id = () => uuid("id").primaryKey().defaultRandom();
const timestampTz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const createdAt = () => timestampTz("created_at").notNull().defaultNow();
const updatedAt = () =>
  timestampTz("updated_at")
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
/**
 * A cart's money column (minor units): `bigint`, read and written as a JS number. The domain
 * keeps every cart amount a safe integer (src/domain/cart/limits.ts), so `mode: "number"` is exact.
 */
const money = (name: string) => bigint(name, { mode: "number" });
const currencyIsIso = (name: string, column: AnyPgColumn) => check(name, sql`${column} ~ '^[A-Z]{3}$'`);

// ---------------------------------------------------------------------------------------------
// Catalog (migration 0000_catalog). Owned by the platform; fed through service-role upserts.
// Every catalog row belongs to a company and goes with it (on delete cascade).
// ---------------------------------------------------------------------------------------------

export const bundleDiscountType = pgEnum("BundleDiscountType", ["NONE", "PERCENT", "FIXED"]);
export const promotionType = pgEnum("PromotionType", ["PERCENT", "FIXED"]);

export const companies = pgTable(
  "companies",
  {
    id: id(),
    name: text("name").notNull(),
    slug: text("slug").notNull().unique("companies_slug_key"),
    active: boolean("active").notNull().default(true),
    /**
     * Where the company's shopper sessions live (migration 0006): `eu` keeps their Durable Objects
     * in the EU jurisdiction; `global` lets Cloudflare place them near the shopper.
     */
    dataResidency: text("data_residency").$type<DataResidency>().notNull().default("global"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [check("companies_data_residency_check", sql`${t.dataResidency} in ('eu', 'global')`)],
);

export const DATA_RESIDENCIES = ["eu", "global"] as const;
export type DataResidency = (typeof DATA_RESIDENCIES)[number];

export const sites = pgTable(
  "sites",
  {
    id: id(),
    companyId: uuid("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    domain: text("domain").notNull(),
    baseUrl: text("base_url").notNull(),
    currency: text("currency").notNull(),
    /** tax rate in basis points: 825 = 8.25 % */
    taxRateBps: integer("tax_rate_bps").notNull().default(0),
    enableCart: boolean("enable_cart").notNull().default(true),
    enableWishlist: boolean("enable_wishlist").notNull().default(true),
    enableCompare: boolean("enable_compare").notNull().default(false),
    maxCompareItems: integer("max_compare_items").notNull().default(4),
    cartExpirationDays: integer("cart_expiration_days").notNull().default(30),
    isDefault: boolean("is_default").notNull().default(false),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("sites_company_id_idx").on(t.companyId),
    // At most one default site per company.
    uniqueIndex("sites_company_id_default_key").on(t.companyId).where(sql`${t.isDefault}`),
    currencyIsIso("sites_currency_check", t.currency),
    check("sites_tax_rate_bps_check", sql`${t.taxRateBps} between 0 and 10000`),
    check("sites_max_compare_items_check", sql`${t.maxCompareItems} >= 1`),
    check("sites_cart_expiration_days_check", sql`${t.cartExpirationDays} >= 1`),
  ],
);

export const customers = pgTable(
  "customers",
  {
    id: id(),
    companyId: uuid("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    email: text("email"),
    name: text("name"),
    /** the platform's own id for this customer */
    externalId: text("external_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("customers_company_id_idx").on(t.companyId)],
);

export const products = pgTable(
  "products",
  {
    id: id(),
    companyId: uuid("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    sku: text("sku").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    /** minor units of `currency` */
    price: integer("price").notNull(),
    /** ISO 4217 */
    currency: text("currency").notNull(),
    active: boolean("active").notNull().default(true),
    /** compared side by side by the comparison module */
    attributes: jsonb("attributes").$type<Attributes>().notNull().default({}),
    imageUrl: text("image_url"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("products_company_id_sku_key").on(t.companyId, t.sku),
    check("products_price_check", sql`${t.price} >= 0`),
    currencyIsIso("products_currency_check", t.currency),
  ],
);

export const productVariants = pgTable(
  "product_variants",
  {
    id: id(),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    companyId: uuid("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    sku: text("sku").notNull(),
    name: text("name").notNull(),
    /** minor units; null = the product's price */
    price: integer("price"),
    attributes: jsonb("attributes").$type<Attributes>().notNull().default({}),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("product_variants_company_id_sku_key").on(t.companyId, t.sku),
    index("product_variants_product_id_idx").on(t.productId),
    check("product_variants_price_check", sql`${t.price} >= 0`),
  ],
);

export const bundles = pgTable(
  "bundles",
  {
    id: id(),
    companyId: uuid("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    sku: text("sku"),
    active: boolean("active").notNull().default(true),
    discountType: bundleDiscountType("discount_type").notNull().default("NONE"),
    /** PERCENT: whole percent 0–100; FIXED: minor units off the bundle; NONE: 0 */
    discountValue: integer("discount_value").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("bundles_company_id_idx").on(t.companyId),
    check(
      "bundles_discount_value_check",
      sql`${t.discountValue} >= 0 and (${t.discountType} <> 'PERCENT' or ${t.discountValue} <= 100)`,
    ),
  ],
);

export const bundleItems = pgTable(
  "bundle_items",
  {
    id: id(),
    bundleId: uuid("bundle_id")
      .notNull()
      .references(() => bundles.id, { onDelete: "cascade" }),
    // No action on delete: a product in a bundle is deactivated, not deleted (deleting the
    // whole company still works, the bundle's items go in the same statement).
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    variantId: uuid("variant_id").references(() => productVariants.id),
    quantity: integer("quantity").notNull().default(1),
  },
  (t) => [
    index("bundle_items_bundle_id_idx").on(t.bundleId),
    check("bundle_items_quantity_check", sql`${t.quantity} >= 1`),
  ],
);

export const promotions = pgTable(
  "promotions",
  {
    id: id(),
    companyId: uuid("company_id")
      .notNull()
      .references(() => companies.id, { onDelete: "cascade" }),
    code: text("code").notNull(),
    type: promotionType("type").notNull(),
    /** PERCENT: whole percent 0–100; FIXED: minor units */
    value: integer("value").notNull(),
    /** minor units */
    minSubtotal: integer("min_subtotal").notNull().default(0),
    startsAt: timestampTz("starts_at"),
    endsAt: timestampTz("ends_at"),
    stackable: boolean("stackable").notNull().default(false),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("promotions_company_id_code_key").on(t.companyId, t.code),
    check("promotions_value_check", sql`${t.value} >= 0 and (${t.type} <> 'PERCENT' or ${t.value} <= 100)`),
    check("promotions_min_subtotal_check", sql`${t.minSubtotal} >= 0`),
  ],
);

// ---------------------------------------------------------------------------------------------
// Session state (migration 0001_session_state): the runbook's eight tables and two enums, with
// every index of runbook §2.2. Postgres holds a replica here: each shopper session's Durable
// Object is the single writer and its outbox upserts rows by id, guarded by the root's
// `version`. So the only foreign keys are to the tenant and to the parent row; product, site
// and customer ids are snapshots (a catalog change or a customer unknown to `customers` must
// never make replication fail). Raw tokens are never stored: `*_token_hash` is sha256 hex.
// The runbook's rollback (migrations/rollback/0001_session_state.down.sql) drops exactly these.
// ---------------------------------------------------------------------------------------------

export const cartStatus = pgEnum("CartStatus", ["ACTIVE", "MERGED", "CONVERTED", "ABANDONED", "EXPIRED"]);
export const crossSiteSessionStatus = pgEnum("CrossSiteSessionStatus", ["ACTIVE", "MERGED", "EXPIRED"]);

/** A promotion code applied to a cart, with the amount it took off (minor units). */
export interface CartDiscount {
  code: string;
  type: PromotionType;
  value: number;
  amount: number;
}

const companyRef = () =>
  uuid("company_id")
    .notNull()
    .references(() => companies.id, { onDelete: "cascade" });
/** replicator guard: an upsert only lands when its version is newer */
const version = () => integer("version").notNull().default(0);

/** Whose row it is: a cart, wishlist or comparison of one shopper session, on a site, maybe of a customer. */
const ownedBySession = () => ({
  id: id(),
  companyId: companyRef(),
  siteId: uuid("site_id"),
  customerId: uuid("customer_id"),
  /** the shopper session this row belongs to */
  sessionId: text("session_id").notNull(),
  sessionTokenHash: text("session_token_hash"),
});

/**
 * The indexes a wishlist and a comparison share: by company; by session token hash and by share
 * link hash, each finding one list; and a company's lists by creation time, for analytics
 * (migration 0002). Named `<table>_<columns>_idx|_key`, as in migrations/.
 */
const shareableListIndexes = (
  table: string,
  t: { companyId: AnyPgColumn; sessionTokenHash: AnyPgColumn; shareTokenHash: AnyPgColumn; createdAt: AnyPgColumn },
) => [
  index(`${table}_company_id_idx`).on(t.companyId),
  uniqueIndex(`${table}_session_token_hash_key`).on(t.sessionTokenHash),
  uniqueIndex(`${table}_share_token_hash_key`).on(t.shareTokenHash),
  index(`${table}_company_id_created_at_idx`).on(t.companyId, t.createdAt),
];

/** A list's share link (the hash, never the token), its size, and the replicator's version. */
const shareableList = () => ({
  shareTokenHash: text("share_token_hash"),
  sharedAt: timestampTz("shared_at"),
  itemCount: integer("item_count").notNull().default(0),
  version: version(),
});

export const carts = pgTable(
  "carts",
  {
    ...ownedBySession(),
    visitorId: text("visitor_id"),
    status: cartStatus("status").notNull().default("ACTIVE"),
    currency: text("currency").notNull(),
    subtotal: money("subtotal").notNull().default(0),
    discountTotal: money("discount_total").notNull().default(0),
    taxTotal: money("tax_total").notNull().default(0),
    shippingTotal: money("shipping_total").notNull().default(0),
    grandTotal: money("grand_total").notNull().default(0),
    itemCount: integer("item_count").notNull().default(0),
    discounts: jsonb("discounts").$type<CartDiscount[]>().notNull().default([]),
    orderId: text("order_id"),
    convertedAt: timestampTz("converted_at"),
    abandonedAt: timestampTz("abandoned_at"),
    mergedIntoCartId: uuid("merged_into_cart_id"),
    version: version(),
    lastActivityAt: timestampTz("last_activity_at").notNull().defaultNow(),
    expiresAt: timestampTz("expires_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("carts_company_id_status_idx").on(t.companyId, t.status),
    index("carts_company_id_customer_id_idx").on(t.companyId, t.customerId),
    uniqueIndex("carts_session_token_hash_key").on(t.sessionTokenHash),
    index("carts_visitor_id_idx").on(t.visitorId),
    index("carts_status_expires_at_idx").on(t.status, t.expiresAt),
    // Lifecycle jobs (migration 0011; src/jobs): retention's keyset over abandoned carts and the
    // archive's over converted ones, each reading only the rows due.
    index("carts_abandoned_at_id_idx").on(t.abandonedAt, t.id).where(sql`status IN ('ABANDONED', 'EXPIRED')`),
    index("carts_converted_at_id_idx").on(t.convertedAt, t.id).where(sql`status = 'CONVERTED'`),
    index("carts_company_id_site_id_status_idx").on(t.companyId, t.siteId, t.status),
    // An order converts one cart only (conversion is idempotent per order).
    uniqueIndex("carts_company_id_order_id_key").on(t.companyId, t.orderId),
    // Analytics (migration 0002): a company's carts by creation time, carrying every column the
    // cart series reads, so it is an index-only scan per time bucket.
    index("carts_company_id_created_at_idx").on(
      t.companyId,
      t.createdAt,
      t.status,
      t.currency,
      t.siteId,
      t.itemCount,
      t.grandTotal,
    ),
  ],
);

/** A line of a cart, in the cart or saved for later: the product as it was when added, how many, at what price. */
const cartLine = () => ({
  id: id(),
  cartId: uuid("cart_id")
    .notNull()
    .references(() => carts.id, { onDelete: "cascade" }),
  productId: uuid("product_id").notNull(),
  variantId: uuid("variant_id"),
  sku: text("sku").notNull(),
  name: text("name").notNull(),
  quantity: integer("quantity").notNull(),
  unitPrice: money("unit_price").notNull(),
});

export const cartItems = pgTable(
  "cart_items",
  {
    ...cartLine(),
    lineTotal: money("line_total").notNull(),
    /** lines added together from one bundle share this id */
    bundleGroupId: uuid("bundle_group_id"),
    bundleId: uuid("bundle_id"),
    /** the site the line was added on */
    siteId: uuid("site_id"),
    addedAt: timestampTz("added_at").notNull().defaultNow(),
    updatedAt: updatedAt(),
  },
  (t) => [index("cart_items_cart_id_idx").on(t.cartId), index("cart_items_product_id_idx").on(t.productId)],
);

export const savedCartItems = pgTable(
  "saved_cart_items",
  {
    ...cartLine(),
    siteId: uuid("site_id"),
    savedAt: timestampTz("saved_at").notNull().defaultNow(),
  },
  (t) => [index("saved_cart_items_cart_id_idx").on(t.cartId)],
);

export const wishlists = pgTable(
  "wishlists",
  {
    ...ownedBySession(),
    name: text("name").notNull().default("Wishlist"),
    ...shareableList(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [...shareableListIndexes("wishlists", t), index("wishlists_customer_id_idx").on(t.customerId)],
);

export const wishlistItems = pgTable(
  "wishlist_items",
  {
    id: id(),
    wishlistId: uuid("wishlist_id")
      .notNull()
      .references(() => wishlists.id, { onDelete: "cascade" }),
    productId: uuid("product_id").notNull(),
    variantId: uuid("variant_id"),
    priority: integer("priority").notNull().default(0),
    note: text("note"),
    addedAt: timestampTz("added_at").notNull().defaultNow(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // NULLS NOT DISTINCT: a product without a variant cannot appear twice either.
    unique("wishlist_items_wishlist_id_product_id_variant_id_key")
      .on(t.wishlistId, t.productId, t.variantId)
      .nullsNotDistinct(),
    // Analytics (migration 0007): the items added on a day, what a rollup day is recomputed from.
    index("wishlist_items_added_at_idx").on(t.addedAt),
  ],
);

export const productComparisons = pgTable(
  "product_comparisons",
  {
    ...ownedBySession(),
    ...shareableList(),
    expiresAt: timestampTz("expires_at").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    ...shareableListIndexes("product_comparisons", t),
    index("product_comparisons_company_id_customer_id_idx").on(t.companyId, t.customerId),
    index("product_comparisons_expires_at_idx").on(t.expiresAt),
    // The weekly purge's keyset (migration 0011): only the rows past 90 days are read.
    index("product_comparisons_created_at_id_idx").on(t.createdAt, t.id),
  ],
);

export const productComparisonItems = pgTable(
  "product_comparison_items",
  {
    id: id(),
    comparisonId: uuid("comparison_id")
      .notNull()
      .references(() => productComparisons.id, { onDelete: "cascade" }),
    productId: uuid("product_id").notNull(),
    variantId: uuid("variant_id"),
    position: integer("position").notNull(),
    addedAt: timestampTz("added_at").notNull().defaultNow(),
  },
  (t) => [
    // Shortened: the full column list would pass Postgres' 63-character identifier limit.
    unique("product_comparison_items_comparison_product_variant_key")
      .on(t.comparisonId, t.productId, t.variantId)
      .nullsNotDistinct(),
    // Analytics (migration 0007): the items added on a day, what a rollup day is recomputed from.
    index("product_comparison_items_added_at_idx").on(t.addedAt),
  ],
);

/**
 * When an ended cross-site session ended (retention counts from it): its merge or expiry, else
 * its last update. Plain SQL over the row's own columns, so an index can be built on it.
 */
export const ENDED_AT = sql.raw("coalesce(CASE WHEN status = 'MERGED' THEN merged_at ELSE expired_at END, updated_at)");

export const crossSiteSessions = pgTable(
  "cross_site_sessions",
  {
    id: id(),
    companyId: companyRef(),
    customerId: uuid("customer_id"),
    sessionTokenHash: text("session_token_hash"),
    status: crossSiteSessionStatus("status").notNull().default("ACTIVE"),
    originSiteId: uuid("origin_site_id"),
    sitesVisited: jsonb("sites_visited").$type<string[]>().notNull().default([]),
    transferCount: integer("transfer_count").notNull().default(0),
    mergeCount: integer("merge_count").notNull().default(0),
    mergedIntoSessionId: text("merged_into_session_id"),
    mergedAt: timestampTz("merged_at"),
    expiredAt: timestampTz("expired_at"),
    version: version(),
    lastActivityAt: timestampTz("last_activity_at").notNull().defaultNow(),
    expiresAt: timestampTz("expires_at").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("cross_site_sessions_company_id_idx").on(t.companyId),
    index("cross_site_sessions_customer_id_idx").on(t.customerId),
    uniqueIndex("cross_site_sessions_session_token_hash_key").on(t.sessionTokenHash),
    index("cross_site_sessions_status_idx").on(t.status),
    index("cross_site_sessions_expires_at_idx").on(t.expiresAt),
    // Analytics (migration 0002): a company's sessions by creation time.
    index("cross_site_sessions_company_id_created_at_idx").on(t.companyId, t.createdAt),
    // Lifecycle jobs (migration 0011; src/jobs): retention's keyset over ended sessions by the
    // time they ended, and the safety net's ACTIVE sessions past expiry. Each reads only the
    // rows due, however many sessions are live.
    index("cross_site_sessions_ended_at_id_idx")
      .on(sql`(${ENDED_AT})`, t.id)
      .where(sql`status IN ('EXPIRED', 'MERGED')`),
    index("cross_site_sessions_active_expires_at_idx").on(t.expiresAt).where(sql`status = 'ACTIVE'`),
  ],
);

export type Company = typeof companies.$inferSelect;
export type NewCompany = typeof companies.$inferInsert;
export type Site = typeof sites.$inferSelect;
export type NewSite = typeof sites.$inferInsert;
export type Customer = typeof customers.$inferSelect;
export type NewCustomer = typeof customers.$inferInsert;
export type Product = typeof products.$inferSelect;
export type NewProduct = typeof products.$inferInsert;
export type ProductVariant = typeof productVariants.$inferSelect;
export type NewProductVariant = typeof productVariants.$inferInsert;
export type Bundle = typeof bundles.$inferSelect;
export type NewBundle = typeof bundles.$inferInsert;
export type BundleItem = typeof bundleItems.$inferSelect;
export type NewBundleItem = typeof bundleItems.$inferInsert;
export type Promotion = typeof promotions.$inferSelect;
export type NewPromotion = typeof promotions.$inferInsert;
export type BundleDiscountType = (typeof bundleDiscountType.enumValues)[number];
export type PromotionType = (typeof promotionType.enumValues)[number];
export type Cart = typeof carts.$inferSelect;
export type NewCart = typeof carts.$inferInsert;
export type CartItem = typeof cartItems.$inferSelect;
export type NewCartItem = typeof cartItems.$inferInsert;
export type SavedCartItem = typeof savedCartItems.$inferSelect;
export type NewSavedCartItem = typeof savedCartItems.$inferInsert;
export type Wishlist = typeof wishlists.$inferSelect;
export type NewWishlist = typeof wishlists.$inferInsert;
export type WishlistItem = typeof wishlistItems.$inferSelect;
export type NewWishlistItem = typeof wishlistItems.$inferInsert;
export type ProductComparison = typeof productComparisons.$inferSelect;
export type NewProductComparison = typeof productComparisons.$inferInsert;
export type ProductComparisonItem = typeof productComparisonItems.$inferSelect;
export type NewProductComparisonItem = typeof productComparisonItems.$inferInsert;
export type CrossSiteSession = typeof crossSiteSessions.$inferSelect;
export type NewCrossSiteSession = typeof crossSiteSessions.$inferInsert;
export type CartStatus = (typeof cartStatus.enumValues)[number];
export type CrossSiteSessionStatus = (typeof crossSiteSessionStatus.enumValues)[number];

// ---------------------------------------------------------------------------------------------
// Replication dead letters (migration 0004). One row per resource the replication consumer could
// not write: refused for good by Postgres, undecodable, or out of retries. Identifiers only —
// never a document body, token, note, order id or SQL parameter. Ops list and replay them
// (docs/operations.md); a later successful write of the resource removes its row.
// ---------------------------------------------------------------------------------------------

export const replicationDeadLetters = pgTable(
  "replication_dead_letters",
  {
    id: id(),
    /** text, not a reference: a letter must be recordable whatever its message claims */
    companyId: text("company_id"),
    /** the ShopperSession's Durable Object id (hex), where a replay asks for the resource again */
    objectId: text("object_id"),
    sessionId: text("session_id"),
    /** session, cart, wishlist, comparison — or `message` for one that did not decode */
    resource: text("resource").notNull(),
    resourceId: text("resource_id").notNull(),
    version: integer("version").notNull().default(0),
    /** `refused` (SQLSTATE class 22/23), `invalid-message`, or `retries-exhausted` */
    reason: text("reason").notNull(),
    sqlState: text("sql_state"),
    count: integer("count").notNull().default(1),
    firstSeenAt: timestampTz("first_seen_at").notNull().defaultNow(),
    lastSeenAt: timestampTz("last_seen_at").notNull().defaultNow(),
    /** when ops last asked the session to send the resource again */
    replayedAt: timestampTz("replayed_at"),
  },
  (t) => [
    uniqueIndex("replication_dead_letters_resource_resource_id_key").on(t.resource, t.resourceId),
    index("replication_dead_letters_last_seen_at_idx").on(t.lastSeenAt),
  ],
);

export type ReplicationDeadLetter = typeof replicationDeadLetters.$inferSelect;

// ---------------------------------------------------------------------------------------------
// Conversions (migration 0005). The commerce platform converts a cart for an order with a
// service JWT; this row is written in the same request, before the cart's own replica says so,
// and is what makes an order id convert one cart only (a second cart → 409) and a repeated
// conversion answer the same receipt for as long as the row lives (retention: 2 years, with
// the converted carts it points at).
// ---------------------------------------------------------------------------------------------

export const cartConversions = pgTable(
  "cart_conversions",
  {
    companyId: companyRef(),
    orderId: text("order_id").notNull(),
    cartId: uuid("cart_id").notNull(),
    siteId: uuid("site_id"),
    customerId: uuid("customer_id"),
    currency: text("currency").notNull(),
    grandTotal: money("grand_total").notNull(),
    itemCount: integer("item_count").notNull(),
    convertedAt: timestampTz("converted_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.companyId, t.orderId] }),
    // A cart converts for one order only.
    uniqueIndex("cart_conversions_company_id_cart_id_key").on(t.companyId, t.cartId),
    index("cart_conversions_converted_at_idx").on(t.convertedAt),
  ],
);

export type CartConversion = typeof cartConversions.$inferSelect;

// ---------------------------------------------------------------------------------------------
// Privacy (migration 0006; docs/design.md, "Privacy"). `erased_sessions`: the shopper sessions
// whose data was erased for a data-subject request — the replication writer never writes a row
// of one again, so a message in flight cannot bring anything back. Session ids only: no customer
// id, token or content. `privacy_requests`: the audit of every export and erasure (who, when,
// which customer, what was found or erased, per store).
// ---------------------------------------------------------------------------------------------

export const erasedSessions = pgTable(
  "erased_sessions",
  {
    sessionId: text("session_id").primaryKey(),
    companyId: companyRef(),
    erasedAt: timestampTz("erased_at").notNull().defaultNow(),
  },
  (t) => [index("erased_sessions_company_id_idx").on(t.companyId)],
);

export const privacyRequests = pgTable(
  "privacy_requests",
  {
    id: id(),
    companyId: companyRef(),
    /** the data subject: the customer id as the company's JWTs carry it */
    customerId: text("customer_id").notNull(),
    /** `export` or `erase` */
    action: text("action").notNull(),
    /** `completed`, or `not_found` for a customer the company has nothing of */
    outcome: text("outcome").notNull(),
    /** who asked: the JWT's `sub` and role */
    actorSub: text("actor_sub").notNull(),
    actorRole: text("actor_role").notNull(),
    requestId: text("request_id"),
    /** what was found (export) or erased/anonymized (erase), per store */
    counts: jsonb("counts").$type<Record<string, Record<string, number>>>().notNull().default({}),
    requestedAt: timestampTz("requested_at").notNull().defaultNow(),
  },
  (t) => [
    index("privacy_requests_company_id_requested_at_idx").on(t.companyId, t.requestedAt),
    index("privacy_requests_company_id_customer_id_idx").on(t.companyId, t.customerId),
  ],
);

export type PrivacyRequest = typeof privacyRequests.$inferSelect;

// ---------------------------------------------------------------------------------------------
// Analytics rollups (migrations 0007–0010). One row per company, site and UTC day (and currency,
// list kind or site scope) holding exactly what the analytics definitions
// (src/modules/analytics/sql/definitions.ts) give for the raw rows of that day. Never written
// by hand: triggers on the replicated tables (0008, 0010) record each (kind, company, day) a write
// touches in analytics_dirty_days, in the writer's own transaction, and
// src/modules/analytics/sql/rollups.ts recomputes those days from the raw rows — in the
// replication consumer's transaction, and before any analytics read for rows other writers
// (jobs, erasure) touched. docs/design.md §65–.
// ---------------------------------------------------------------------------------------------

/** Which rollup a dirty day belongs to. */
export type RollupKind = "cart" | "wishlist" | "comparison" | "session";

export const analyticsDirtyDays = pgTable(
  "analytics_dirty_days",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    kind: text("kind").$type<RollupKind>().notNull(),
    /** no reference: a row must be recordable while its company's rows are being deleted */
    companyId: uuid("company_id").notNull(),
    day: date("day", { mode: "string" }).notNull(),
  },
  (t) => [index("analytics_dirty_days_company_id_idx").on(t.companyId)],
);

const rollupKey = () => ({
  companyId: companyRef(),
  /** the UTC calendar day the rows count under (their created_at, or added_at for list items) */
  day: date("day", { mode: "string" }).notNull(),
});
const counter = (name: string) => integer(name).notNull().default(0);

/** Carts by their created day (definitions: cartCounted, cartAbandoned…), per site and currency. */
export const analyticsCartDays = pgTable(
  "analytics_cart_days",
  {
    ...rollupKey(),
    siteId: uuid("site_id"),
    currency: text("currency").notNull(),
    created: counter("created"),
    counted: counter("counted"),
    active: counter("active"),
    converted: counter("converted"),
    abandoned: counter("abandoned"),
    merged: counter("merged"),
    nonEmpty: counter("non_empty"),
    nonEmptyItems: money("non_empty_items").notNull().default(0),
    nonEmptyValue: money("non_empty_value").notNull().default(0),
    revenue: money("revenue").notNull().default(0),
    /** distinct bundle groups among the lines of the day's counted carts */
    bundleAdditions: counter("bundle_additions"),
  },
  (t) => [
    unique("analytics_cart_days_company_id_day_site_id_currency_key")
      .on(t.companyId, t.day, t.siteId, t.currency)
      .nullsNotDistinct(),
  ],
);

/** Wishlists and comparisons (`kind`): lists by their created day, items by their added day. */
export const analyticsListDays = pgTable(
  "analytics_list_days",
  {
    kind: text("kind").$type<"wishlist" | "comparison">().notNull(),
    ...rollupKey(),
    siteId: uuid("site_id"),
    created: counter("created"),
    shared: counter("shared"),
    /** items the lists created that day hold now */
    items: counter("items"),
    /** items added that day (to any list of the company on the site) */
    added: counter("added"),
  },
  (t) => [
    unique("analytics_list_days_kind_company_id_day_site_id_key")
      .on(t.kind, t.companyId, t.day, t.siteId)
      .nullsNotDistinct(),
  ],
);

/**
 * Cross-site sessions by their created day. A session counts for every site it started on or
 * visited, so per-site rows do not add up to the company: `scope` is null for the company's
 * row and a site id (as text, the way sites_visited holds it) for each site's.
 */
export const analyticsSessionDays = pgTable(
  "analytics_session_days",
  {
    ...rollupKey(),
    scope: text("scope"),
    created: counter("created"),
    active: counter("active"),
    merged: counter("merged"),
    expired: counter("expired"),
    transfers: money("transfers").notNull().default(0),
    transferred: counter("transferred"),
    mergesReceived: money("merges_received").notNull().default(0),
    sites: money("sites").notNull().default(0),
  },
  (t) => [unique("analytics_session_days_company_id_day_scope_key").on(t.companyId, t.day, t.scope).nullsNotDistinct()],
);

/**
 * The ranked lists' rollups, one table for five lists (`list`), each row one thing counted on
 * one day: `cart_product` (item: product id; a units, b lines), `cart_bundle` (item: bundle id,
 * '' when none; a additions), `discount` (item: code, item2: currency; a carts, b converted
 * carts, c discount, d discount on converted carts) — scope the cart's site id, null for none,
 * summed over for the company — and `session_sites` (item: how many sites; a sessions) and
 * `site_pair` (item: from, item2: to; a sessions) — scope as in analytics_session_days.
 */
export const analyticsRankedDays = pgTable(
  "analytics_ranked_days",
  {
    list: text("list").$type<"cart_product" | "cart_bundle" | "discount" | "session_sites" | "site_pair">().notNull(),
    ...rollupKey(),
    scope: text("scope"),
    item: text("item").notNull(),
    item2: text("item2").notNull().default(""),
    a: bigint("a", { mode: "number" }).notNull().default(0),
    b: bigint("b", { mode: "number" }).notNull().default(0),
    c: bigint("c", { mode: "number" }).notNull().default(0),
    d: bigint("d", { mode: "number" }).notNull().default(0),
  },
  (t) => [
    unique("analytics_ranked_days_list_company_id_day_scope_item_item2_key")
      .on(t.list, t.companyId, t.day, t.scope, t.item, t.item2)
      .nullsNotDistinct(),
  ],
);

/**
 * The wishlists' and comparisons' top products (migrations 0009, 0010): per product, the lists
 * that had an item of it added that day and those items. "In how many lists" is distinct over
 * the whole range, so a list adding the same product (two variants) on several days must count
 * once: each (list, product) added on `day` counts in the row of its previous add day of that
 * product in the same list (`prevDay`, null for the first). Over [a, b], the lists are the rows
 * with `prevDay` null or before a — exactly each (list, product)'s first add day in the range.
 * A list counts on its own site (`siteId`), so sites add up to the company. docs/design.md §70.
 */
export const analyticsListProductDays = pgTable(
  "analytics_list_product_days",
  {
    kind: text("kind").$type<"wishlist" | "comparison">().notNull(),
    ...rollupKey(),
    siteId: uuid("site_id"),
    productId: uuid("product_id").notNull(),
    prevDay: date("prev_day", { mode: "string" }),
    /** lists that added the product that day, whose previous add of it was on prev_day */
    lists: counter("lists"),
    /** the items (variants) of the product those lists added that day */
    items: counter("items"),
  },
  (t) => [
    unique("analytics_list_product_days_key")
      .on(t.kind, t.companyId, t.day, t.siteId, t.productId, t.prevDay)
      .nullsNotDistinct(),
  ],
);
