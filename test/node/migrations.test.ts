// Round trip of the drizzle-kit migrations and the runbook §2.3 rollback, on a database of
// its own (created on the test server, dropped afterwards): migrate → every runbook §2.2
// index is there → rollback → session state gone, catalog intact → migrate again.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  migrateDatabase,
  migrationHash,
  readJournal,
  rollbackSessionState,
  SESSION_STATE_DEPENDENT_MIGRATIONS,
  SESSION_STATE_MIGRATIONS,
} from "../../scripts/lib/migrate.ts";

/** Every migration after the catalog: the rollback undoes all of them, and migrate re-applies them. */
// in journal order (0011, indexes only, is a session-state migration after the dependent ones)
const UNDONE_BY_ROLLBACK = [...SESSION_STATE_MIGRATIONS, ...SESSION_STATE_DEPENDENT_MIGRATIONS].sort();
/** Dropped with the session tables: the replication dead letters describe their rows. */
// newest first, the order the rollback drops them in
const DEPENDENT_TABLES = [
  "analytics_list_product_days",
  "analytics_ranked_days",
  "analytics_session_days",
  "analytics_list_days",
  "analytics_cart_days",
  "analytics_dirty_days",
  "privacy_requests",
  "erased_sessions",
  "cart_conversions",
  "replication_dead_letters",
];

const SESSION_TABLES = [
  "cross_site_sessions",
  "product_comparison_items",
  "product_comparisons",
  "wishlist_items",
  "wishlists",
  "saved_cart_items",
  "cart_items",
  "carts",
];
const SESSION_ENUMS = ["CrossSiteSessionStatus", "CartStatus"];
const CATALOG_TABLES = [
  "companies",
  "sites",
  "customers",
  "products",
  "product_variants",
  "bundles",
  "bundle_items",
  "promotions",
];

/** Widened by 0003_cart_money_bigint: a cart's sums and products pass 2^31 minor units. */
const BIGINT_MONEY_COLUMNS = [
  "cart_items.line_total",
  "cart_items.unit_price",
  "carts.discount_total",
  "carts.grand_total",
  "carts.shipping_total",
  "carts.subtotal",
  "carts.tax_total",
  "saved_cart_items.unit_price",
];
/** Catalog amounts stay integer: single values bounded at the edge (MAX_INT4), never sums. */
const INTEGER_CATALOG_MONEY_COLUMNS = [
  "bundles.discount_value",
  "product_variants.price",
  "products.price",
  "promotions.min_subtotal",
  "promotions.value",
];

interface ExpectedIndex {
  table: string;
  name: string;
  columns: string[];
  unique: boolean;
  nullsNotDistinct?: boolean;
}

// Runbook §2.2, row by row (sessionToken → session_token_hash, sharedUrl/shareToken →
// share_token_hash), then the extra unique keys the design adds.
const RUNBOOK_INDEXES: ExpectedIndex[] = [
  { table: "carts", name: "carts_company_id_status_idx", columns: ["company_id", "status"], unique: false },
  { table: "carts", name: "carts_company_id_customer_id_idx", columns: ["company_id", "customer_id"], unique: false },
  { table: "carts", name: "carts_session_token_hash_key", columns: ["session_token_hash"], unique: true },
  { table: "carts", name: "carts_visitor_id_idx", columns: ["visitor_id"], unique: false },
  { table: "carts", name: "carts_status_expires_at_idx", columns: ["status", "expires_at"], unique: false },
  {
    table: "carts",
    name: "carts_company_id_site_id_status_idx",
    columns: ["company_id", "site_id", "status"],
    unique: false,
  },
  { table: "cart_items", name: "cart_items_cart_id_idx", columns: ["cart_id"], unique: false },
  { table: "cart_items", name: "cart_items_product_id_idx", columns: ["product_id"], unique: false },
  { table: "wishlists", name: "wishlists_company_id_idx", columns: ["company_id"], unique: false },
  { table: "wishlists", name: "wishlists_customer_id_idx", columns: ["customer_id"], unique: false },
  { table: "wishlists", name: "wishlists_session_token_hash_key", columns: ["session_token_hash"], unique: true },
  { table: "wishlists", name: "wishlists_share_token_hash_key", columns: ["share_token_hash"], unique: true },
  {
    table: "wishlist_items",
    name: "wishlist_items_wishlist_id_product_id_variant_id_key",
    columns: ["wishlist_id", "product_id", "variant_id"],
    unique: true,
    nullsNotDistinct: true,
  },
  { table: "product_comparisons", name: "product_comparisons_company_id_idx", columns: ["company_id"], unique: false },
  {
    table: "product_comparisons",
    name: "product_comparisons_company_id_customer_id_idx",
    columns: ["company_id", "customer_id"],
    unique: false,
  },
  {
    table: "product_comparisons",
    name: "product_comparisons_session_token_hash_key",
    columns: ["session_token_hash"],
    unique: true,
  },
  {
    table: "product_comparisons",
    name: "product_comparisons_share_token_hash_key",
    columns: ["share_token_hash"],
    unique: true,
  },
  { table: "product_comparisons", name: "product_comparisons_expires_at_idx", columns: ["expires_at"], unique: false },
  { table: "cross_site_sessions", name: "cross_site_sessions_company_id_idx", columns: ["company_id"], unique: false },
  {
    table: "cross_site_sessions",
    name: "cross_site_sessions_customer_id_idx",
    columns: ["customer_id"],
    unique: false,
  },
  {
    table: "cross_site_sessions",
    name: "cross_site_sessions_session_token_hash_key",
    columns: ["session_token_hash"],
    unique: true,
  },
  { table: "cross_site_sessions", name: "cross_site_sessions_status_idx", columns: ["status"], unique: false },
  { table: "cross_site_sessions", name: "cross_site_sessions_expires_at_idx", columns: ["expires_at"], unique: false },
];
const EXTRA_SESSION_INDEXES: ExpectedIndex[] = [
  { table: "carts", name: "carts_company_id_order_id_key", columns: ["company_id", "order_id"], unique: true },
  { table: "saved_cart_items", name: "saved_cart_items_cart_id_idx", columns: ["cart_id"], unique: false },
  {
    table: "product_comparison_items",
    name: "product_comparison_items_comparison_product_variant_key",
    columns: ["comparison_id", "product_id", "variant_id"],
    unique: true,
    nullsNotDistinct: true,
  },
];

