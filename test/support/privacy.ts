// Data-subject requests as ops make them (export, erase, the audit), and what each store then
// holds of a customer: the session object's documents, Postgres rows, R2 archive lines.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { z } from "zod";
import type { CartDoc, ComparisonDoc, SessionDoc, WishlistDoc } from "../../durable-objects/contract";
import {
  cartReplica,
  comparisonReplica,
  type ReplicaOf,
  sessionReplica,
  wishlistReplica,
} from "../../durable-objects/replica-messages";
import { archiveKey } from "../../src/jobs/archive-converted-carts";
import { CustomerExportSchema, ErasureReceiptSchema, PrivacyRequestSchema } from "../../src/modules/privacy/schema";
import { bearer, bodyOf, request, signToken } from "./app";
import { withDatabase } from "./db";
import { messageOf } from "./replication";
import { type Shopper, sessionStubOf } from "./sessions";
import { storedDocument } from "./storage";

export type CustomerExport = z.infer<typeof CustomerExportSchema>;
export type ErasureReceipt = z.infer<typeof ErasureReceiptSchema>;

/** An admin (or service) JWT of the company, with a recognizable `sub`. */
export const opsToken = (companyId: string, role: "admin" | "service" = "admin", sub = `ops-${role}`) =>
  signToken({ companyId, role, sub });

export const exportRequest = (token: string, customerId: string) =>
  request("GET", `/api/privacy/customers/${customerId}/export`, bearer(token));

export const eraseRequest = (token: string, customerId: string) =>
  request("POST", `/api/privacy/customers/${customerId}/erase`, bearer(token));

export async function exportOf(companyId: string, customerId: string): Promise<CustomerExport> {
  return bodyOf(await exportRequest(await opsToken(companyId), customerId), 200, CustomerExportSchema);
}

export async function erase(companyId: string, customerId: string, role: "admin" | "service" = "admin") {
  return bodyOf(await eraseRequest(await opsToken(companyId, role), customerId), 200, ErasureReceiptSchema);
}

export async function auditOf(companyId: string, customerId?: string) {
  const query = customerId ? `?customerId=${customerId}` : "";
  const response = await request("GET", `/api/privacy/requests${query}`, bearer(await opsToken(companyId)));
  return (await bodyOf(response, 200, z.object({ requests: z.array(PrivacyRequestSchema) }))).requests;
}

/** Whether an export holds nothing at all. */
export function isEmpty(document: CustomerExport): boolean {
  const { liveState, postgres, archivedCarts } = document;
  return (
    liveState.customer === null &&
    liveState.mergedGuests.length === 0 &&
    postgres.customer === null &&
    [postgres.sessions, postgres.carts, postgres.wishlists, postgres.comparisons, postgres.conversions].every(
      (rows) => rows.length === 0,
    ) &&
    archivedCarts.length === 0
  );
}

/** The names of the documents the session object stores. */
export function storedDocuments(owner: Pick<Shopper, "address">): Promise<string[]> {
  return runInDurableObject(sessionStubOf(owner), (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM documents ORDER BY name")
      .toArray()
      .map((row) => row.name),
  );
}

/** Every replica message the object could send now, at its documents' versions plus `bump`. */
export function replicasNow(owner: Pick<Shopper, "address" | "companyId">, bump = 1000) {
  return runInDurableObject(sessionStubOf(owner), (_instance, state) => {
    const read = <T>(name: string) => storedDocument<T>(state.storage.sql, name);
    const session = read<SessionDoc>("session");
    if (!session) throw new Error("no session to replicate");
    const bumped = <T extends { version: number }>(doc: T): T => ({ ...doc, version: doc.version + bump });
    const replicas: ReplicaOf[] = [sessionReplica(bumped(session), null)];
    const cart = read<CartDoc>(`cart:${session.cartId}`);
    if (cart) replicas.push(cartReplica(session, bumped(cart)));
    const wishlist = read<WishlistDoc>("wishlist");
    if (wishlist) replicas.push(wishlistReplica(session, bumped(wishlist)));
    const comparison = read<ComparisonDoc>("comparison");
    if (comparison) replicas.push(comparisonReplica(session, bumped(comparison)));
    return messageOf(replicas, { companyId: owner.companyId, sessionId: session.id });
  });
}

/** Rows of the company still naming the customer, per table. */
export function rowsNaming(companyId: string, customerId: string) {
  return withDatabase(async (db) => {
    const count = async (table: string) =>
      (
        await db.$client.query<{ n: string }>(
          `SELECT COUNT(*) AS n FROM ${table} WHERE company_id = $1 AND customer_id::text = $2`,
          [companyId, customerId],
        )
      ).rows[0]?.n;
    const tables = [
      "cross_site_sessions",
      "carts",
      "wishlists",
      "product_comparisons",
      "cart_conversions",
      "customers",
    ];
    const counts: Record<string, number> = {};
    for (const table of tables) {
      counts[table] = Number(
        table === "customers" ? await countCustomer(db, companyId, customerId) : await count(table),
      );
    }
    return counts;
  });
}

async function countCustomer(
  db: Parameters<Parameters<typeof withDatabase>[0]>[0],
  companyId: string,
  customerId: string,
) {
  const { rows } = await db.$client.query<{ n: string }>(
    "SELECT COUNT(*) AS n FROM customers WHERE company_id = $1 AND id::text = $2",
    [companyId, customerId],
  );
  return rows[0]?.n;
}

/** What analytics count of the company: rows per session table, and the carts' money. */
export function companyTotals(companyId: string) {
  return withDatabase(async (db) => {
    const { rows } = await db.$client.query(
      `SELECT
         (SELECT COUNT(*) FROM cross_site_sessions WHERE company_id = $1) AS sessions,
         (SELECT COUNT(*) FROM carts WHERE company_id = $1) AS carts,
         (SELECT COALESCE(SUM(grand_total), 0) FROM carts WHERE company_id = $1) AS grand_total,
         (SELECT COUNT(*) FROM carts WHERE company_id = $1 AND status = 'CONVERTED') AS converted,
         (SELECT COUNT(*) FROM cart_items i JOIN carts c ON c.id = i.cart_id WHERE c.company_id = $1) AS lines,
         (SELECT COUNT(*) FROM wishlist_items i JOIN wishlists w ON w.id = i.wishlist_id WHERE w.company_id = $1) AS wishlist_items,
         (SELECT COUNT(*) FROM product_comparisons WHERE company_id = $1) AS comparisons`,
      [companyId],
    );
    return rows[0];
  });
}

/**
 * An archive object of the company's converted carts with these carts: a day object as the
 * weekly job wrote them before chunks, or (`key`) a chunk.
 */
export async function archiveCarts(
  companyId: string,
  day: string,
  carts: Record<string, unknown>[],
  key = archiveKey(companyId, day),
) {
  const body = `${carts.map((cart) => JSON.stringify(cart)).join("\n")}\n`;
  await env.ARCHIVE.put(key, body);
}

export async function archivedLines(
  companyId: string,
  day: string,
  key = archiveKey(companyId, day),
): Promise<Record<string, unknown>[] | null> {
  const object = await env.ARCHIVE.get(key);
  if (!object) return null;
  return (await object.text())
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
