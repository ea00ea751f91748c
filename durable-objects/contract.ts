// The contract between route code and the ShopperSession Durable Object: what a call
// carries in (address, call, commands), the documents the object keeps, the views it
// answers with, and the outcome every RPC method returns. Route code depends on this file,
// never on the class.

import type { CartState, MergeDiff, MergeStrategy, Totals } from "../src/domain/cart";
import type { CartCommand } from "../src/domain/cart/commands";
import type { SiteSettings } from "../src/domain/catalog";
import type { ComparisonItem, ComparisonState } from "../src/domain/comparison";
import { DAY_MS, sessionExpiry } from "../src/domain/lifecycle";
import { orderWishlist, type WishlistMergeDiff, type WishlistState } from "../src/domain/wishlist";
import type { ErrorCode } from "../src/lib/errors";
import type { SessionGenesis } from "../src/lib/session-tokens";

/**
 * Where a shopper session lives. Anonymous sessions are found by their token's SHA-256,
 * customers' by their id, so no lookup table sits on the hot path.
 */
export type SessionAddress = (
  | { kind: "anonymous"; companyId: string; tokenHash: string }
  | { kind: "customer"; companyId: string; customerId: string }
) & {
  /**
   * Set for a company whose data must stay in the EU (its `dataResidency`): the session lives in
   * that jurisdiction of the namespace. The same name elsewhere is another, unrelated object.
   */
  jurisdiction?: SessionJurisdiction | undefined;
};

/** The Durable Object jurisdictions a company's sessions may be kept in. */
export type SessionJurisdiction = "eu";

export type SessionStatus = "ACTIVE" | "MERGED" | "EXPIRED";
export type CartStatus = "ACTIVE" | "MERGED" | "CONVERTED" | "ABANDONED" | "EXPIRED";

/** What every call to a session carries. */
export interface SessionCall {
  address: SessionAddress;
  /** The site the shopper is on (already resolved from the catalog by the Worker). */
  site: SiteSettings;
  /** `Idempotency-Key` and a digest of the request it came with. */
  idempotency?: { key: string; fingerprint: string } | undefined;
  /** `If-Match`: the version the client last saw of the resource it changes. */
  ifMatch?: number | undefined;
  /** Public routes name the cart in the path; it must be this session's cart. */
  cartId?: string | undefined;
  /**
   * The digest of the customer's cross-site token the call came with: set by the session client
   * when it follows a token's link; the customer's object checks it before anything else.
   */
  viaCrossSiteToken?: string | undefined;
  /**
   * Anonymous calls only: the Worker vouches that it issued the session token (its tag
   * verifies) and says what the session's first use creates, exactly as the shopper was shown
   * it when the token was issued (src/lib/session-tokens.ts). Without it, an anonymous session
   * the object does not hold is not found.
   */
  genesis?: SessionGenesis | undefined;
}

export interface SessionDoc {
  id: string;
  companyId: string;
  customerId: string | null;
  tokenHash: string | null;
  status: SessionStatus;
  /** The cart the shopper is filling now; converted carts are kept until replicated. */
  cartId: string;
  /** orderId → cart id of carts converted by this session (conversion is idempotent per order). */
  conversions: Record<string, string>;
  /** Bumped by every change to anything in the session; resources keep the value of their last change. */
  version: number;
  originSiteId: string;
  sitesVisited: string[];
  createdAt: string;
  updatedAt: string;
  lastActivityAt: string;
  mergedIntoSessionId: string | null;
  mergedAt: string | null;
  /**
   * Guests: when the customer's side of the merge was done. From then on the guest adds nothing
   * to any merge, whatever the customer's session still remembers (it may have expired since).
   */
  mergeAppliedAt?: string | null;
  /** When the session expires: lastActivityAt + the site's cartExpirationDays (sessionExpiry), as its alarm does */
  expiresAt?: string;
  /**
   * Never changed since it was created (only opened or read): nothing of it is replicated, and
   * its alarm forgets it when it would have expired (src/domain/lifecycle.ts). Absent: changed.
   */
  pristine?: boolean;
  /** The `cartExpirationDays` of the site of the last activity: the session expires that long after it. */
  cartExpirationDays?: number;
  transferCount?: number;
  mergeCount?: number;
  /**
   * Customers only: the digest of the cross-site token issued last (what the Postgres row
   * carries); null once revoked. The tokens themselves: durable-objects/cross-site-tokens.ts.
   */
  crossSiteTokenHash?: string | null;
}

