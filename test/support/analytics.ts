// One hand-made data set for the analytics tests, inserted straight into the replicated session
// tables of a fresh company (every test file makes its own), plus one row of each kind for a
// second company that must never be counted. Every expected number in the tests is computed by
// hand from the comments below. The range is 2025-03-01 … 2025-03-03 (a Saturday to a Monday).
import type { z } from "zod";
import {
  bundles,
  cartItems,
  carts,
  crossSiteSessions,
  type NewCart,
  type NewCartItem,
  productComparisonItems,
  productComparisons,
  wishlistItems,
  wishlists,
} from "../../src/db/schema";
import { api, bearer, signToken } from "./app";
import { createCompany, seedProducts } from "./catalog";
import { withDatabase } from "./db";

export const RANGE = "startDate=2025-03-01&endDate=2025-03-03";
export const DAYS = ["2025-03-01", "2025-03-02", "2025-03-03"];

export interface AnalyticsDataset {
  companyId: string;
  /** A1 (default site), A2 */
  siteIds: [string, string];
  /** P1 < P2 < P3 < P4 by id (ties in "top" lists are ordered by id) */
  productIds: [string, string, string, string];
  bundleIds: [string, string];
  otherCompanyId: string;
  otherSiteIds: [string, string];
  adminToken: string;
  otherAdminToken: string;
}

const at = (iso: string) => new Date(iso);
const uuid = () => crypto.randomUUID();

