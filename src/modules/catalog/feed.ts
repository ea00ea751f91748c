// The catalog feed's writes: one transaction per batch, INSERT … ON CONFLICT (id) DO UPDATE.
//
// Tenant safety rests on one rule, applied to every upsert: the DO UPDATE only fires when the
// existing row belongs to the caller's company (`WHERE t.company_id = excluded.company_id`).
// A row of another company is therefore skipped, not overwritten; RETURNING then yields fewer
// ids than were sent, and the whole batch is rolled back as a 404 that looks exactly like a
// missing row. Rows are written in id order so that two overlapping batches lock rows in the
// same order and cannot deadlock each other.
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { Database } from "../../db/client";
import { bundleItems, bundles, companies, products, productVariants, promotions, sites } from "../../db/schema";
import { excluded } from "../../db/upsert";
import { ApiError, type FieldError } from "../../lib/errors";
import type { BundleInput, CompanyInput, CompanyOutput, ProductInput, PromotionInput, SiteInput } from "./schema";

type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** The tenant guard of every upsert (see the file comment). */
const sameCompany = (companyId: PgColumn) => sql`${companyId} = excluded.company_id`;
const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));

// ---------------------------------------------------------------------------------------------
// Company and sites
// ---------------------------------------------------------------------------------------------

export async function getCompany(db: Database, companyId: string): Promise<CompanyOutput | null> {
  const [company] = await db
    .select({ id: companies.id, name: companies.name, slug: companies.slug, active: companies.active })
    .from(companies)
    .where(eq(companies.id, companyId));
  if (!company) return null;
  const rows = await db
    .select({
      id: sites.id,
      name: sites.name,
      domain: sites.domain,
      baseUrl: sites.baseUrl,
      currency: sites.currency,
      taxRateBps: sites.taxRateBps,
      enableCart: sites.enableCart,
      enableWishlist: sites.enableWishlist,
      enableCompare: sites.enableCompare,
      maxCompareItems: sites.maxCompareItems,
      cartExpirationDays: sites.cartExpirationDays,
      isDefault: sites.isDefault,
      active: sites.active,
    })
    .from(sites)
    .where(eq(sites.companyId, companyId))
    .orderBy(asc(sites.createdAt), asc(sites.id));
  return { ...company, sites: rows };
}

/** Creates or updates the caller's own company row (its id is the token's companyId). */
export async function upsertCompany(db: Database, companyId: string, input: CompanyInput): Promise<void> {
  await write(db, async (tx) => {
    const [taken] = await tx
      .select({ id: companies.id })
      .from(companies)
      .where(and(eq(companies.slug, input.slug), ne(companies.id, companyId)));
    if (taken) throw new ApiError("CONFLICT", `The slug "${input.slug}" is already in use`);
    await tx
      .insert(companies)
      .values({ id: companyId, ...input })
      .onConflictDoUpdate({
        target: companies.id,
        set: {
          name: excluded(companies.name),
          slug: excluded(companies.slug),
          active: excluded(companies.active),
          updatedAt: sql`now()`,
        },
      });
  });
}

export async function upsertSites(db: Database, companyId: string, input: SiteInput[]): Promise<string[]> {
  return write(db, async (tx) => {
    await requireCompany(tx, companyId);
    // One default per company (a partial unique index): a new default displaces the old one.
    const newDefault = input.find((site) => site.isDefault);
    if (newDefault) {
      await tx
        .update(sites)
        .set({ isDefault: false })
        .where(and(eq(sites.companyId, companyId), eq(sites.isDefault, true), ne(sites.id, newDefault.id)));
    }
    const written = await tx
      .insert(sites)
      .values(byId(input).map((site) => ({ ...site, companyId })))
      .onConflictDoUpdate({
        target: sites.id,
        set: {
          name: excluded(sites.name),
          domain: excluded(sites.domain),
          baseUrl: excluded(sites.baseUrl),
          currency: excluded(sites.currency),
          taxRateBps: excluded(sites.taxRateBps),
          enableCart: excluded(sites.enableCart),
          enableWishlist: excluded(sites.enableWishlist),
          enableCompare: excluded(sites.enableCompare),
          maxCompareItems: excluded(sites.maxCompareItems),
          cartExpirationDays: excluded(sites.cartExpirationDays),
          isDefault: excluded(sites.isDefault),
          active: excluded(sites.active),
          updatedAt: sql`now()`,
        },
        setWhere: sameCompany(sites.companyId),
      })
      .returning({ id: sites.id });
    requireAllWritten("Site", input, written);
    return input.map((site) => site.id);
  });
}

