// Shared arrangement for the cross-site session tests: a company with two sites (compare on
// the first only) and optionally a site of the same company that is inactive, anonymous and
// customer shoppers, live-sync sockets, and access to a session object's one-time codes
// and replication outbox.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { z } from "zod";
import type { PendingCode, SessionAddress } from "../../../durable-objects/contract";
import type { ShopperSession } from "../../../durable-objects/shopper-session";
import { companies, products, sites } from "../../../src/db/schema";
import { ProblemSchema } from "../../../src/lib/openapi";
import { sha256Hex } from "../../../src/lib/tokens";
import { CartSchema } from "../../../src/modules/cart/schema";
import { ComparisonSchema } from "../../../src/modules/comparison/schema";
import {
  ClaimResultSchema,
  CrossSiteSessionSchema,
  TicketSchema,
  TransferCodeSchema,
} from "../../../src/modules/cross-site/schema";
import { WishlistSchema } from "../../../src/modules/wishlist/schema";
import { sessionObjectName } from "../../../src/session-client/address";
import { api, bearer, signToken, testDatabase } from "../helpers";

export type Problem = z.infer<typeof ProblemSchema>;
export type CrossSiteSession = z.infer<typeof CrossSiteSessionSchema>;

/** What every live-sync socket receives after `hello`. */
export const ChangeMessageSchema = z.object({
  type: z.literal("change"),
  resource: z.enum(["session", "cart", "wishlist", "comparison"]),
  version: z.number().int().positive(),
  at: z.string(),
});
export type ChangeMessage = z.infer<typeof ChangeMessageSchema>;

export const HelloMessageSchema = z.object({
  type: z.literal("hello"),
  sessionId: z.string(),
  version: z.number().int(),
});

// ── Catalog ──────────────────────────────────────────────────────────────────

export async function withDatabase<T>(run: (db: ReturnType<typeof testDatabase>["db"]) => Promise<T>): Promise<T> {
  const { db, close } = testDatabase();
  try {
    return await run(db);
  } finally {
    await close();
  }
}

export interface SessionCompany {
  companyId: string;
  /** [default site with compare on, second site with compare off] */
  siteIds: [string, string];
  /** a site of the company that exists but is inactive */
  inactiveSiteId: string;
}

/**
 * A fresh company (fresh, because company and site settings are cached per isolate for 30 s):
 * site A is the default with compare on (max 4), site B has compare off, site C is inactive.
 */
export async function createCompany(): Promise<SessionCompany> {
  const companyId = crypto.randomUUID();
  const siteIds: [string, string] = [crypto.randomUUID(), crypto.randomUUID()];
  const inactiveSiteId = crypto.randomUUID();
  const site = (id: string, name: string) => ({
    id,
    companyId,
    name,
    domain: `${name.toLowerCase()}.test`,
    baseUrl: `https://${name.toLowerCase()}.test`,
    currency: "USD",
  });
  await withDatabase(async (db) => {
    await db.insert(companies).values({ id: companyId, name: "Session Co", slug: `session-${companyId}` });
    await db.insert(sites).values([
      { ...site(siteIds[0], "A"), isDefault: true, enableCompare: true, maxCompareItems: 4 },
      { ...site(siteIds[1], "B"), enableCompare: false },
      { ...site(inactiveSiteId, "C"), enableCompare: true, active: false },
    ]);
  });
  return { companyId, siteIds, inactiveSiteId };
}

/** `count` active USD products priced 1.00, 2.00, …, ids in order. */
export async function seedProducts(companyId: string, count: number): Promise<string[]> {
  const rows = Array.from({ length: count }, (_, index) => {
    const id = crypto.randomUUID();
    return { id, companyId, sku: `S-${id}`, name: `Product ${index + 1}`, price: 100 * (index + 1), currency: "USD" };
  });
  await withDatabase((db) => db.insert(products).values(rows));
  return rows.map((row) => row.id);
}

// ── Shoppers ─────────────────────────────────────────────────────────────────

export const jsonHeaders = { "content-type": "application/json" };

/** The public headers for a site of the company, with a session token when given. */
export function onSite(company: Pick<SessionCompany, "companyId">, siteId: string, token?: string) {
  return {
    "x-company-id": company.companyId,
    "x-site-id": siteId,
    ...(token ? { "x-session-token": token } : {}),
  };
}

