// Arrangement for the lifecycle job tests: companies whose sites have a chosen
// cartExpirationDays, shoppers with replicated carts, and the scheduled handler driven with a
// controlled scheduledTime.
//
// Every job is global (all companies), and other test files share the database. So each
// job test only makes its own rows due: lifecycle tests give their sites 1–5 day carts
// (everyone else's are 7+) and look a few days ahead; weekly tests age their own rows.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { expect, vi } from "vitest";
import worker from "../../src";
import { carts, companies } from "../../src/db/schema";
import type { JobSummary } from "../../src/jobs/runtime";
import { createCompany, seedProducts, type TestCompany } from "./catalog";
import { withDatabase } from "./db";
import { flush, newCustomer, newGuest, type Shopper, send } from "./sessions";

export const DAY_MS = 86_400_000;
export const daysFromNow = (days: number) => new Date(Date.now() + days * DAY_MS);

// ── Companies ────────────────────────────────────────────────────────────────

export interface JobCompany extends TestCompany {
  productIds: [string, string];
}

const made: string[] = [];

/** A company with two sites (compare enabled on the default) and two USD products. */
export async function createJobCompany(cartExpirationDays = 30): Promise<JobCompany> {
  const company = await createCompany({ cartExpirationDays }, { cartExpirationDays });
  const productIds = await seedProducts(
    company.companyId,
    [0, 1].map((index) => ({ price: 1000 * (index + 1), attributes: { colour: index ? "red" : "blue" } })),
  );
  made.push(company.companyId);
  return { ...company, productIds: productIds as [string, string] };
}

/** Deletes every company this file made (their carts, sessions, comparisons cascade). */
export async function removeJobCompanies(): Promise<void> {
  const ids = made.splice(0);
  if (ids.length) await withDatabase((db) => db.delete(companies).where(inArray(companies.id, ids)));
}

// ── Shoppers ─────────────────────────────────────────────────────────────────

export type JobShopper = Shopper & { company: JobCompany };

/** An anonymous session with `items` lines (one of each product), replicated. */
export async function guestWithItems(company: JobCompany, items = 1): Promise<JobShopper> {
  return withItems({ ...(await newGuest(company)), company }, items);
}

/** A signed-in customer's session with `items` lines, replicated. */
export async function customerWithItems(company: JobCompany, items = 1): Promise<JobShopper> {
  return withItems({ ...(await newCustomer(company)), company }, items);
}

/**
 * An anonymous session whose cart had an item and was emptied again, replicated. (A session
 * never changed has no rows at all and forgets itself: test/worker/lifecycle.)
 */
export async function guestWithEmptiedCart(company: JobCompany): Promise<JobShopper> {
  const shopper = await guestWithItems(company, 1);
  const cart = (await (await send(shopper, "GET", shopper.path("cart"))).json()) as { items: { id: string }[] };
  for (const item of cart.items) {
    const removed = await send(shopper, "DELETE", shopper.cartPath(`/items/${item.id}`));
    expect(removed.status, await removed.clone().text()).toBe(200);
  }
  await flush(shopper);
  return shopper;
}

async function withItems(shopper: JobShopper, count: number): Promise<JobShopper> {
  for (const productId of shopper.company.productIds.slice(0, count)) {
    const added = await send(shopper, "POST", shopper.cartPath("/items"), { productId, quantity: 2 });
    expect(added.status, await added.clone().text()).toBe(201);
  }
  await flush(shopper);
  return shopper;
}

/** GET the shopper's cart, whatever the status: status and body. */
export async function cartResponse(
  shopper: Shopper,
): Promise<{ status: number; body: { id: string; sessionId: string; status: string } }> {
  const response = await send(shopper, "GET", shopper.path("cart"));
  return {
    status: response.status,
    body: (await response.json()) as { id: string; sessionId: string; status: string },
  };
}

// ── Replicated rows ──────────────────────────────────────────────────────────

export async function cartRow(cartId: string) {
  const [row] = await withDatabase((db) => db.select().from(carts).where(eq(carts.id, cartId)));
  return row;
}

export async function cartStatuses(shoppers: Shopper[]): Promise<string[]> {
  const ids = shoppers.map((shopper) => shopper.cartId);
  const rows = await withDatabase((db) =>
    db.select({ id: carts.id, status: carts.status }).from(carts).where(inArray(carts.id, ids)),
  );
  const byId = new Map(rows.map((row) => [row.id, row.status]));
  return ids.map((id) => byId.get(id) ?? "MISSING");
}

/** Rewrites timestamps of a cart row in Postgres only: the session object's own clock is untouched. */
export async function ageCart(
  cartId: string,
  set: Partial<Record<"lastActivityAt" | "expiresAt" | "abandonedAt" | "convertedAt", Date>>,
) {
  await withDatabase((db) => db.update(carts).set(set).where(eq(carts.id, cartId)));
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