interface IndexRow {
  table: string;
  name: string;
  columns: string[];
  unique: boolean;
  nullsNotDistinct: boolean;
  partial: boolean;
}

const databaseName = `crosscart_mig_${randomBytes(6).toString("hex")}`;
let serverUrl: URL;
let databaseUrl: string;
let client: pg.Client;

beforeAll(async () => {
  serverUrl = new URL(inject("databaseUrl"));
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${databaseName}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  databaseUrl = url.toString();
  client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  if (serverUrl) await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`));
});

describe("migrations round trip", () => {
  it("applies every migration and records them the way drizzle does", async () => {
    const journal = await readJournal();
    expect(journal.map((entry) => entry.tag)).toEqual(["0000_catalog", ...UNDONE_BY_ROLLBACK]);

    expect(await migrateDatabase(databaseUrl)).toEqual({ applied: ["0000_catalog", ...UNDONE_BY_ROLLBACK] });

    const { rows } = await client.query<{ hash: string; created_at: string }>(
      "SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at",
    );
    const expected = await Promise.all(
      journal.map(async (entry) => ({ hash: await migrationHash(entry.tag), created_at: String(entry.when) })),
    );
    expect(rows).toEqual(expected);
  });

  it("is idempotent: a second migrate applies nothing", async () => {
    expect(await migrateDatabase(databaseUrl)).toEqual({ applied: [] });
    const { rows } = await client.query("SELECT 1 FROM drizzle.__drizzle_migrations");
    expect(rows).toHaveLength(1 + UNDONE_BY_ROLLBACK.length);
  });

  it("creates the eight session tables, both enums and the catalog", async () => {
    expect(await existingTables([...SESSION_TABLES, ...CATALOG_TABLES])).toEqual(
      [...SESSION_TABLES, ...CATALOG_TABLES].sort(),
    );
    expect(await enumLabels("CartStatus")).toEqual(["ACTIVE", "MERGED", "CONVERTED", "ABANDONED", "EXPIRED"]);
    expect(await enumLabels("CrossSiteSessionStatus")).toEqual(["ACTIVE", "MERGED", "EXPIRED"]);
  });

  it.each([...RUNBOOK_INDEXES, ...EXTRA_SESSION_INDEXES])("has index $name", async (expected) => {
    const indexes = await indexesOf(expected.table);
    const index = indexes.find((candidate) => candidate.name === expected.name);
    expect(index).toEqual({
      table: expected.table,
      name: expected.name,
      columns: expected.columns,
      unique: expected.unique,
      nullsNotDistinct: expected.nullsNotDistinct ?? false,
      partial: false,
    });
  });

  it("makes a cart's money columns bigint and leaves the catalog's integer", async () => {
    expect(await columnTypes(BIGINT_MONEY_COLUMNS)).toEqual(BIGINT_MONEY_COLUMNS.map(() => "bigint"));
    expect(await columnTypes(INTEGER_CATALOG_MONEY_COLUMNS)).toEqual(
      INTEGER_CATALOG_MONEY_COLUMNS.map(() => "integer"),
    );
  });

  it("stores cart totals above 2^31 exactly", async () => {
    const { rows } = await client.query<{ id: string }>(
      "INSERT INTO companies (name, slug) VALUES ('Big', $1) RETURNING id",
      [`big-${databaseName}`],
    );
    // 250 lines × 999 × (2^31 - 1): the largest subtotal the domain allows.
    const subtotal = 250 * 999 * 2_147_483_647;
    const cart = await client.query<{ subtotal: string; grand_total: string }>(
      `INSERT INTO carts (company_id, session_id, currency, subtotal, grand_total)
       VALUES ($1, 's1', 'USD', $2, $2) RETURNING subtotal, grand_total`,
      [rows[0]?.id, subtotal],
    );
    expect(cart.rows[0]).toEqual({ subtotal: String(subtotal), grand_total: String(subtotal) });
    await client.query("DELETE FROM companies WHERE id = $1", [rows[0]?.id]);
  });

  it("keeps a product without variant once per wishlist (NULLS NOT DISTINCT)", async () => {
    const { rows } = await client.query<{ id: string }>(
      "INSERT INTO companies (name, slug) VALUES ('Acme', $1) RETURNING id",
      [`acme-${databaseName}`],
    );
    const companyId = rows[0]?.id;
    const wishlist = await client.query<{ id: string }>(
      "INSERT INTO wishlists (company_id, session_id) VALUES ($1, 's1') RETURNING id",
      [companyId],
    );
    const wishlistId = wishlist.rows[0]?.id;
    const productId = "00000000-0000-4000-8000-000000000001";
    const insert = "INSERT INTO wishlist_items (wishlist_id, product_id) VALUES ($1, $2)";
    await client.query(insert, [wishlistId, productId]);
    await expect(client.query(insert, [wishlistId, productId])).rejects.toMatchObject({ code: "23505" });
  });

  it("db:rollback refuses without --yes and leaves everything in place", async () => {
    const run = execScript("db-rollback.ts", [], { DATABASE_URL: databaseUrl });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("--yes") });
    expect(await existingTables(SESSION_TABLES)).toHaveLength(SESSION_TABLES.length);
  });

  it("db:migrate explains a missing DATABASE_URL", async () => {
    const run = execScript("db-migrate.ts", [], { DATABASE_URL: "" });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("DATABASE_URL is not set") });
  });

  it("rolls back the session state with the runbook SQL and forgets the migration", async () => {
    const result = await rollbackSessionState(databaseUrl);
    expect(result).toEqual({
      droppedTables: [...DEPENDENT_TABLES, ...SESSION_TABLES],
      droppedEnums: SESSION_ENUMS,
      journalRowsDeleted: UNDONE_BY_ROLLBACK.length,
    });

    expect(await existingTables([...SESSION_TABLES, ...DEPENDENT_TABLES])).toEqual([]);
    expect(await existingTypes(SESSION_ENUMS)).toEqual([]);
    expect(await existingTables(CATALOG_TABLES)).toEqual([...CATALOG_TABLES].sort());
    expect(await existingTypes(["BundleDiscountType", "PromotionType"])).toEqual([
      "BundleDiscountType",
      "PromotionType",
    ]);
    const companies = await client.query("SELECT 1 FROM companies");
    expect(companies.rowCount).toBe(1);

    const { rows } = await client.query<{ created_at: string }>("SELECT created_at FROM drizzle.__drizzle_migrations");
    const catalog = (await readJournal())[0];
    expect(rows.map((row) => row.created_at)).toEqual([String(catalog?.when)]);
  });

  it("db:rollback with CONFIRM=yes is a no-op once rolled back, and says so", async () => {
    const { stdout } = await execScript("db-rollback.ts", [], { DATABASE_URL: databaseUrl, CONFIRM: "yes" });
    expect(stdout).toContain("dropped tables: (none present)");
    expect(stdout).toContain("dropped enums:  (none present)");
    expect(stdout).not.toContain(`:${serverUrl.password}@`);
  });

  it("re-applies the session state on the next migrate", async () => {
    expect(await migrateDatabase(databaseUrl)).toEqual({ applied: UNDONE_BY_ROLLBACK });
    expect(await existingTables([...SESSION_TABLES, ...DEPENDENT_TABLES])).toEqual(
      [...SESSION_TABLES, ...DEPENDENT_TABLES].sort(),
    );
    expect(await existingTypes(SESSION_ENUMS)).toEqual([...SESSION_ENUMS].sort());
    const names = new Set((await indexesOf(...SESSION_TABLES)).map((index) => index.name));
    for (const expected of [...RUNBOOK_INDEXES, ...EXTRA_SESSION_INDEXES]) expect(names).toContain(expected.name);
    // 0001 re-creates the columns as integer; 0003, re-applied after it, widens them again.
    expect(await columnTypes(BIGINT_MONEY_COLUMNS)).toEqual(BIGINT_MONEY_COLUMNS.map(() => "bigint"));
    expect(await migrateDatabase(databaseUrl)).toEqual({ applied: [] });
  });

  it("deleting a company removes its catalog and session rows in one statement", async () => {
    const company = await client.query<{ id: string }>(
      "INSERT INTO companies (name, slug) VALUES ('Gone', $1) RETURNING id",
      [`gone-${databaseName}`],
    );
    const companyId = company.rows[0]?.id;
    const product = await client.query<{ id: string }>(
      "INSERT INTO products (company_id, sku, name, price, currency) VALUES ($1, 'SKU-1', 'Mug', 1200, 'EUR') RETURNING id",
      [companyId],
    );
    const bundle = await client.query<{ id: string }>(
      "INSERT INTO bundles (company_id, name) VALUES ($1, 'Set') RETURNING id",
      [companyId],
    );
    await client.query("INSERT INTO bundle_items (bundle_id, product_id) VALUES ($1, $2)", [
      bundle.rows[0]?.id,
      product.rows[0]?.id,
    ]);
    const cart = await client.query<{ id: string }>(
      "INSERT INTO carts (company_id, session_id, currency) VALUES ($1, 's1', 'EUR') RETURNING id",
      [companyId],
    );
    await client.query(
      "INSERT INTO cart_items (cart_id, product_id, sku, name, quantity, unit_price, line_total) VALUES ($1, $2, 'SKU-1', 'Mug', 1, 1200, 1200)",
      [cart.rows[0]?.id, product.rows[0]?.id],
    );

    await client.query("DELETE FROM companies WHERE id = $1", [companyId]);
    for (const table of ["products", "bundles", "bundle_items", "carts", "cart_items"]) {
      const { rowCount } = await client.query(`SELECT 1 FROM ${table}`);
      expect(rowCount, table).toBe(0);
    }
  });
});

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(serverUrl);
  url.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

async function existingTables(names: string[]): Promise<string[]> {
  const { rows } = await client.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1) ORDER BY tablename",
    [names],
  );
  return rows.map((row) => row.tablename);
}

async function existingTypes(names: string[]): Promise<string[]> {
  const { rows } = await client.query<{ typname: string }>(
    `SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public' AND t.typname = ANY($1) ORDER BY t.typname`,
    [names],
  );
  return rows.map((row) => row.typname);
}