// ---------------------------------------------------------------------------------------------
// Products and variants
// ---------------------------------------------------------------------------------------------

export async function upsertProducts(db: Database, companyId: string, input: ProductInput[]): Promise<string[]> {
  return write(db, async (tx) => {
    await requireCompany(tx, companyId);
    await refuseTakenKeys(
      tx,
      companyId,
      { id: products.id, key: products.sku, company: products.companyId },
      "product",
      "sku",
      input,
      (product) => product.sku,
    );

    const written = await tx
      .insert(products)
      .values(byId(input).map(({ variants: _variants, ...product }) => ({ ...product, companyId })))
      .onConflictDoUpdate({
        target: products.id,
        set: {
          sku: excluded(products.sku),
          name: excluded(products.name),
          description: excluded(products.description),
          price: excluded(products.price),
          currency: excluded(products.currency),
          active: excluded(products.active),
          attributes: excluded(products.attributes),
          imageUrl: excluded(products.imageUrl),
          updatedAt: sql`now()`,
        },
        setWhere: sameCompany(products.companyId),
      })
      .returning({ id: products.id });
    requireAllWritten("Product", input, written);

    const variants = input.flatMap((product) =>
      (product.variants ?? []).map((variant) => ({ ...variant, productId: product.id, companyId })),
    );
    if (variants.length > 0) await upsertVariants(tx, companyId, variants);
    return input.map((product) => product.id);
  });
}

type VariantRow = typeof productVariants.$inferInsert & { id: string; sku: string; productId: string };

async function upsertVariants(tx: Transaction, companyId: string, variants: VariantRow[]): Promise<void> {
  await refuseTakenKeys(
    tx,
    companyId,
    { id: productVariants.id, key: productVariants.sku, company: productVariants.companyId },
    "variant",
    "sku",
    variants,
    (variant) => variant.sku,
  );

  const written = await tx
    .insert(productVariants)
    .values(byId(variants))
    .onConflictDoUpdate({
      target: productVariants.id,
      set: {
        sku: excluded(productVariants.sku),
        name: excluded(productVariants.name),
        price: excluded(productVariants.price),
        attributes: excluded(productVariants.attributes),
        active: excluded(productVariants.active),
        updatedAt: sql`now()`,
      },
      // A variant stays with its product: bundles and cart lines name both.
      setWhere: sql`${sameCompany(productVariants.companyId)} and ${productVariants.productId} = excluded.product_id`,
    })
    .returning({ id: productVariants.id });
  const writtenIds = new Set(written.map((row) => row.id));
  const skipped = variants.filter((variant) => !writtenIds.has(variant.id)).map((variant) => variant.id);
  if (skipped.length === 0) return;
  const moved = await tx
    .select({ id: productVariants.id, productId: productVariants.productId })
    .from(productVariants)
    .where(and(eq(productVariants.companyId, companyId), inArray(productVariants.id, skipped)));
  const [first] = moved;
  if (first) {
    throw new ApiError(
      "CONFLICT",
      `Variant ${first.id} belongs to product ${first.productId}; a variant cannot move to another product`,
    );
  }
  throw notFound("Variant", skipped);
}

// ---------------------------------------------------------------------------------------------
// Bundles
// ---------------------------------------------------------------------------------------------

