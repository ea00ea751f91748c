// From a replicated Postgres row back to the session that owns it, the way the routes
// address sessions (src/sessions/address.ts): a customer's session by customer id, an
// anonymous one by its token's SHA-256. A row with neither belongs to no live session.
import { and, asc, gt, isNotNull, lte, or, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { SessionAddress, ShopperSessionRpc } from "../../durable-objects/contract";
import { sessionStub } from "../session-client";
import type { KeysetBounds } from "./sweep";

export interface SessionRef {
  companyId: string;
  customerId: string | null;
  sessionTokenHash: string | null;
}

export function addressOf(row: SessionRef): SessionAddress | undefined {
  if (row.customerId) return { kind: "customer", companyId: row.companyId, customerId: row.customerId };
  if (row.sessionTokenHash) return { kind: "anonymous", companyId: row.companyId, tokenHash: row.sessionTokenHash };
  return undefined;
}

export function sessionOf(env: Env, row: SessionRef): DurableObjectStub<ShopperSessionRpc> | undefined {
  const address = addressOf(row);
  return address && sessionStub(env, address);
}

/** Rows `addressOf` can route. */
export const addressable = (columns: { customerId: PgColumn; sessionTokenHash: PgColumn }) =>
  or(isNotNull(columns.customerId), isNotNull(columns.sessionTokenHash));

/** The keyset window of a sweep page over `id`. */
export function withinBounds(id: PgColumn, bounds: KeysetBounds): SQL | undefined {
  return and(bounds.after ? gt(id, bounds.after) : undefined, bounds.until ? lte(id, bounds.until) : undefined);
}

export const byId = (id: PgColumn) => asc(id);
