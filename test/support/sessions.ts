// Shoppers — a signed-in customer or an anonymous session — that know their own headers and
// paths, and the test's access to a shopper's session object: its alarm (the outbox flush),
// its replication bookkeeping and its one-time codes.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { PendingCode, SessionAddress } from "../../durable-objects/contract";
import { sha256Hex } from "../../src/lib/tokens";
import { CartSchema, CreatedCartSchema } from "../../src/modules/cart/schema";
import { sessionStub } from "../../src/session-client";
import { api, bearer, bodyOf, customerToken, request } from "./app";
import { createCompany, type TestCompany } from "./catalog";

export type Variant = "customer" | "public";
export const VARIANTS: Variant[] = ["customer", "public"];
export type Module = "cart" | "wishlist" | "comparison";

export interface Shopper {
  variant: Variant;
  companyId: string;
  siteIds: [string, string];
  /** Authentication headers: the customer's JWT, or x-company-id + x-session-token. */
  headers: Record<string, string>;
  address: SessionAddress;
  cartId: string;
  sessionId: string;
  /** The version of the cart when the shopper was made. */
  version: number;
  /** Only for anonymous sessions. */
  sessionToken?: string;
  /** `/api/{module}{sub}` or `/api/public/{module}{sub}`: the reads, and the wishlist and comparison routes. */
  path(module: Module, sub?: string): string;
  /** A route of the shopper's cart: `/items` → `/api/cart/items` or `/api/public/cart/{id}/items`. */
  cartPath(sub?: string): string;
}

/** A new anonymous session (POST /api/public/cart) on the company's default site. */
export async function newGuest(company?: TestCompany, extraHeaders: Record<string, string> = {}): Promise<Shopper> {
  const owner = company ?? (await createCompany());
  const created = await bodyOf(
    await request(
      "POST",
      "/api/public/cart",
      { "x-company-id": owner.companyId, ...extraHeaders },
      { currency: "USD" },
    ),
    201,
    CreatedCartSchema,
  );
  const sessionToken = created.sessionToken;
  if (!sessionToken) throw new Error("POST /api/public/cart returned no sessionToken");
  return {
    variant: "public",
    companyId: owner.companyId,
    siteIds: owner.siteIds,
    headers: { "x-company-id": owner.companyId, "x-session-token": sessionToken },
    address: { kind: "anonymous", companyId: owner.companyId, tokenHash: await sha256Hex(sessionToken) },
    cartId: created.id,
    sessionId: created.sessionId,
    version: created.version,
    sessionToken,
    path: (module, sub = "") => `/api/public/${module}${sub}`,
    cartPath: (sub = "") => `/api/public/cart/${created.id}${sub}`,
  };
}

export interface CustomerCredentials {
  customerId: string;
  jwt: string;
  headers: Record<string, string>;
  address: SessionAddress;
}

/** A customer's JWT and session address; no request made, so no session exists yet. */
export async function customerCredentials(
  companyId: string,
  customerId = crypto.randomUUID(),
): Promise<CustomerCredentials> {
  const jwt = await customerToken(companyId, customerId);
  return { customerId, jwt, headers: bearer(jwt), address: { kind: "customer", companyId, customerId } };
}

/** A signed-in customer (fresh customer id) whose cart was read once, so it exists. */
export async function newCustomer(company?: TestCompany, customerId = crypto.randomUUID()): Promise<Shopper> {
  const owner = company ?? (await createCompany());
  const { headers, address } = await customerCredentials(owner.companyId, customerId);
  const response = await api("/api/cart", { headers });
  expect(response.status).toBe(200);
  const cart = CartSchema.parse(await response.json());
  return {
    variant: "customer",
    companyId: owner.companyId,
    siteIds: owner.siteIds,
    headers,
    address,
    cartId: cart.id,
    sessionId: cart.sessionId,
    version: cart.version,
    path: (module, sub = "") => `/api/${module}${sub}`,
    cartPath: (sub = "") => `/api/cart${sub}`,
  };
}

export const newShopper = (variant: Variant, company?: TestCompany) =>
  variant === "customer" ? newCustomer(company) : newGuest(company);