/** Sends a request; JSON body when given. */
export function send(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  return api(path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : jsonHeaders) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export interface Guest {
  token: string;
  address: SessionAddress;
  session: CrossSiteSession;
}

/** A new anonymous session (POST /api/public/session) on the given site. */
export async function newGuest(company: SessionCompany, siteId = company.siteIds[0]): Promise<Guest> {
  const session = await bodyOf(
    await send("POST", "/api/public/session", onSite(company, siteId)),
    201,
    CrossSiteSessionSchema,
  );
  expect(session.sessionToken).toMatch(/^[0-9a-f]{64}$/);
  const token = session.sessionToken as string;
  return {
    token,
    address: { kind: "anonymous", companyId: company.companyId, tokenHash: await sha256Hex(token) },
    session,
  };
}

export interface Customer {
  customerId: string;
  jwt: string;
  headers: Record<string, string>;
  address: SessionAddress;
}

export async function newCustomer(companyId: string, customerId = crypto.randomUUID()): Promise<Customer> {
  const jwt = await signToken({ role: "customer", companyId, customerId, sub: `customer-${customerId}` });
  return { customerId, jwt, headers: bearer(jwt), address: { kind: "customer", companyId, customerId } };
}

/** The customer's cross-site session (POST /api/cross-site-session), with its token. */
export async function crossSiteSessionOf(customer: Customer, siteId?: string) {
  const response = await send("POST", "/api/cross-site-session", {
    ...customer.headers,
    ...(siteId ? { "x-site-id": siteId } : {}),
  });
  expect([200, 201]).toContain(response.status);
  const session = await bodyOf(response, response.status, CrossSiteSessionSchema);
  expect(session.sessionToken).toMatch(/^[0-9a-f]{64}$/);
  return { ...session, sessionToken: session.sessionToken as string };
}

/** The session's cart, read through the public route with its token. */
export async function publicCart(company: SessionCompany, siteId: string, token: string) {
  return bodyOf(await send("GET", "/api/public/cart", onSite(company, siteId, token)), 200, CartSchema);
}

/** Adds a product to the session's cart through the public routes (201). */
export async function addToCart(
  company: SessionCompany,
  siteId: string,
  token: string,
  productId: string,
  quantity = 1,
) {
  const cart = await publicCart(company, siteId, token);
  return bodyOf(
    await send("POST", `/api/public/cart/${cart.id}/items`, onSite(company, siteId, token), { productId, quantity }),
    201,
    CartSchema,
  );
}

export async function addToWishlist(
  company: SessionCompany,
  siteId: string,
  token: string,
  productId: string,
  priority?: number,
) {
  return bodyOf(
    await send("POST", "/api/public/wishlist/items", onSite(company, siteId, token), {
      productId,
      ...(priority === undefined ? {} : { priority }),
    }),
    201,
    WishlistSchema,
  );
}

export async function addToComparison(company: SessionCompany, siteId: string, token: string, productId: string) {
  return bodyOf(
    await send("POST", "/api/public/comparison/items", onSite(company, siteId, token), { productId }),
    201,
    ComparisonSchema,
  );
}

/** A one-time transfer code for the guest's session (POST /api/public/session/transfer). */
export async function transferCode(company: SessionCompany, fromSiteId: string, token: string, targetSiteId: string) {
  return bodyOf(
    await send("POST", "/api/public/session/transfer", onSite(company, fromSiteId, token), { targetSiteId }),
    200,
    TransferCodeSchema,
  );
}

export function claim(company: Pick<SessionCompany, "companyId">, siteId: string, code: string) {
  return send("POST", "/api/public/session/claim", onSite(company, siteId), { code });
}

export async function claimed(response: Response) {
  return bodyOf(response, 200, ClaimResultSchema);
}

// ── Responses ────────────────────────────────────────────────────────────────

/** Asserts the status and parses the JSON body with the route's schema. */
export async function bodyOf<T extends z.ZodType>(response: Response, status: number, schema: T): Promise<z.infer<T>> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return schema.parse(JSON.parse(text));
}

/** Asserts a problem+json response with this status (and code) and parses it. */
export async function problemOf(response: Response, status: number, code?: Problem["code"]): Promise<Problem> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = ProblemSchema.parse(JSON.parse(text));
  if (code) expect(problem.code).toBe(code);
  return problem;
}

// ── Live sync ────────────────────────────────────────────────────────────────

export interface LiveSocket {
  socket: WebSocket;
  hello: z.infer<typeof HelloMessageSchema>;
  /** every change received so far */
  changes: ChangeMessage[];
  /** resolves with the first change (already received or to come) that matches */
  waitFor(match: (change: ChangeMessage) => boolean, timeoutMs?: number): Promise<ChangeMessage>;
  close(): void;
}

