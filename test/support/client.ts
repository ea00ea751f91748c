// The storefront client (crosscart/client) wired to the real Worker: its requests go through
// the Worker's entrypoint in this isolate, and a fetch wrapper lets a test watch them or make
// the network fail. Nothing of the API is mocked.
import { exports } from "cloudflare:workers";
import { type CrosscartClientOptions, createCrosscartClient, memoryStorage, type StorageLike } from "../../src/client";
import { BASE, customerToken } from "./app";
import { seedProduct, type TestCompany } from "./catalog";

export type Fetch = (request: Request) => Promise<Response>;

/** The Worker's own fetch, as a storefront's network would reach it. */
export const workerFetch: Fetch = (request) => exports.default.fetch(request);

/** A client of the company's site (its default site unless told), with its own memory storage. */
export function clientFor(company: TestCompany, options: Partial<CrosscartClientOptions> = {}) {
  return createCrosscartClient({
    baseUrl: BASE,
    companyId: company.companyId,
    siteId: company.siteIds[0],
    storage: memoryStorage(),
    fetch: workerFetch,
    // Short waits: the retries are real, only quicker than a browser's.
    retry: { delayMs: 5 },
    ...options,
  });
}

export interface SeenRequest {
  method: string;
  path: string;
  idempotencyKey: string | null;
  ifMatch: string | null;
}

/** A fetch that records every request it passes on to the Worker (method, path, keys). */
export function recordingFetch(inner: Fetch = workerFetch) {
  const seen: SeenRequest[] = [];
  const fetch: Fetch = (request) => {
    const url = new URL(request.url);
    seen.push({
      method: request.method,
      path: url.pathname,
      idempotencyKey: request.headers.get("idempotency-key"),
      ifMatch: request.headers.get("if-match"),
    });
    return inner(request);
  };
  return { fetch, seen };
}

/**
 * The network fails the answer of the first request that `matches`, AFTER the Worker has
 * handled it: the change happened, the storefront just never heard. The retry must not apply it twice.
 */
export function losingFirstAnswer(matches: (request: Request) => boolean, inner: Fetch = workerFetch): Fetch {
  let lost = false;
  return async (request) => {
    if (lost || !matches(request)) return inner(request);
    lost = true;
    const response = await inner(request);
    await response.arrayBuffer();
    throw new TypeError("Network connection lost");
  };
}

/** A customer of the company (a fresh id) and their JWT. */
export async function newCustomerJwt(company: TestCompany, customerId = crypto.randomUUID()) {
  return { customerId, jwt: await customerToken(company.companyId, customerId) };
}

/** A Storage that counts what the client stores, for tests of persistence. */
export function inspectableStorage(): StorageLike & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
    removeItem: (key) => void values.delete(key),
  };
}

/** A storage that already holds this anonymous session token for the site (a returning visitor). */
export function storageWithToken(siteId: string, token: string) {
  const storage = inspectableStorage();
  storage.setItem(`crosscart.${siteId}.sessionToken`, token);
  return storage;
}

/** Two products of the company (10.00 and 25.00). */
export async function twoProducts(company: TestCompany): Promise<[string, string]> {
  return [
    await seedProduct(company.companyId, { price: 1000, name: "Ten" }),
    await seedProduct(company.companyId, { price: 2500, name: "Twenty-five" }),
  ];
}
