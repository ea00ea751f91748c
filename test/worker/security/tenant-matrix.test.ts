// The tenant negative matrix: every route of the OpenAPI document (so a new route is covered
// the day it is declared), called by company B — its admin, service and customer tokens, its
// storefront headers and session, and B's headers around A's stolen session token — with
// company A's ids in the path, query and body. Never a 5xx, never a byte of A's data; a route
// that names one of A's things in its path answers 404 (or 401/403 where auth decides first).
import { beforeAll, describe, expect, it } from "vitest";
import { api, bearer, jsonHeaders, signToken } from "../../support/app";
import { addItem, cartOf } from "../../support/cart";
import { createCompany, seedProducts } from "../../support/catalog";
import { addToComparison, addToWishlist } from "../../support/lists";
import { newCustomer, newGuest, type Shopper, send } from "../../support/sessions";

interface Operation {
  method: string;
  path: string;
  security?: unknown[];
  requestBody?: unknown;
  parameters?: { in: string; name: string; required?: boolean }[];
}

/** What company A owns; what B must never see. */
interface Victim {
  companyId: string;
  siteIds: [string, string];
  productId: string;
  guest: Shopper;
  customer: Shopper;
  cartLineId: string;
  savedLineId: string;
  wishlistLineId: string;
  comparisonLineId: string;
  wishlistShareToken: string;
  comparisonShareToken: string;
  /** Strings that appear only in A's data (never in what B sends). */
  secrets: string[];
}

interface Attacker {
  companyId: string;
  siteIds: [string, string];
  guest: Shopper;
  tokens: Record<"admin" | "service" | "customer", string>;
}

let a: Victim;
let b: Attacker;
let operations: Operation[];

const shareTokenOf = async (response: Response) => {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  const token = text.match(/[0-9a-f]{128}/)?.[0];
  if (!token) throw new Error(`no share token in ${text}`);
  return token;
};

beforeAll(async () => {
  const company = await createCompany();
  const secretName = `A-ONLY-${crypto.randomUUID()}`;
  const [productId, otherId] = (await seedProducts(company.companyId, [
    { name: secretName, sku: `A-SKU-${crypto.randomUUID()}` },
    { name: `${secretName}-2` },
  ])) as [string, string];
  const guest = await newGuest(company);
  await addItem(guest, productId, 2);
  const withSaved = await addItem(guest, otherId, 1);
  const toSave = withSaved.items.find((item) => item.productId === otherId)?.id as string;
  const saved = await cartOf(await send(guest, "POST", guest.cartPath(`/items/${toSave}/save`)), 200);
  const customer = await newCustomer(company);
  await addItem(customer, productId, 1);
  const wishlist = await addToWishlist(guest, { productId, note: `note ${secretName}` });
  const comparison = await addToComparison(guest, productId);
  a = {
    companyId: company.companyId,
    siteIds: company.siteIds,
    productId,
    guest,
    customer,
    cartLineId: saved.items[0]?.id as string,
    savedLineId: saved.savedItems[0]?.id as string,
    wishlistLineId: wishlist.items[0]?.id as string,
    comparisonLineId: comparison.items[0]?.id as string,
    wishlistShareToken: await shareTokenOf(await send(guest, "POST", "/api/public/wishlist/share")),
    comparisonShareToken: await shareTokenOf(await send(guest, "POST", "/api/public/comparison/share")),
    secrets: [
      secretName,
      guest.cartId,
      guest.sessionId,
      customer.cartId,
      customer.sessionId,
      customer.address.kind === "customer" ? customer.address.customerId : "",
      wishlist.id,
      comparison.id,
    ].filter(Boolean),
  };
  a.secrets.push(a.cartLineId, a.savedLineId, a.wishlistLineId, a.comparisonLineId);

  const attacker = await createCompany();
  b = {
    companyId: attacker.companyId,
    siteIds: attacker.siteIds,
    guest: await newGuest(attacker),
    tokens: {
      admin: await signToken({ role: "admin", companyId: attacker.companyId }),
      service: await signToken({ role: "service", companyId: attacker.companyId }),
      customer: await signToken({ role: "customer", companyId: attacker.companyId, customerId: crypto.randomUUID() }),
    },
  };

  const document = await (await api("/api/openapi.json")).json<{
    paths: Record<string, Record<string, Omit<Operation, "method" | "path">>>;
  }>();
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ ...operation, method: method.toUpperCase(), path })),
  );
});

/** A's thing for each path parameter (by name, and by the list the path is about). */
function paramValue(name: string, path: string): string {
  switch (name) {
    case "id":
      return a.guest.cartId;
    case "itemId":
      if (path.includes("/wishlist/")) return a.wishlistLineId;
      if (path.includes("/comparison/")) return a.comparisonLineId;
      return a.cartLineId;
    case "savedItemId":
      return a.savedLineId;
    case "bundleGroupId":
      return a.cartLineId;
    case "code":
      return "SAVE10";
    case "customerId":
      return a.customer.address.kind === "customer" ? a.customer.address.customerId : "";
    case "token":
      return path.includes("/comparison/") ? a.comparisonShareToken : a.wishlistShareToken;
    default:
      throw new Error(`tenant matrix: no value of company A for path parameter {${name}} of ${path}; add one`);
  }
}