/** A ticket through the public route (session token) or the customer route (JWT). */
export async function ticketFor(headers: Record<string, string>, customer = false) {
  const path = customer ? "/api/cross-site-session/ticket" : "/api/public/session/ticket";
  return bodyOf(await send("POST", path, headers), 200, TicketSchema);
}

export const openLive = (ticket: string, headers: Record<string, string> = { upgrade: "websocket" }) =>
  api(`/api/live?ticket=${ticket}`, { headers });

/** Opens the live-sync socket with a ticket and waits for its `hello`. */
export async function subscribe(ticket: string): Promise<LiveSocket> {
  const response = await openLive(ticket);
  expect(response.status).toBe(101);
  const socket = response.webSocket;
  if (!socket) throw new Error("no WebSocket in the 101 response");
  const changes: ChangeMessage[] = [];
  const waiters: { match: (change: ChangeMessage) => boolean; resolve: (change: ChangeMessage) => void }[] = [];
  let resolveHello: (message: unknown) => void = () => undefined;
  const hello = new Promise<unknown>((resolve) => {
    resolveHello = resolve;
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data as string) as { type: string };
    if (message.type === "hello") return resolveHello(message);
    const change = ChangeMessageSchema.parse(message);
    changes.push(change);
    for (const waiter of [...waiters]) {
      if (waiter.match(change)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(change);
      }
    }
  });
  socket.accept();
  return {
    socket,
    hello: HelloMessageSchema.parse(await hello),
    changes,
    waitFor(match, timeoutMs = 3_000) {
      const seen = changes.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching change within ${timeoutMs} ms; got ${JSON.stringify(changes)}`)),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (change) => {
            clearTimeout(timer);
            resolve(change);
          },
        });
      });
    },
    close: () => socket.close(1000, "test done"),
  };
}

// ── The session object ───────────────────────────────────────────────────────

const namespace = () => env.SHOPPER_SESSION as DurableObjectNamespace<ShopperSession>;

export const stubOf = (address: SessionAddress) => namespace().getByName(sessionObjectName(address));

/** The object's pending one-time codes (transfer codes and tickets), as stored. */
export function storedCodes(address: SessionAddress): Promise<PendingCode[]> {
  return runInDurableObject(stubOf(address), (_instance, state) => {
    const row = state.storage.sql
      .exec<{ body: string }>("SELECT body FROM documents WHERE name = 'codes'")
      .toArray()[0];
    return row ? (JSON.parse(row.body) as PendingCode[]) : [];
  });
}

/**
 * Ages every pending code of the object past its expiry, as if its lifetime (120 s for a
 * transfer code, 30 s for a ticket) had gone by: rewrites `expiresAt` in the stored document.
 */
export function expireCodes(address: SessionAddress): Promise<number> {
  return runInDurableObject(stubOf(address), (_instance, state) => {
    const row = state.storage.sql
      .exec<{ body: string }>("SELECT body FROM documents WHERE name = 'codes'")
      .toArray()[0];
    const codes = row ? (JSON.parse(row.body) as PendingCode[]) : [];
    const aged = codes.map((code) => ({ ...code, expiresAt: Date.now() - 1 }));
    state.storage.sql.exec("UPDATE documents SET body = ? WHERE name = 'codes'", JSON.stringify(aged));
    return aged.length;
  });
}

/** Pending outbox rows and the next alarm of the object. */
export function replicationState(address: SessionAddress) {
  return runInDurableObject(stubOf(address), async (_instance, state) => ({
    pending: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n,
    alarm: await state.storage.getAlarm(),
  }));
}

/**
 * Replicates the session now by running its alarm until the outbox is empty. Pending rows
 * with no alarm set would never reach Postgres: that fails here rather than hang. (While the
 * object's own alarm is running its flush, no alarm is set either: hence the grace period.)
 */
export async function replicateNow(address: SessionAddress, graceMs = 3_000): Promise<void> {
  const deadline = Date.now() + 20_000;
  let lastAlarm = Date.now();
  while (Date.now() < deadline) {
    const ran = await runDurableObjectAlarm(stubOf(address));
    const { pending, alarm } = await replicationState(address);
    if (pending === 0) return;
    if (ran || alarm !== null) lastAlarm = Date.now();
    else if (Date.now() - lastAlarm > graceMs) throw new Error(`${pending} outbox rows pending and no alarm scheduled`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the session's outbox did not drain");
}