export interface CrossSiteView {
  id: string;
  companyId: string;
  customerId: string | null;
  status: SessionStatus;
  sessionToken?: string;
  /** with `sessionToken`, when a customer's cross-site token expires unless used */
  sessionTokenExpiresAt?: string;
  /** customers: their live cross-site tokens (never a token or a digest) */
  tokens?: CrossSiteTokenInfo[];
  originSiteId: string;
  sitesVisited: string[];
  transferCount: number;
  mergeCount: number;
  version: number;
  lastActivityAt: string;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
}

export interface CrossSiteTokenInfo {
  issuedAt: string;
  lastUsedAt: string;
  expiresAt: string;
  generation: number;
}

/** A cross-site token the Worker minted, as the customer's object receives it: its digest only. */
export interface NewCrossSiteToken {
  digest: string;
  ttlMs: number;
}

/** What issuing a customer's cross-site token answers (and an Idempotency-Key stores: no token). */
export interface IssuedCrossSiteToken {
  session: CrossSiteView;
  /** the digest the session now honours: the Worker hands out the token only if it is its own */
  digest: string;
  expiresAt: string;
}

/** What a claim answers: a guest's session token, or (customers) a fresh cross-site token was issued. */
export interface ClaimedTransfer {
  session: CrossSiteView;
  /** guests: the session token the code held */
  sessionToken?: string;
  /** customers: the fresh token's digest was issued, expiring then */
  issuedTokenExpiresAt?: string;
}

/** A token object that only points at a customer's session. */
export interface LinkDoc {
  companyId: string;
  customerId: string;
}

/** A one-time secret held as its digest: a transfer code (120 s) or a live-sync ticket (30 s). */
export interface PendingCode {
  purpose: "transfer" | "ticket";
  codeHash: string;
  expiresAt: number;
  targetSiteId?: string | undefined;
  /**
   * Guests' transfer codes redeem to this token; it lives here only until the code is used or
   * expires. A customer's code holds none: its claim issues a fresh cross-site token.
   */
  sessionToken?: string | undefined;
}

export interface CartDoc {
  id: string;
  status: CartStatus;
  siteId: string;
  state: CartState;
  totals: Totals;
  version: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  abandonedAt: string | null;
  orderId: string | null;
  convertedAt: string | null;
  /** Guest sessions already merged into this cart, so a retried merge adds nothing twice. */
  appliedMerges: string[];
}

/**
 * A wishlist or a comparison: a list of products the shopper can share. Only the hash of
 * the current share token is kept (raw tokens are never stored).
 */
export interface ListDoc<State> {
  id: string;
  siteId: string;
  state: State;
  version: number;
  createdAt: string;
  updatedAt: string;
  shareTokenHash: string | null;
  sharedAt: string | null;
}

export type WishlistDoc = ListDoc<WishlistState>;

export interface ComparisonDoc extends ListDoc<ComparisonState> {
  /** creation + 90 days; after it, the shopper starts a new comparison */
  expiresAt: string;
}

export type ShareCommand = { type: "share"; tokenHash: string } | { type: "unshare" };

/** Adding a product to a list; the product is checked against the catalog first. */
export type AddProduct = { type: "add"; productId: string; variantId: string | null };
export type RemoveItem = { type: "remove"; itemId: string };

export type WishlistItemCommand =
  | (AddProduct & { priority?: number | undefined; note?: string | null | undefined })
  | { type: "update"; itemId: string; priority?: number | undefined; note?: string | null | undefined }
  | RemoveItem;
export type WishlistCommand = WishlistItemCommand | ShareCommand;

export type ComparisonItemCommand = AddProduct | RemoveItem;
export type ComparisonCommand = ComparisonItemCommand | ShareCommand;

export interface RpcError {
  /** LINKED is internal: the token's object points at a customer's session (see client.ts). */
  code: ErrorCode | "LINKED";
  detail: string;
  extensions?: Record<string, unknown>;
}

/** RPC results carry errors as data: thrown errors lose their fields crossing the RPC boundary. */
export type Outcome<T> = { ok: true; status: number; body: T } | { ok: false; error: RpcError };

// ── Views: what the API shows of each document ─────────────────────────────

/**
 * A new session's document (not stored): what its first use creates. Pure, so the Worker
 * answers a session's creation with exactly what the object stores on the token's first use:
 * with `call.genesis`, its ids and creation time come from the token. New sessions are
 * pristine: nothing is replicated until their first real change.
 */
export function newSessionDoc(call: SessionCall, now = new Date()): SessionDoc {
  const { address, genesis } = call;
  const createdAt = genesis?.createdAt ?? now.toISOString();
  return {
    id: genesis?.sessionId ?? crypto.randomUUID(),
    companyId: address.companyId,
    customerId: address.kind === "customer" ? address.customerId : null,
    tokenHash: address.kind === "anonymous" ? address.tokenHash : null,
    status: "ACTIVE",
    cartId: genesis?.cartId ?? crypto.randomUUID(),
    conversions: {},
    version: 1,
    originSiteId: call.site.id,
    sitesVisited: [call.site.id],
    createdAt,
    updatedAt: createdAt,
    lastActivityAt: createdAt,
    expiresAt: new Date(sessionExpiry(createdAt, call.site.cartExpirationDays)).toISOString(),
    mergedIntoSessionId: null,
    mergedAt: null,
    pristine: true,
    cartExpirationDays: call.site.cartExpirationDays,
  };
}