/** Sends a request as the shopper: JSON body when given, extra headers on top. */
export function send(
  shopper: Pick<Shopper, "headers">,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return request(method, path, { ...shopper.headers, ...headers }, body);
}

// ── The session object ───────────────────────────────────────────────────────

type Owner = Pick<Shopper, "address">;

export const sessionStubOf = (owner: Owner) => sessionStub(env, owner.address);

/** Runs the session's pending alarm now (the outbox flush); false when none was scheduled. */
export function runAlarm(owner: Owner): Promise<boolean> {
  return runDurableObjectAlarm(sessionStubOf(owner));
}

/**
 * Each session's outbox reaches Postgres now. Running the alarm once is not enough: the
 * object's own alarm may be mid-flush (then there is none to run), so this waits for the
 * outbox to drain.
 */
export async function flush(...owners: Owner[]): Promise<void> {
  for (const owner of owners) await replicateNow(owner);
}

/** The session's replication bookkeeping: pending outbox rows, failures so far, next alarm. */
export function replicationState(owner: Owner) {
  return runInDurableObject(sessionStubOf(owner), async (_instance, state) => {
    const pending = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
    const row = state.storage.sql
      .exec<{ body: string }>("SELECT body FROM documents WHERE name = 'replication'")
      .toArray()[0];
    const failures = row ? (JSON.parse(row.body) as { failures: number }).failures : 0;
    return { pending, failures, alarm: await state.storage.getAlarm() };
  });
}

/**
 * Replicates the session now by running its alarm until the outbox is empty. Pending rows
 * with no alarm set would never reach Postgres: that fails here rather than hang. (While the
 * object's own alarm is running its flush — it also fires by itself 500 ms after a change —
 * no alarm is set either: hence the grace period.)
 */
export async function replicateNow(owner: Owner, graceMs = 3_000): Promise<void> {
  const deadline = Date.now() + 20_000;
  let lastAlarm = Date.now();
  while (Date.now() < deadline) {
    const ran = await runAlarm(owner);
    const { pending, alarm } = await replicationState(owner);
    if (pending === 0) return;
    if (ran || alarm !== null) lastAlarm = Date.now();
    else if (Date.now() - lastAlarm > graceMs) throw new Error(`${pending} outbox rows pending and no alarm scheduled`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the session's outbox did not drain");
}

function readCodes(storage: DurableObjectStorage): PendingCode[] {
  const row = storage.sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = 'codes'").toArray()[0];
  return row ? (JSON.parse(row.body) as PendingCode[]) : [];
}

/** The object's pending one-time codes (transfer codes and tickets), as stored. */
export function storedCodes(owner: Owner): Promise<PendingCode[]> {
  return runInDurableObject(sessionStubOf(owner), (_instance, state) => readCodes(state.storage));
}

/**
 * Ages every pending code of the object past its expiry, as if its lifetime (120 s for a
 * transfer code, 30 s for a ticket) had gone by: rewrites `expiresAt` in the stored document.
 */
export function expireCodes(owner: Owner): Promise<number> {
  return runInDurableObject(sessionStubOf(owner), (_instance, state) => {
    const aged = readCodes(state.storage).map((code) => ({ ...code, expiresAt: Date.now() - 1 }));
    state.storage.sql.exec("UPDATE documents SET body = ? WHERE name = 'codes'", JSON.stringify(aged));
    return aged.length;
  });
}

/**
 * Ages the session's comparison past its 90 days, as if they had gone by: rewrites `expiresAt`
 * in the stored document, so the next comparison call starts a new one (with a new id).
 */
export function expireComparison(owner: Owner): Promise<void> {
  return runInDurableObject(sessionStubOf(owner), (_instance, state) => {
    const row = state.storage.sql
      .exec<{ body: string }>("SELECT body FROM documents WHERE name = 'comparison'")
      .toArray()[0];
    if (!row) throw new Error("the session has no comparison");
    const aged = { ...JSON.parse(row.body), expiresAt: new Date(Date.now() - 1).toISOString() };
    state.storage.sql.exec("UPDATE documents SET body = ? WHERE name = 'comparison'", JSON.stringify(aged));
  });
}
