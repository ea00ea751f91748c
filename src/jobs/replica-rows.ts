// From a replicated Postgres row back to the session that owns it, the way the routes
// address sessions (src/sessions/address.ts): a customer's session by customer id, an
// anonymous one by its token's SHA-256. A row with neither belongs to no live session.
import { and, asc, eq, gt, isNotNull, lte, or, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { SessionAddress, SessionJurisdiction, ShopperSessionRpc } from "../../durable-objects/contract";
import { companies } from "../db/schema";
import { jurisdictionFor, sessionStub } from "../session-client";
import type { JobContext } from "./runtime";
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

// Per run: each company's residency is read once (an inactive company's sessions still live somewhere).
const residencies = new WeakMap<JobContext, Map<string, Promise<SessionJurisdiction | undefined>>>();

function jurisdictionIn(ctx: JobContext, companyId: string): Promise<SessionJurisdiction | undefined> {
  const known = residencies.get(ctx) ?? new Map<string, Promise<SessionJurisdiction | undefined>>();
  residencies.set(ctx, known);
  let jurisdiction = known.get(companyId);
  if (!jurisdiction) {
    jurisdiction = ctx.db
      .select({ dataResidency: companies.dataResidency })
      .from(companies)
      .where(eq(companies.id, companyId))
      .then(([company]) => jurisdictionFor(company?.dataResidency));
    known.set(companyId, jurisdiction);
  }
  return jurisdiction;
}

/** The row's session address in its company's jurisdiction. */
export async function addressIn(ctx: JobContext, row: SessionRef): Promise<SessionAddress | undefined> {
  const address = addressOf(row);
  return address && { ...address, jurisdiction: await jurisdictionIn(ctx, row.companyId) };
}

export async function sessionOf(
  ctx: JobContext,
  row: SessionRef,
): Promise<DurableObjectStub<ShopperSessionRpc> | undefined> {
  const address = await addressIn(ctx, row);
  return address && sessionStub(ctx.env, address);
}

/** Rows `addressOf` can route. */
export const addressable = (columns: { customerId: PgColumn; sessionTokenHash: PgColumn }) =>
  or(isNotNull(columns.customerId), isNotNull(columns.sessionTokenHash));

/** The keyset window of a sweep page over `id`. */
export function withinBounds(id: PgColumn, bounds: KeysetBounds): SQL | undefined {
  return and(bounds.after ? gt(id, bounds.after) : undefined, bounds.until ? lte(id, bounds.until) : undefined);
}

export const byId = (id: PgColumn) => asc(id);