export async function loadAnalyticsDataset(): Promise<AnalyticsDataset> {
  const company = await createCompany();
  const other = await createCompany();
  const [A1, A2] = company.siteIds;
  const productIds = [uuid(), uuid(), uuid(), uuid()].sort() as AnalyticsDataset["productIds"];
  const [P1, P2, P3, P4] = productIds;
  const [B1, B2] = [uuid(), uuid()];
  // P1–P3 are in the catalog; P4 is not (its name and sku come back null).
  await seedProducts(
    company.companyId,
    [P1, P2, P3].map((id, index) => ({ id, sku: `SKU-P${index + 1}`, price: 1000 })),
  );
  await withDatabase(async (db) => {
    await db.insert(bundles).values({ id: B1, companyId: company.companyId, name: "Trail set" });

    // ── Carts ──────────────────────────────────────────────────────────────────────────────
    const cart = (id: string, created: string, values: Partial<NewCart>): NewCart => ({
      id,
      companyId: company.companyId,
      siteId: A1,
      sessionId: `s-${id}`,
      currency: "USD",
      createdAt: at(created),
      ...values,
    });
    const saving = (code: string, amount: number) => ({ code, type: "PERCENT" as const, value: 10, amount });
    const c = Array.from({ length: 9 }, uuid);
    await db.insert(carts).values([
      // 03-01: converted (USD 50.00, 2 items, SAVE10 −5.00) and abandoned one second before midnight
      cart(c[0] as string, "2025-03-01T10:00:00Z", {
        status: "CONVERTED",
        grandTotal: 5000,
        itemCount: 2,
        discounts: [saving("SAVE10", 500)],
        convertedAt: at("2025-03-01T11:00:00Z"),
      }),
      cart(c[1] as string, "2025-03-01T23:59:59Z", {
        status: "ABANDONED",
        grandTotal: 3000,
        itemCount: 3,
        discounts: [saving("SAVE10", 300)],
        abandonedAt: at("2025-03-02T23:00:00Z"),
      }),
      // 03-02 from midnight: active on A2, merged (left out of rates), expired with items on A2
      // (= abandoned), expired empty (counted, not abandoned, not in averages)
      cart(c[2] as string, "2025-03-02T00:00:00Z", { siteId: A2, grandTotal: 2000, itemCount: 1 }),
      cart(c[3] as string, "2025-03-02T12:00:00Z", {
        status: "MERGED",
        grandTotal: 1500,
        itemCount: 1,
        discounts: [saving("SAVE10", 999)],
      }),
      cart(c[4] as string, "2025-03-02T13:00:00Z", { siteId: A2, status: "EXPIRED", grandTotal: 4000, itemCount: 2 }),
      cart(c[5] as string, "2025-03-02T14:00:00Z", { status: "EXPIRED" }),
      // 03-03: converted in EUR on A2 with two codes
      cart(c[6] as string, "2025-03-03T09:00:00Z", {
        siteId: A2,
        currency: "EUR",
        status: "CONVERTED",
        grandTotal: 7000,
        itemCount: 4,
        discounts: [saving("SAVE10", 700), { code: "WELCOME5", type: "FIXED", value: 500, amount: 500 }],
      }),
      // outside the range by one second on either side
      cart(c[7] as string, "2025-02-28T23:59:59Z", { status: "CONVERTED", grandTotal: 9999, itemCount: 10 }),
      cart(c[8] as string, "2025-03-04T00:00:00Z", { status: "CONVERTED", grandTotal: 8888, itemCount: 1 }),
    ]);
    const G = Array.from({ length: 4 }, uuid);
    const line = (cartId: string, productId: string, quantity: number, bundle?: [string, string]): NewCartItem => ({
      cartId,
      productId,
      sku: "snapshot",
      name: "snapshot",
      quantity,
      unitPrice: 1000,
      lineTotal: 1000 * quantity,
      bundleGroupId: bundle?.[0] ?? null,
      bundleId: bundle?.[1] ?? null,
    });
    await db
      .insert(cartItems)
      .values([
        line(c[0] as string, P1, 1, [G[0] as string, B1]),
        line(c[0] as string, P2, 1, [G[0] as string, B1]),
        line(c[1] as string, P1, 3),
        line(c[2] as string, P3, 1),
        line(c[3] as string, P1, 1, [G[1] as string, B1]),
        line(c[4] as string, P2, 1, [G[2] as string, B1]),
        line(c[4] as string, P3, 1, [G[2] as string, B1]),
        line(c[6] as string, P1, 2),
        line(c[6] as string, P4, 2, [G[3] as string, B2]),
        line(c[7] as string, P4, 10),
      ]);

    // ── Wishlists ──────────────────────────────────────────────────────────────────────────
    const w = Array.from({ length: 4 }, uuid);
    const wishlist = (id: string, created: string, values: Partial<typeof wishlists.$inferInsert>) => ({
      id,
      companyId: company.companyId,
      siteId: A1,
      sessionId: `s-${id}`,
      createdAt: at(created),
      ...values,
    });
    await db
      .insert(wishlists)
      .values([
        wishlist(w[0] as string, "2025-03-01T08:00:00Z", { shareTokenHash: `h-${w[0]}`, itemCount: 2 }),
        wishlist(w[1] as string, "2025-03-02T23:59:59Z", { siteId: A2, itemCount: 1 }),
        wishlist(w[2] as string, "2025-02-20T08:00:00Z", { itemCount: 2 }),
        wishlist(w[3] as string, "2025-03-03T10:00:00Z", { shareTokenHash: `h-${w[3]}` }),
      ]);
    const wished = (wishlistId: string, productId: string, added: string) => ({
      wishlistId,
      productId,
      addedAt: at(added),
    });
    await db
      .insert(wishlistItems)
      .values([
        wished(w[0] as string, P1, "2025-03-01T08:00:00Z"),
        wished(w[0] as string, P2, "2025-03-02T10:00:00Z"),
        wished(w[1] as string, P1, "2025-03-03T00:00:00Z"),
        wished(w[2] as string, P1, "2025-02-20T08:00:00Z"),
        wished(w[2] as string, P3, "2025-03-03T12:00:00Z"),
      ]);

    // ── Comparisons ────────────────────────────────────────────────────────────────────────
    const pc = Array.from({ length: 3 }, uuid);
    const comparison = (id: string, created: string, values: Partial<typeof productComparisons.$inferInsert>) => ({
      id,
      companyId: company.companyId,
      siteId: A1,
      sessionId: `s-${id}`,
      createdAt: at(created),
      expiresAt: at("2025-06-01T00:00:00Z"),
      ...values,
    });
    await db
      .insert(productComparisons)
      .values([
        comparison(pc[0] as string, "2025-03-01T12:00:00Z", { shareTokenHash: `h-${pc[0]}`, itemCount: 3 }),
        comparison(pc[1] as string, "2025-03-03T23:59:59Z", { itemCount: 1 }),
        comparison(pc[2] as string, "2025-03-04T00:00:00Z", { itemCount: 1 }),
      ]);
    const compared = (comparisonId: string, productId: string, added: string, position: number) => ({
      comparisonId,
      productId,
      addedAt: at(added),
      position,
    });
    await db
      .insert(productComparisonItems)
      .values([
        compared(pc[0] as string, P1, "2025-03-01T12:00:00Z", 0),
        compared(pc[0] as string, P2, "2025-03-01T12:01:00Z", 1),
        compared(pc[0] as string, P3, "2025-03-02T09:00:00Z", 2),
        compared(pc[1] as string, P1, "2025-03-03T23:59:59Z", 0),
        compared(pc[2] as string, P2, "2025-03-04T00:00:00Z", 0),
      ]);

    // ── Cross-site sessions ────────────────────────────────────────────────────────────────
    const session = (created: string, values: Partial<typeof crossSiteSessions.$inferInsert>) => ({
      companyId: company.companyId,
      createdAt: at(created),
      expiresAt: at("2025-04-01T00:00:00Z"),
      ...values,
    });
    await db.insert(crossSiteSessions).values([
      session("2025-03-01T01:00:00Z", { originSiteId: A1, sitesVisited: [A1, A2], transferCount: 1 }),
      session("2025-03-01T23:59:59Z", {
        status: "MERGED",
        originSiteId: A2,
        sitesVisited: [A2],
        mergedAt: at("2025-03-02T01:00:00Z"),
      }),
      session("2025-03-02T00:00:00Z", { status: "EXPIRED", originSiteId: A1, sitesVisited: [A1] }),
      session("2025-03-02T05:00:00Z", { originSiteId: A1, sitesVisited: [A1, A2], transferCount: 2 }),
      session("2025-03-03T05:00:00Z", { originSiteId: A2, sitesVisited: [A2, A1], transferCount: 3, mergeCount: 1 }),
      session("2025-02-28T23:59:59Z", { originSiteId: A1, sitesVisited: [A1, A2], transferCount: 5 }),
    ]);

    // ── The other company: one of everything, in range, on its own sites ───────────────────
    const [O1, O2] = other.siteIds;
    const otherCart = uuid();
    await db.insert(carts).values({
      id: otherCart,
      companyId: other.companyId,
      siteId: O1,
      sessionId: `s-${otherCart}`,
      currency: "USD",
      status: "CONVERTED",
      grandTotal: 100_000,
      itemCount: 50,
      discounts: [saving("SAVE10", 10_000)],
      createdAt: at("2025-03-02T10:00:00Z"),
    });
    await db.insert(cartItems).values(line(otherCart, P1, 50, [uuid(), B1]));
    const otherWishlist = uuid();
    await db.insert(wishlists).values({
      id: otherWishlist,
      companyId: other.companyId,
      siteId: O1,
      sessionId: `s-${otherWishlist}`,
      shareTokenHash: `h-${otherWishlist}`,
      itemCount: 1,
      createdAt: at("2025-03-02T10:00:00Z"),
    });
    await db.insert(wishlistItems).values(wished(otherWishlist, P1, "2025-03-02T10:00:00Z"));
    const otherComparison = uuid();
    await db.insert(productComparisons).values({
      id: otherComparison,
      companyId: other.companyId,
      siteId: O1,
      sessionId: `s-${otherComparison}`,
      itemCount: 1,
      createdAt: at("2025-03-02T10:00:00Z"),
      expiresAt: at("2025-06-01T00:00:00Z"),
    });
    await db.insert(productComparisonItems).values(compared(otherComparison, P1, "2025-03-02T10:00:00Z", 0));
    await db.insert(crossSiteSessions).values({
      companyId: other.companyId,
      originSiteId: O1,
      sitesVisited: [O1, O2, A1],
      transferCount: 7,
      status: "MERGED",
      createdAt: at("2025-03-02T10:00:00Z"),
      expiresAt: at("2025-04-01T00:00:00Z"),
    });
  });
  return {
    companyId: company.companyId,
    siteIds: company.siteIds,
    productIds,
    bundleIds: [B1, B2],
    otherCompanyId: other.companyId,
    otherSiteIds: other.siteIds,
    adminToken: await signToken({ companyId: company.companyId, role: "admin" }),
    otherAdminToken: await signToken({ companyId: other.companyId, role: "admin" }),
  };
}

/** GET /api/analytics/ecommerce/{path} with `fresh=1` (so each test reads Postgres), parsed with `schema`. */
export async function fetchAnalytics<T extends z.ZodType>(
  schema: T,
  path: string,
  query: string,
  token: string,
): Promise<z.infer<T>> {
  const response = await api(`/api/analytics/ecommerce/${path}?${query}&fresh=1`, { headers: bearer(token) });
  if (response.status !== 200) throw new Error(`${path}?${query}: ${response.status} ${await response.text()}`);
  return schema.parse(await response.json());
}
