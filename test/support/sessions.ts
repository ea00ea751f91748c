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
import { testDatabase } from "./db";
import { editStorage } from "./storage";

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
 * Replicates the session now: runs its alarm until the outbox is empty (everything is on the
 * replication queue), then waits until the queue consumer has written every replicated document
 * the object holds to Postgres — or recorded it as a dead letter. Pending rows with no alarm set
 * would never leave: that fails here rather than hang. (While the object's own alarm is sending
 * — it also fires by itself 2 s after a change — no alarm is set either: hence the grace.)
 */
export async function replicateNow(owner: Owner, graceMs = 3_000): Promise<void> {
  const deadline = Date.now() + 30_000;
  let lastAlarm = Date.now();
  for (;;) {
    if (Date.now() > deadline) throw new Error("the session's outbox did not drain");
    const ran = await runAlarm(owner);
    const { pending, alarm } = await replicationState(owner);
    if (pending === 0) break;
    if (ran || alarm !== null) lastAlarm = Date.now();
    else if (Date.now() - lastAlarm > graceMs) throw new Error(`${pending} outbox rows pending and no alarm scheduled`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await untilInPostgres(await heldVersions(owner), deadline);
}

const REPLICA_TABLES: Record<string, string> = {
  session: "cross_site_sessions",
  cart: "carts",
  wishlist: "wishlists",
  comparison: "product_comparisons",
};

interface HeldVersion {
  table: string;
  id: string;
  version: number;
  /** when the object handed this version to the queue */
  sentAt: number;
}

/** What the object has handed to the replication queue: each resource at the version sent. */
function heldVersions(owner: Owner): Promise<HeldVersion[]> {
  return runInDurableObject(sessionStubOf(owner), (_instance, state) => {
    const row = state.storage.sql
      .exec<{ body: string }>("SELECT body FROM documents WHERE name = 'replication'")
      .toArray()[0];
    const { sent = {} } = row
      ? (JSON.parse(row.body) as { sent?: Record<string, { version: number; at: number }> })
      : {};
    return Object.entries(sent).map(([key, { version, at }]) => {
      const [kind, id] = key.split(":") as [string, string];
      return { table: REPLICA_TABLES[kind] as string, id, version, sentAt: at };
    });
  });
}

/**
 * Polls Postgres until each row has reached its version, or is a dead letter at it recorded
 * since the last send (an older letter at that version is what a replay is meant to clear).
 */
async function untilInPostgres(held: HeldVersion[], deadline: number): Promise<void> {
  if (held.length === 0) return;
  const { pool, close } = testDatabase();
  try {
    for (;;) {
      const behind: HeldVersion[] = [];
      for (const doc of held) {
        const { rows } = await pool.query<{ version: number }>(
          `SELECT version FROM ${doc.table} WHERE id = $1
           UNION ALL SELECT version FROM replication_dead_letters
           WHERE resource_id = $1::text AND last_seen_at >= to_timestamp($2 / 1000.0)`,
          [doc.id, doc.sentAt],
        );
        if (!rows.some((row) => row.version >= doc.version)) behind.push(doc);
      }
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `not replicated in time: ${behind.map((doc) => `${doc.table} ${doc.id} v${doc.version}`).join(", ")}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await close();
  }
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
  return editStorage(sessionStubOf(owner), (state) => {
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
  return editStorage(sessionStubOf(owner), (state) => {
    const row = state.storage.sql
      .exec<{ body: string }>("SELECT body FROM documents WHERE name = 'comparison'")
      .toArray()[0];
    if (!row) throw new Error("the session has no comparison");
    const aged = { ...JSON.parse(row.body), expiresAt: new Date(Date.now() - 1).toISOString() };
    state.storage.sql.exec("UPDATE documents SET body = ? WHERE name = 'comparison'", JSON.stringify(aged));
  });
}