/** A request body naming A's things, for every operation that takes one (keyed by METHOD path). */
function bodyFor(operation: Operation): unknown {
  const key = `${operation.method} ${operation.path}`;
  const bodies: Record<string, unknown> = {
    "POST /api/cart": { currency: "USD" },
    "POST /api/public/cart": { currency: "USD" },
    "POST /api/cart/items": { productId: a.productId, quantity: 1 },
    "POST /api/public/cart/{id}/items": { productId: a.productId, quantity: 1 },
    "PATCH /api/cart/items/{itemId}": { quantity: 5 },
    "PATCH /api/public/cart/{id}/items/{itemId}": { quantity: 5 },
    "POST /api/cart/bundles": { bundleId: a.productId, quantity: 1 },
    "POST /api/public/cart/{id}/bundles": { bundleId: a.productId, quantity: 1 },
    "POST /api/cart/discount": { code: "SAVE10" },
    "POST /api/public/cart/{id}/discount": { code: "SAVE10" },
    "POST /api/platform/carts/{id}/convert": { orderId: `order-${crypto.randomUUID()}` },
    "POST /api/cart/merge": { sessionToken: a.guest.sessionToken, strategy: "sum" },
    "POST /api/wishlist/items": { productId: a.productId },
    "POST /api/public/wishlist/items": { productId: a.productId },
    "PATCH /api/wishlist/items/{itemId}": { priority: 1 },
    "PATCH /api/public/wishlist/items/{itemId}": { priority: 1 },
    "POST /api/comparison/items": { productId: a.productId },
    "POST /api/public/comparison/items": { productId: a.productId },
    "POST /api/cross-site-session/merge": { sessionToken: a.guest.sessionToken },
    "POST /api/public/session/transfer": { targetSiteId: a.siteIds[1] },
    "POST /api/cross-site-session/transfer": { targetSiteId: a.siteIds[1] },
    "POST /api/public/session/claim": { code: "ABCD2345" },
    "PUT /api/catalog/company": { name: "Hijacked", slug: `hijack-${crypto.randomUUID().slice(0, 8)}` },
    "PUT /api/catalog/sites": {
      sites: [
        { id: a.siteIds[0], name: "Hijacked", domain: "evil.test", baseUrl: "https://evil.test", currency: "USD" },
      ],
    },
    "PUT /api/catalog/products": {
      products: [{ id: a.productId, sku: "HIJACK", name: "Hijacked", price: 1, currency: "USD" }],
    },
    "PUT /api/catalog/bundles": {
      bundles: [
        {
          id: crypto.randomUUID(),
          name: "Borrowed",
          discountType: "PERCENT",
          discountValue: 10,
          items: [{ productId: a.productId, quantity: 1 }],
        },
      ],
    },
    "PUT /api/catalog/promotions": {
      promotions: [
        { id: crypto.randomUUID(), code: `B-${crypto.randomUUID().slice(0, 8)}`, type: "PERCENT", value: 10 },
      ],
    },
    "POST /api/admin/replication/dead-letters/replay": { limit: 100 },
  };
  if (!(key in bodies)) throw new Error(`tenant matrix: no body with company A's ids for ${key}; add one`);
  return bodies[key];
}

/** Every way company B may call the operation. */
function callers(operation: Operation): { name: string; headers: Record<string, string> }[] {
  if (operation.path.startsWith("/api/public/")) {
    return [
      { name: "B's guest", headers: b.guest.headers },
      { name: "B's guest on A's site", headers: { ...b.guest.headers, "x-site-id": a.siteIds[0] } },
      {
        name: "A's session token under B's company",
        headers: { "x-company-id": b.companyId, "x-session-token": a.guest.sessionToken as string },
      },
    ];
  }
  return (["admin", "service", "customer"] as const).flatMap((role) => [
    { name: `B's ${role}`, headers: bearer(b.tokens[role]) },
    { name: `B's ${role} on A's site`, headers: { ...bearer(b.tokens[role]), "x-site-id": a.siteIds[0] } },
  ]);
}

const NAMES_A_THING = /\{(id|itemId|savedItemId|bundleGroupId|token|customerId)\}/;

describe("tenant matrix", () => {
  it("covers every route of the OpenAPI document", () => {
    expect(operations.length).toBeGreaterThan(40);
  });

  it("company B never gets a 5xx or any of company A's data, on any route", async () => {
    const failures: string[] = [];
    for (const operation of operations) {
      const path = operation.path.replace(/\{(\w+)\}/g, (_m, name: string) => paramValue(name, operation.path));
      const body = operation.requestBody ? bodyFor(operation) : undefined;
      for (const caller of callers(operation)) {
        // Analytics: A's site in the query (without it, B's own report is the answer).
        const query =
          operation.path.startsWith("/api/analytics/") && caller.name.endsWith("on A's site")
            ? `?siteId=${a.siteIds[0]}&fresh=1`
            : "";
        const headers = { ...caller.headers, ...(body === undefined ? {} : jsonHeaders) };
        const response = await api(`${path}${query}`, {
          method: operation.method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await response.text();
        const sent = `${path}${query} ${JSON.stringify(headers)} ${JSON.stringify(body ?? null)}`;
        const label = `${operation.method} ${operation.path} as ${caller.name}: ${response.status}`;
        if (response.status >= 500) failures.push(`${label} (5xx) ${text.slice(0, 200)}`);
        // B's privacy audit lists B's own earlier requests, which named A's customer id (as a 404).
        const echoed = operation.path === "/api/privacy/requests" ? [paramValue("customerId", operation.path)] : [];
        const leaked = a.secrets.filter(
          (secret) => text.includes(secret) && !sent.includes(secret) && !echoed.includes(secret),
        );
        if (leaked.length > 0) failures.push(`${label} leaked ${leaked.join(", ")}`);
        if (NAMES_A_THING.test(operation.path) && ![401, 403, 404].includes(response.status)) {
          failures.push(`${label} (expected 401/403/404) ${text.slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
