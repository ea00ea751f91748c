// The catalog feed's writes: one transaction per batch, INSERT … ON CONFLICT (id) DO UPDATE.
//
// Tenant safety rests on one rule, applied to every upsert: the DO UPDATE only fires when the
// existing row belongs to the caller's company (`WHERE t.company_id = excluded.company_id`).
// A row of another company is therefore skipped, not overwritten; RETURNING then yields fewer
// ids than were sent, and the whole batch is rolled back as a 404 that looks exactly like a
// missing row. Rows are written in id order so that two overlapping batches lock rows in the
// same order and cannot deadlock each other.
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { siteSettingColumns } from "../../catalog/lookup";
import type { Database } from "../../db/client";
import { postgresErrorOf } from "../../db/errors";
import { bundleItems, bundles, companies, products, productVariants, promotions, sites } from "../../db/schema";
import { excludedExcept } from "../../db/upsert";
import { ApiError, type FieldError } from "../../lib/errors";
import type { BundleInput, CompanyInput, CompanyOutput, ProductInput, PromotionInput, SiteInput } from "./schema";

type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** The tenant guard of every upsert (see the file comment). */
const sameCompany = (companyId: PgColumn) => sql`${companyId} = excluded.company_id`;

/**
 * DO UPDATE SET of a feed upsert: every column the feed sends takes the incoming value, and
 * updatedAt moves. The feed sends a row's whole definition, so that is every column but the
 * row's identity (id, company, and the names in `keep`) and its timestamps.
 */
const fromFeed = (table: PgTable, keep: string[] = []) => ({
  ...excludedExcept(table, ["id", "companyId", "createdAt", "updatedAt", ...keep]),
  updatedAt: sql`now()`,
});

/** The conflict clause of a company-owned row: replaced from the feed, but only if it is the caller's. */
const ownRowFromFeed = (table: PgTable & { id: PgColumn; companyId: PgColumn }) => ({
  target: table.id,
  set: fromFeed(table),
  setWhere: sameCompany(table.companyId),
});
const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));

// ---------------------------------------------------------------------------------------------
// Company and sites
// ---------------------------------------------------------------------------------------------

export async function getCompany(db: Database, companyId: string): Promise<CompanyOutput | null> {
  const [company] = await db
    .select({
      id: companies.id,
      name: companies.name,
      slug: companies.slug,
      active: companies.active,
      dataResidency: companies.dataResidency,
    })
    .from(companies)
    .where(eq(companies.id, companyId));
  if (!company) return null;
  const rows = await db
    .select({ ...siteSettingColumns, domain: sites.domain, active: sites.active })
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
      // A feed that leaves dataResidency out leaves it as it is.
      .onConflictDoUpdate({
        target: companies.id,
        set: fromFeed(companies, input.dataResidency ? [] : ["dataResidency"]),
      });
  });
}

export async function upsertSites(db: Database, companyId: string, input: SiteInput[]): Promise<string[]> {
  return writeForCompany(db, companyId, async (tx) => {
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
      .onConflictDoUpdate(ownRowFromFeed(sites))
      .returning({ id: sites.id });
    return requireAllWritten("Site", input, written);
  });
}

// ---------------------------------------------------------------------------------------------
// Products and variants
// ---------------------------------------------------------------------------------------------

export async function upsertProducts(db: Database, companyId: string, input: ProductInput[]): Promise<string[]> {
  return writeForCompany(db, companyId, async (tx) => {
    await refuseTakenKeys(tx, companyId, products, "product", "sku", input);

    const written = await tx
      .insert(products)
      .values(byId(input).map(({ variants: _variants, ...product }) => ({ ...product, companyId })))
      .onConflictDoUpdate(ownRowFromFeed(products))
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
  await refuseTakenKeys(tx, companyId, productVariants, "variant", "sku", variants);

  const written = await tx
    .insert(productVariants)
    .values(byId(variants))
    .onConflictDoUpdate({
      target: productVariants.id,
      set: fromFeed(productVariants, ["productId"]),
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
  return writeForCompany(db, companyId, async (tx) => {
    await requireOwnComponents(tx, companyId, input);
    const written = await tx
      .insert(bundles)
      .values(byId(input).map(({ items: _items, ...bundle }) => ({ ...bundle, companyId })))
      .onConflictDoUpdate(ownRowFromFeed(bundles))
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
  return writeForCompany(db, companyId, async (tx) => {
    await refuseTakenKeys(tx, companyId, promotions, "promotion", "code", input);

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
      .onConflictDoUpdate(ownRowFromFeed(promotions))
      .returning({ id: promotions.id });
    return requireAllWritten("Promotion", input, written);
  });
}

// ---------------------------------------------------------------------------------------------
// Shared rules
// ---------------------------------------------------------------------------------------------

const notFound = (what: string, ids: string[]) =>
  new ApiError("NOT_FOUND", `${what} ${ids.join(", ")} not found; nothing was written`);

/** A batch of the company's catalog rows: it must exist (it is created first, with PUT /api/catalog/company). */
function writeForCompany<T>(db: Database, companyId: string, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return write(db, async (tx) => {
    const [company] = await tx.select({ id: companies.id }).from(companies).where(eq(companies.id, companyId));
    if (!company) {
      throw new ApiError("NOT_FOUND", "Company not found; create it first with PUT /api/catalog/company");
    }
    return work(tx);
  });
}

/**
 * Rows the tenant guard skipped belong to another company: the batch is a 404 and rolls back.
 * Otherwise the ids written, in the order sent.
 */
function requireAllWritten(what: string, input: { id: string }[], written: { id: string }[]): string[] {
  if (written.length === input.length) return input.map((row) => row.id);
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
async function refuseTakenKeys<Key extends string>(
  tx: Transaction,
  companyId: string,
  table: PgTable & { id: PgColumn; companyId: PgColumn } & Record<Key, PgColumn>,
  what: string,
  key: Key,
  input: ({ id: string } & Record<Key, string>)[],
): Promise<void> {
  const existing = (await tx
    .select({ id: table.id, value: table[key] })
    .from(table.id.table)
    .where(
      and(
        eq(table.companyId, companyId),
        inArray(
          table[key],
          input.map((row) => row[key]),
        ),
      ),
    )) as { id: string; value: string }[];
  const claimedBy = new Map<string, string>(input.map((row) => [row[key], row.id]));
  const batchIds = new Set(input.map((row) => row.id));
  for (const row of existing) {
    if (claimedBy.get(row.value) !== row.id && !batchIds.has(row.id)) {
      throw new ApiError(
        "CONFLICT",
        `The ${what} ${key} "${row.value}" already belongs to ${what} ${row.id}; send that id to update it`,
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
    const pg = postgresErrorOf(error);
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