export async function upsertBundles(db: Database, companyId: string, input: BundleInput[]): Promise<string[]> {
  return write(db, async (tx) => {
    await requireCompany(tx, companyId);
    await requireOwnComponents(tx, companyId, input);
    const written = await tx
      .insert(bundles)
      .values(byId(input).map(({ items: _items, ...bundle }) => ({ ...bundle, companyId })))
      .onConflictDoUpdate({
        target: bundles.id,
        set: {
          name: excluded(bundles.name),
          sku: excluded(bundles.sku),
          active: excluded(bundles.active),
          discountType: excluded(bundles.discountType),
          discountValue: excluded(bundles.discountValue),
          updatedAt: sql`now()`,
        },
        setWhere: sameCompany(bundles.companyId),
      })
      .returning({ id: bundles.id });
    requireAllWritten("Bundle", input, written);

    // Items are replaced wholesale: the feed sends a bundle's complete definition.
    const ids = input.map((bundle) => bundle.id);
    await tx.delete(bundleItems).where(inArray(bundleItems.bundleId, ids));
    await tx.insert(bundleItems).values(
      byId(input).flatMap((bundle) =>
        bundle.items.map((item) => ({
          bundleId: bundle.id,
          productId: item.productId,
          variantId: item.variantId,
          quantity: item.quantity,
        })),
      ),
    );
    return ids;
  });
}

/**
 * Every product and variant a bundle names must be in the caller's catalog (a variant under
 * the product named beside it). Missing and foreign look the same: 422 BUNDLE_UNAVAILABLE,
 * listing each offending item.
 */