/** An empty cart for the session (not stored), created at `now`. */
export function newCartDoc(session: SessionDoc, site: SiteSettings, currency: string | undefined, now: Date): CartDoc {
  return {
    id: session.cartId,
    status: "ACTIVE",
    siteId: site.id,
    state: { currency: currency ?? site.currency, lines: [], savedLines: [], discounts: [] },
    totals: { subtotal: 0, discountTotal: 0, taxTotal: 0, shippingTotal: 0, grandTotal: 0, itemCount: 0 },
    version: session.version,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + site.cartExpirationDays * DAY_MS).toISOString(),
    abandonedAt: null,
    orderId: null,
    convertedAt: null,
    appliedMerges: [],
  };
}

export function cartView(session: SessionDoc, cart: CartDoc) {
  return {
    id: cart.id,
    sessionId: session.id,
    companyId: session.companyId,
    siteId: cart.siteId,
    customerId: session.customerId,
    status: cart.status,
    currency: cart.state.currency,
    // Every line field is shown; a saved line shows when it was saved, not first added.
    items: cart.state.lines,
    savedItems: cart.state.savedLines.map(({ addedAt: _whenFirstAdded, ...saved }) => saved),
    discounts: cart.state.discounts.map(({ code, type, value, amount, stackable }) => ({
      code,
      type,
      value,
      amount,
      stackable,
    })),
    totals: cart.totals,
    orderId: cart.orderId,
    version: cart.version,
    expiresAt: cart.expiresAt,
    createdAt: cart.createdAt,
    updatedAt: cart.updatedAt,
  };
}

export type CartView = ReturnType<typeof cartView>;

/** The wishlist as its owner sees it; items highest priority first. */
export function wishlistView(session: SessionDoc, wishlist: WishlistDoc) {
  return {
    id: wishlist.id,
    sessionId: session.id,
    companyId: session.companyId,
    customerId: session.customerId,
    items: orderWishlist(wishlist.state.items),
    itemCount: wishlist.state.items.length,
    shared: wishlist.shareTokenHash !== null,
    sharedAt: wishlist.sharedAt,
    version: wishlist.version,
    createdAt: wishlist.createdAt,
    updatedAt: wishlist.updatedAt,
  };
}

export type WishlistView = ReturnType<typeof wishlistView>;

export function comparisonView(session: SessionDoc, comparison: ComparisonDoc, maxItems: number) {
  return {
    id: comparison.id,
    sessionId: session.id,
    companyId: session.companyId,
    customerId: session.customerId,
    items: comparison.state.items,
    itemCount: comparison.state.items.length,
    maxItems,
    shared: comparison.shareTokenHash !== null,
    sharedAt: comparison.sharedAt,
    version: comparison.version,
    expiresAt: comparison.expiresAt,
    createdAt: comparison.createdAt,
    updatedAt: comparison.updatedAt,
  };
}

export type ComparisonView = ReturnType<typeof comparisonView>;

// ── Merge ───────────────────────────────────────────────────────────────────

/** What a guest session hands over for a merge. */
export interface GuestState {
  sessionId: string;
  /** the guest was merged before (its merge was confirmed): it adds nothing */
  alreadyMerged?: boolean;
  cart: CartDoc;
  wishlist: WishlistDoc | undefined;
  comparison: ComparisonDoc | undefined;
}

export interface MergeResult {
  cart: CartView;
  diff: MergeDiff;
  wishlist: WishlistView;
  wishlistDiff: WishlistMergeDiff;
  comparison: ComparisonView;
  comparisonDiff: { added: ComparisonItem[]; dropped: ComparisonItem[] };
  dryRun: boolean;
  alreadyMerged: boolean;
}

// ── Privacy ─────────────────────────────────────────────────────────────────

/** A session object's live state as a data-subject export shows it: no token or digest. */
export interface LiveStateExport {
  session: Omit<SessionDoc, "tokenHash" | "crossSiteTokenHash"> | null;
  /** the current cart and converted carts the object still keeps */
  carts: CartView[];
  wishlist: WishlistView | null;
  comparison: Omit<ComparisonDoc, "shareTokenHash"> | null;
  crossSiteTokens: CrossSiteTokenInfo[];
  /** a token object: the customer it points at (its only content) */
  linkedTo: LinkDoc | null;
}