/** The data type of each `table.column`, in the order given. */
async function columnTypes(columns: string[]): Promise<string[]> {
  const { rows } = await client.query<{ name: string; data_type: string }>(
    `SELECT table_name || '.' || column_name AS name, data_type FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name || '.' || column_name = ANY($1)`,
    [columns],
  );
  const types = new Map(rows.map((row) => [row.name, row.data_type]));
  return columns.map((column) => types.get(column) ?? "(missing)");
}

async function enumLabels(name: string): Promise<string[]> {
  const { rows } = await client.query<{ enumlabel: string }>(
    `SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
     JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public' AND t.typname = $1 ORDER BY e.enumsortorder`,
    [name],
  );
  return rows.map((row) => row.enumlabel);
}

/** Every index on the given public tables, with its key columns in order. */
async function indexesOf(...tables: string[]): Promise<IndexRow[]> {
  const { rows } = await client.query<IndexRow>(
    `SELECT t.relname AS "table", i.relname AS "name", x.indisunique AS "unique",
            x.indnullsnotdistinct AS "nullsNotDistinct", x.indpred IS NOT NULL AS "partial",
            array(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                  ORDER BY k.position) AS "columns"
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'public' AND t.relname = ANY($1)`,
    [tables],
  );
  return rows.map((row) => ({ ...row }));
}

function execScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  const path = fileURLToPath(new URL(`../../scripts/${script}`, import.meta.url));
  return promisify(execFile)(process.execPath, [path, ...args], {
    cwd: fileURLToPath(new URL("../../", import.meta.url)),
    env: { ...process.env, CONFIRM: "", ...env },
  });
}
