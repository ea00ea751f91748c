// Arrangement for the lifecycle job tests: companies whose sites have a chosen
// cartExpirationDays, real shopper sessions made through the API and replicated by running
// their alarm, and the scheduled handler driven with a controlled scheduledTime.
//
// Every job is global (all companies), and other test files share the database. So each
// job test only makes its own rows due: lifecycle tests give their sites 1–5 day carts
// (everyone else's are 7+) and look a few days ahead; weekly tests age their own rows.
import {
  createExecutionContext,
  createScheduledController,
  runDurableObjectAlarm,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { expect, vi } from "vitest";
import type { SessionAddress } from "../../../durable-objects/contract";
import type { ShopperSession } from "../../../durable-objects/shopper-session";
import worker from "../../../src";
import { carts, companies, products, sites } from "../../../src/db/schema";
import type { JobSummary } from "../../../src/jobs/runtime";
import { sha256Hex } from "../../../src/lib/tokens";
import { sessionObjectName } from "../../../src/session-client/address";
import { api, bearer, signToken, testDatabase } from "../helpers";

export const DAY_MS = 86_400_000;
export const daysFromNow = (days: number) => new Date(Date.now() + days * DAY_MS);

type Db = ReturnType<typeof testDatabase>["db"];

export async function withDb<T>(run: (db: Db) => Promise<T>): Promise<T> {
  const { db, close } = testDatabase();
  try {
    return await run(db);
  } finally {
    await close();
  }
}

// ── Companies ────────────────────────────────────────────────────────────────

export interface JobCompany {
  companyId: string;
  siteIds: [string, string];
  productIds: [string, string];
}

const made: string[] = [];

/** A company with two sites (compare enabled on the default) and two USD products. */
export async function createJobCompany(cartExpirationDays = 30): Promise<JobCompany> {
  const companyId = crypto.randomUUID();
  const siteIds: [string, string] = [crypto.randomUUID(), crypto.randomUUID()];
  const productIds: [string, string] = [crypto.randomUUID(), crypto.randomUUID()];
  await withDb(async (db) => {
    await db.insert(companies).values({ id: companyId, name: "Jobs Co", slug: `jobs-${companyId}` });
    await db.insert(sites).values(
      siteIds.map((id, index) => ({
        id,
        companyId,
        name: `Site ${index}`,
        domain: `s${index}.jobs.test`,
        baseUrl: `https://s${index}.jobs.test`,
        currency: "USD",
        isDefault: index === 0,
        enableCompare: index === 0,
        cartExpirationDays,
      })),
    );
    await db.insert(products).values(
      productIds.map((id, index) => ({
        id,
        companyId,
        sku: `JOB-${id}`,
        name: `Thing ${index}`,
        price: 1000 * (index + 1),
        currency: "USD",
        attributes: { colour: index ? "red" : "blue" },
      })),
    );
  });
  made.push(companyId);
  return { companyId, siteIds, productIds };
}

/** Deletes every company this file made (their carts, sessions, comparisons cascade). */
export async function removeJobCompanies(): Promise<void> {
  const ids = made.splice(0);
  if (ids.length) await withDb((db) => db.delete(companies).where(inArray(companies.id, ids)));
}

// ── Shoppers ─────────────────────────────────────────────────────────────────

export interface Shopper {
  company: JobCompany;
  address: SessionAddress;
  headers: Record<string, string>;
  cartId: string;
  sessionId: string;
  /** the cart routes' prefix: /api/public/cart/{id} or /api/cart */
  cartPath: string;
  readPath: string;
  comparisonPath: string;
}

interface CartBody {
  id: string;
  sessionId: string;
  status: string;
  sessionToken?: string;
}

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/** An anonymous session with `items` lines (one of each product), replicated. */
export async function newGuest(company: JobCompany, items = 1): Promise<Shopper> {
  const created = await json<CartBody>(
    await api("/api/public/cart", {
      method: "POST",
      headers: { "x-company-id": company.companyId, "content-type": "application/json" },
      body: JSON.stringify({ currency: "USD" }),
    }),
    201,
  );
  const token = created.sessionToken as string;
  const shopper: Shopper = {
    company,
    address: { kind: "anonymous", companyId: company.companyId, tokenHash: await sha256Hex(token) },
    headers: { "x-company-id": company.companyId, "x-session-token": token },
    cartId: created.id,
    sessionId: created.sessionId,
    cartPath: `/api/public/cart/${created.id}`,
    readPath: "/api/public/cart",
    comparisonPath: "/api/public/comparison",
  };
  await addItems(shopper, items);
  return shopper;
}

/** A signed-in customer's session with `items` lines, replicated. */
export async function newCustomer(company: JobCompany, items = 1): Promise<Shopper> {
  const customerId = crypto.randomUUID();
  const token = await signToken({ companyId: company.companyId, role: "customer", customerId, sub: customerId });
  const headers = bearer(token);
  const cart = await json<CartBody>(await api("/api/cart", { headers }), 200);
  const shopper: Shopper = {
    company,
    address: { kind: "customer", companyId: company.companyId, customerId },
    headers,
    cartId: cart.id,
    sessionId: cart.sessionId,
    cartPath: "/api/cart",
    readPath: "/api/cart",
    comparisonPath: "/api/comparison",
  };
  await addItems(shopper, items);
  return shopper;
}

export async function addItems(shopper: Shopper, count: number): Promise<void> {
  for (const productId of shopper.company.productIds.slice(0, count)) {
    await json(await send(shopper, "POST", `${shopper.cartPath}/items`, { productId, quantity: 2 }), 201);
  }
  await flush(shopper);
}

export function send(shopper: Shopper, method: string, path: string, body?: unknown): Promise<Response> {
  return api(path, {
    method,
    headers: { ...shopper.headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export function stubOf(shopper: Pick<Shopper, "address">): DurableObjectStub<ShopperSession> {
  return (env.SHOPPER_SESSION as DurableObjectNamespace<ShopperSession>).getByName(sessionObjectName(shopper.address));
}

/** Runs each session's pending alarm now: its outbox reaches Postgres. */
export async function flush(...shoppers: Shopper[]): Promise<void> {
  for (const shopper of shoppers) await runDurableObjectAlarm(stubOf(shopper));
}

/** GET the shopper's cart: status and body. */
export async function readCart(shopper: Shopper): Promise<{ status: number; body: CartBody }> {
  const response = await send(shopper, "GET", shopper.readPath);
  return { status: response.status, body: (await response.json()) as CartBody };
}

export async function cartRow(cartId: string) {
  const [row] = await withDb((db) => db.select().from(carts).where(eq(carts.id, cartId)));
  return row;
}

export async function cartStatuses(shoppers: Shopper[]): Promise<string[]> {
  const rows = await withDb((db) =>
    db
      .select({ id: carts.id, status: carts.status })
      .from(carts)
      .where(
        inArray(
          carts.id,
          shoppers.map((shopper) => shopper.cartId),
        ),
      ),
  );
  const byId = new Map(rows.map((row) => [row.id, row.status]));
  return shoppers.map((shopper) => byId.get(shopper.cartId) ?? "MISSING");
}

/** Rewrites timestamps of a cart row in Postgres only: the session object's own clock is untouched. */
export async function ageCart(
  cartId: string,
  set: Partial<Record<"lastActivityAt" | "expiresAt" | "abandonedAt" | "convertedAt", Date>>,
) {
  await withDb((db) => db.update(carts).set(set).where(eq(carts.id, cartId)));
}

// ── The scheduled handler ────────────────────────────────────────────────────

/** Calls the Worker's real `scheduled` handler, as a Cron Trigger would. */
export async function trigger(cron: string, scheduledTime: Date, overrides: Partial<Env> = {}): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime }), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
}

/**
 * Runs `work` and returns the summary lines the jobs logged meanwhile (one per job run),
 * keyed by job; several runs of one job (concurrent triggers) come as an array.
 */
export async function summariesOf(work: () => Promise<unknown>): Promise<JobSummary[]> {
  const logs = vi.spyOn(console, "log");
  const errors = vi.spyOn(console, "error");
  try {
    await work();
    return [...logs.mock.calls, ...errors.mock.calls]
      .map(([line]) => (typeof line === "string" && line.startsWith("{") ? JSON.parse(line) : undefined))
      .filter((entry): entry is JobSummary & { msg: string } => entry?.msg === "job finished");
  } finally {
    logs.mockRestore();
    errors.mockRestore();
  }
}

/** One trigger; its summaries by job name. */
export async function runCron(
  cron: string,
  scheduledTime: Date,
  overrides: Partial<Env> = {},
): Promise<Record<string, JobSummary>> {
  const summaries = await summariesOf(() => trigger(cron, scheduledTime, overrides));
  const byJob: Record<string, JobSummary> = {};
  for (const summary of summaries) {
    expect(byJob[summary.job], `one summary line per job run (${summary.job})`).toBeUndefined();
    byJob[summary.job] = summary;
  }
  return byJob;
}

export const counts = (summary: JobSummary | undefined) => ({
  outcome: summary?.outcome,
  selected: summary?.selected,
  changed: summary?.changed,
  skipped: summary?.skipped,
  failed: summary?.failed,
  budgetExhausted: summary?.budgetExhausted,
});