async function requireOwnComponents(tx: Transaction, companyId: string, input: BundleInput[]): Promise<void> {
  const items = input.flatMap((bundle) => bundle.items);
  const productIds = [...new Set(items.map((item) => item.productId))];
  const variantIds = [...new Set(items.flatMap((item) => (item.variantId ? [item.variantId] : [])))];
  const ownProducts = new Set(
    (
      await tx
        .select({ id: products.id })
        .from(products)
        .where(and(eq(products.companyId, companyId), inArray(products.id, productIds)))
    ).map((row) => row.id),
  );
  const ownVariants = new Map(
    variantIds.length === 0
      ? []
      : (
          await tx
            .select({ id: productVariants.id, productId: productVariants.productId })
            .from(productVariants)
            .where(and(eq(productVariants.companyId, companyId), inArray(productVariants.id, variantIds)))
        ).map((row) => [row.id, row.productId]),
  );

  const errors: FieldError[] = [];
  input.forEach((bundle, bundleIndex) => {
    bundle.items.forEach((item, itemIndex) => {
      const field = `body.bundles.${bundleIndex}.items.${itemIndex}`;
      if (!ownProducts.has(item.productId)) {
        errors.push({ field: `${field}.productId`, message: `product ${item.productId} not found` });
      } else if (item.variantId && ownVariants.get(item.variantId) !== item.productId) {
        errors.push({
          field: `${field}.variantId`,
          message: `variant ${item.variantId} of product ${item.productId} not found`,
        });
      }
    });
  });
  if (errors.length > 0) {
    throw new ApiError(
      "BUNDLE_UNAVAILABLE",
      "A bundle names products or variants that are not in this company's catalog; nothing was written",
      { errors },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Promotions
// ---------------------------------------------------------------------------------------------

export async function upsertPromotions(db: Database, companyId: string, input: PromotionInput[]): Promise<string[]> {
  return write(db, async (tx) => {
    await requireCompany(tx, companyId);
    await refuseTakenKeys(
      tx,
      companyId,
      { id: promotions.id, key: promotions.code, company: promotions.companyId },
      "promotion",
      "code",
      input,
      (promotion) => promotion.code,
    );

    const written = await tx
      .insert(promotions)
      .values(
        byId(input).map((promotion) => ({
          ...promotion,
          companyId,
          startsAt: promotion.startsAt ? new Date(promotion.startsAt) : null,
          endsAt: promotion.endsAt ? new Date(promotion.endsAt) : null,
        })),
      )
      .onConflictDoUpdate({
        target: promotions.id,
        set: {
          code: excluded(promotions.code),
          type: excluded(promotions.type),
          value: excluded(promotions.value),
          minSubtotal: excluded(promotions.minSubtotal),
          startsAt: excluded(promotions.startsAt),
          endsAt: excluded(promotions.endsAt),
          stackable: excluded(promotions.stackable),
          active: excluded(promotions.active),
          updatedAt: sql`now()`,
        },
        setWhere: sameCompany(promotions.companyId),
      })
      .returning({ id: promotions.id });
    requireAllWritten("Promotion", input, written);
    return input.map((promotion) => promotion.id);
  });
}

// ---------------------------------------------------------------------------------------------
// Shared rules
// ---------------------------------------------------------------------------------------------

const notFound = (what: string, ids: string[]) =>
  new ApiError("NOT_FOUND", `${what} ${ids.join(", ")} not found; nothing was written`);

async function requireCompany(tx: Transaction, companyId: string): Promise<void> {
  const [company] = await tx.select({ id: companies.id }).from(companies).where(eq(companies.id, companyId));
  if (!company) {
    throw new ApiError("NOT_FOUND", "Company not found; create it first with PUT /api/catalog/company");
  }
}

/** Rows the tenant guard skipped belong to another company: the batch is a 404 and rolls back. */
function requireAllWritten(what: string, input: { id: string }[], written: { id: string }[]): void {
  if (written.length === input.length) return;
  const writtenIds = new Set(written.map((row) => row.id));
  throw notFound(
    what,
    input.filter((row) => !writtenIds.has(row.id)).map((row) => row.id),
  );
}

/**
 * A unique key of the company (product sku, variant sku, promotion code) held by a row that
 * is not the one claiming it → 409. A row of the batch that gives its key up in the same call
 * is let through; should Postgres still see both at once, the 23505 becomes a 409 anyway.
 */
async function refuseTakenKeys<T extends { id: string }>(
  tx: Transaction,
  companyId: string,
  columns: { id: PgColumn; key: PgColumn; company: PgColumn },
  what: string,
  keyName: string,
  input: T[],
  key: (row: T) => string,
): Promise<void> {
  const existing = (await tx
    .select({ id: columns.id, value: columns.key })
    .from(columns.id.table)
    .where(
      and(
        eq(columns.company, companyId),
        inArray(
          columns.key,
          input.map((row) => key(row)),
        ),
      ),
    )) as { id: string; value: string }[];
  const claimedBy = new Map(input.map((row) => [key(row), row.id]));
  const batchIds = new Set(input.map((row) => row.id));
  for (const row of existing) {
    if (claimedBy.get(row.value) !== row.id && !batchIds.has(row.id)) {
      throw new ApiError(
        "CONFLICT",
        `The ${what} ${keyName} "${row.value}" already belongs to ${what} ${row.id}; send that id to update it`,
      );
    }
  }
}

const CONSTRAINT_MEANING: Record<string, string> = {
  companies_slug_key: "The company slug is already in use",
  products_company_id_sku_key: "A product sku is already used by another product",
  product_variants_company_id_sku_key: "A variant sku is already used by another variant",
  promotions_company_id_code_key: "A promotion code is already used by another promotion",
  sites_company_id_default_key: "Another site is already the default",
};

/** Runs one batch in a transaction; Postgres errors that are the caller's doing become 4xx. */
async function write<T>(db: Database, work: (tx: Transaction) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(work);
  } catch (error) {
    const pg = postgresError(error);
    if (pg?.code === "23505") {
      const meaning = CONSTRAINT_MEANING[pg.constraint ?? ""] ?? "A unique key is already in use";
      throw new ApiError("CONFLICT", `${meaning}; nothing was written`, { cause: error });
    }
    if (pg?.code === "23503") {
      const detail = "A referenced catalog row was not found (deleted meanwhile?); nothing was written";
      throw new ApiError("NOT_FOUND", detail, { cause: error });
    }
    // Two feeds racing on the same rows: safe to retry, nothing was written.
    if (pg?.code === "40P01" || pg?.code === "40001") {
      throw new ApiError("UNAVAILABLE", "A concurrent catalog write got in the way; retry the call", {
        headers: { "Retry-After": "1" },
        cause: error,
      });
    }
    throw error;
  }
}

/** The driver's error (with SQLSTATE `code`) under drizzle's DrizzleQueryError wrapper. */
function postgresError(error: unknown): { code?: string; constraint?: string } | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if ("code" in current && typeof current.code === "string") return current as { code: string; constraint?: string };
    current = current.cause;
  }
  return undefined;
}
