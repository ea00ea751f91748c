// crosscart/client: the typed storefront client (docs/client.md). ESM with no dependencies and
// no Node APIs: it runs in browsers, Workers and any runtime with fetch and Web Crypto.
import { cartApi } from "./cart";
import { createContext } from "./context";
import type { PublicSite } from "./contract";
import { createIdentity, defaultStorage, type StorageLike } from "./identity";
import { comparisonApi, wishlistApi } from "./lists";
import { defaultLiveSocket, liveApi, type OpenLiveSocket } from "./live";
import { sessionApi } from "./session";
import { createTransport, DEFAULT_RETRY, type FetchLike, type RetryPolicy } from "./transport";

export interface CrosscartClientOptions {
  /** Where the API is: `https://api.example.com` (or the page's own origin). */
  baseUrl: string;
  companyId: string;
  /** The storefront's site: it decides the features and is the site of a new session. */
  siteId: string;
  /** Keeps the session token (and a signed-in customer's JWT). Default: localStorage when there is one, else memory. */
  storage?: StorageLike;
  /** Prefix of the storage keys (default `crosscart.<siteId>.`): each site keeps its own session token. */
  storagePrefix?: string;
  /** Default: the global fetch. In a Worker, a service binding's fetch (bound) works too. */
  fetch?: (request: Request) => Promise<Response>;
  /** Retries of a network failure (the same Idempotency-Key each time). */
  retry?: Partial<RetryPolicy>;
  /** How the live socket is opened (default: `new WebSocket` in browsers, a fetch upgrade in Workers). */
  webSocket?: OpenLiveSocket;
}

export function createCrosscartClient(options: CrosscartClientOptions) {
  // Called as a plain function: a browser's fetch must not be called as a method of `options`.
  const fetchImpl: FetchLike = options.fetch ?? ((request) => fetch(request));
  const identity = createIdentity({
    companyId: options.companyId,
    siteId: options.siteId,
    storage: options.storage ?? defaultStorage(),
    storagePrefix: options.storagePrefix ?? `crosscart.${options.siteId}.`,
  });
  const transport = createTransport(options.baseUrl, fetchImpl, { ...DEFAULT_RETRY, ...options.retry });
  const context = createContext(identity, transport);
  return {
    session: sessionApi(context),
    cart: cartApi(context),
    wishlist: wishlistApi(context),
    comparison: comparisonApi(context),
    live: liveApi(context, options.webSocket ?? defaultLiveSocket(fetchImpl)),
    /** The site's feature flags, currency and comparison cap (no session needed). */
    site: () => context.asStorefront<PublicSite>({ method: "GET", path: "/api/public/site" }),
  };
}

export type CrosscartClient = ReturnType<typeof createCrosscartClient>;

export type * from "./contract";
export { type ClientErrorCode, CrosscartError, type FieldError } from "./errors";
export { memoryStorage, type StorageLike } from "./identity";
export type { LiveEvent, LiveSocket, LiveStatus, LiveSubscription, OpenLiveSocket, SubscribeOptions } from "./live";
export type { CallOptions, RetryPolicy } from "./transport";
