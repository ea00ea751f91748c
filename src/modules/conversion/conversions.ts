// The Postgres side of a conversion: where a cart's session lives (from its replica), and the
// conversions table that makes an order id convert one cart only.
import { and, eq, or, sql } from "drizzle-orm";
import type { SessionAddress } from "../../../durable-objects/contract";
import type { Database } from "../../db/client";
import { cartConversions, carts, crossSiteSessions } from "../../db/schema";

export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

export interface CartOwner {
  address: SessionAddress;
  siteId: string | null;
}

/**
 * The session object holding a cart, from the cart's replica row: customers' by customer id,
 * anonymous sessions' by the token digest their session row keeps. Undefined when Postgres does
 * not know the cart (another company's, or not replicated yet — seconds after its first change).
 */
export async function ownerOfCart(db: Database | Transaction, companyId: string, cartId: string) {
  const [row] = await db
    .select({
      siteId: carts.siteId,
      customerId: sql<string | null>`coalesce(${carts.customerId}, ${crossSiteSessions.customerId})`,
      tokenHash: sql<string | null>`coalesce(${crossSiteSessions.sessionTokenHash}, ${carts.sessionTokenHash})`,
    })
    .from(carts)
    .leftJoin(crossSiteSessions, eq(crossSiteSessions.id, sql`${carts.sessionId}::uuid`))
    .where(and(eq(carts.companyId, companyId), eq(carts.id, cartId)))
    .limit(1);
  if (!row) return undefined;
  const address: SessionAddress | undefined = row.customerId
    ? { kind: "customer", companyId, customerId: row.customerId }
    : row.tokenHash
      ? { kind: "anonymous", companyId, tokenHash: row.tokenHash }
      : undefined;
  return address ? ({ address, siteId: row.siteId } satisfies CartOwner) : undefined;
}

/**
 * Claims `orderId` for `cartId` inside `tx`: true when this transaction now holds the claim
 * (a concurrent claim of the same order or cart waits on it), false when a row already exists.
 * The receipt's figures are placeholders until `completeClaim`, in the same transaction, so no
 * one ever reads them.
 */
export async function claimOrder(tx: Transaction, companyId: string, orderId: string, cartId: string) {
  const claimed = await tx
    .insert(cartConversions)
    .values({ companyId, orderId, cartId, currency: "", grandTotal: 0, itemCount: 0 })
    .onConflictDoNothing()
    .returning({ orderId: cartConversions.orderId });
  return claimed.length === 1;
}

export async function completeClaim(
  tx: Transaction,
  receipt: Omit<typeof cartConversions.$inferInsert, "convertedAt"> & { convertedAt: Date },
) {
  await tx
    .update(cartConversions)
    .set(receipt)
    .where(and(eq(cartConversions.companyId, receipt.companyId), eq(cartConversions.orderId, receipt.orderId)));
}

/** The conversions that stand in the way of (or repeat) converting `cartId` for `orderId`. */
export function existingConversions(db: Database | Transaction, companyId: string, orderId: string, cartId: string) {
  return db
    .select()
    .from(cartConversions)
    .where(
      and(
        eq(cartConversions.companyId, companyId),
        or(eq(cartConversions.orderId, orderId), eq(cartConversions.cartId, cartId)),
      ),
    );
}