/** What erasing a session object removed, and what the Worker must erase next. */
export interface LiveErasure {
  /** every session this object held, now or before an earlier erasure: Postgres' tombstones */
  sessionIds: string[];
  /** the digests of a customer's cross-site tokens: their link objects are erased too */
  tokenDigests: string[];
  documents: number;
  pendingChanges: number;
  idempotencyRecords: number;
  socketsClosed: number;
}

// ── The RPC surface ─────────────────────────────────────────────────────────

/**
 * What the live-sync WebSocket sends (`/api/live`): a greeting with the session's version,
 * then one message per changed resource, and `pong` for a client's `ping`. Typed here so the
 * storefront client (src/client) reads the same shape live-sync.ts writes.
 */
export type LiveMessage =
  | { type: "hello"; sessionId: string; version: number }
  | { type: "change"; resource: LiveResource; version: number; at: string }
  | { type: "pong" };
export type LiveResource = "session" | "cart" | "wishlist" | "comparison";

export interface TransferRequest {
  codeHash: string;
  targetSiteId: string;
  /** what claiming the code yields, for a guest's session (a customer's object ignores it) */
  sessionToken?: string | undefined;
}

/**
 * Every RPC method of the ShopperSession Durable Object. The class implements it; route
 * code and jobs type their stubs with it, so nothing outside src/index.ts imports the class.
 */
export interface ShopperSessionRpc extends Rpc.DurableObjectBranded {
  getCart(call: SessionCall): Promise<Outcome<CartView>>;
  cartCommand(call: SessionCall, command: CartCommand): Promise<Outcome<CartView>>;
  /** The commerce platform's conversion of the cart `call.cartId` for an order. */
  convertCart(call: SessionCall, orderId: string): Promise<Outcome<CartView>>;

  getWishlist(call: SessionCall): Promise<Outcome<WishlistView>>;
  wishlistCommand(call: SessionCall, command: WishlistCommand): Promise<Outcome<WishlistView>>;
  sharedWishlist(companyId: string, tokenHash: string): Promise<Outcome<WishlistView>>;
  getComparison(call: SessionCall): Promise<Outcome<ComparisonView>>;
  comparisonCommand(call: SessionCall, command: ComparisonCommand): Promise<Outcome<ComparisonView>>;
  sharedComparison(companyId: string, tokenHash: string): Promise<Outcome<ComparisonView>>;

  link(target: LinkDoc): Promise<{ linked: boolean }>;
  crossSiteSession(call: SessionCall): Promise<Outcome<CrossSiteView>>;
  issueCrossSiteToken(call: SessionCall, token: NewCrossSiteToken): Promise<Outcome<IssuedCrossSiteToken>>;
  revokeCrossSiteTokens(call: SessionCall): Promise<Outcome<{ revoked: number }>>;
  sessionInfo(call: SessionCall): Promise<Outcome<CrossSiteView>>;
  createTransfer(call: SessionCall, transfer: TransferRequest): Promise<Outcome<CrossSiteView>>;
  claimTransfer(
    companyId: string,
    codeHash: string,
    site: SiteSettings,
    freshToken: NewCrossSiteToken,
  ): Promise<Outcome<ClaimedTransfer>>;
  issueTicket(call: SessionCall, ticketHash: string): Promise<Outcome<{ expiresInSeconds: number }>>;

  peekForMerge(call: SessionCall): Promise<Outcome<GuestState>>;
  freezeForMerge(call: SessionCall, intoSessionName: string): Promise<Outcome<GuestState>>;
  confirmMerge(call: SessionCall, intoSessionName: string): Promise<Outcome<{ confirmed: boolean }>>;
  mergeGuestSession(
    call: SessionCall,
    guest: GuestState,
    strategy: MergeStrategy,
    dryRun: boolean,
  ): Promise<Outcome<MergeResult>>;

  markAbandoned(idleBefore: string): Promise<{ changed: boolean; reason?: string }>;
  expire(idleBefore: string): Promise<{ expired: boolean; reason?: string }>;
  dropComparison(comparisonId: string): Promise<{ dropped: boolean }>;
  forget(sessionId: string): Promise<{ forgotten: boolean; reason?: string }>;

  /** A data-subject export of what the object holds (docs/design.md, "Privacy"). */
  exportLiveState(): Promise<LiveStateExport>;
  /**
   * Erases everything the object holds (documents, codes, token digests, idempotency records,
   * pending changes), closes its live sockets and keeps only the erased session ids. Idempotent;
   * the next call starts a fresh session.
   */
  eraseLiveState(): Promise<LiveErasure>;

  /** Puts every resource the object holds on the replication queue again (replaying dead letters). */
  resendReplicas(): Promise<{ resources: number }>;
}
