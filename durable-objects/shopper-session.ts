import { DurableObject } from "cloudflare:workers";
import { openDatabase } from "../src/db/client";
import { loadConfig } from "../src/lib/config";
import { createLogger } from "../src/lib/logger";
import {
  applyCartCommand,
  type CommandCatalog,
  catalogCovers,
  catalogNeeds,
  finishChange,
} from "../src/modules/cart/commands";
import {
  type CartLine,
  DEMO_CODES,
  DomainError,
  type MergeDiff,
  type MergeStrategy,
  mergeCarts,
  normalizeCode,
} from "../src/modules/cart/domain";
import { type CartView, cartView } from "../src/modules/cart/view";
import type { SiteSettings } from "../src/modules/catalog/lookup";
import {
  type CatalogProduct,
  loadBundle,
  loadProducts,
  loadPromotion,
  priceLookup,
} from "../src/modules/catalog/products";
import {
  addToComparison,
  COMPARISON_TTL_DAYS,
  type ComparisonItem,
  mergeComparisons,
  removeFromComparison,
} from "../src/modules/comparison/domain";
import { type ComparisonView, comparisonView } from "../src/modules/comparison/view";
import {
  addToWishlist,
  mergeWishlists,
  removeFromWishlist,
  updateWishlistItem,
  type WishlistMergeDiff,
} from "../src/modules/wishlist/domain";
import { type WishlistView, wishlistView } from "../src/modules/wishlist/view";
import { sha256Hex } from "../src/sessions/address";
import type {
  CartCommand,
  CartDoc,
  ComparisonCommand,
  ComparisonDoc,
  CrossSiteView,
  LinkDoc,
  Outcome,
  RpcError,
  SessionCall,
  SessionDoc,
  ShareCommand,
  WishlistCommand,
  WishlistDoc,
} from "../src/sessions/types";
import { rememberCode, sameDigest, takeCode } from "./codes";
import { replicate } from "./replication";
import { SessionStorage } from "./storage";

const SESSION = "session";
const LINK = "link";
const WISHLIST = "wishlist";
const COMPARISON = "comparison";
const cartDocName = (cartId: string) => `cart:${cartId}`;

const DAY_MS = 86_400_000;
const IDEMPOTENCY_TTL_MS = DAY_MS;
/** Changes are batched for this long before the alarm replicates them. */
const FLUSH_DELAY_MS = 500;
/** A shopper session lives this long after its last activity (the daily job expires it). */
const SESSION_TTL_DAYS = 30;
const TRANSFER_CODE_TTL_MS = 120_000;
const TICKET_TTL_MS = 30_000;
const MAX_BACKOFF_MS = 5 * 60_000;
/** How often a change looks at the catalog again for lines that calls running meanwhile added. */
const MAX_CATALOG_PASSES = 3;
/** How many catalog loads that need Postgres one session object runs at once. */
const MAX_CATALOG_LOADS = 4;
/** How many converted orders a session remembers for idempotent conversion. */
const MAX_REMEMBERED_CONVERSIONS = 50;

class Refusal extends Error {
  constructor(readonly rpc: RpcError) {
    super(rpc.detail);
  }
}
/** A cache-only look at the catalog found something missing: it takes a turn with Postgres. */
class NotCached extends Error {}

const refuse = (code: RpcError["code"], detail: string, extensions?: Record<string, unknown>): never => {
  throw new Refusal({ code, detail, ...(extensions ? { extensions } : {}) });
};

/** What a guest session hands over for a merge. */
export interface GuestState {
  sessionId: string;
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

interface Mutation<T> {
  status: number;
  body: T;
}

/**
 * One shopper session: its cart (and, as they land, wishlist and comparison). The single
 * writer of that state: every change runs in one synchronous SQLite transaction that also
 * writes the outbox row the alarm later replicates to Postgres.
 */
export class ShopperSession extends DurableObject<Env> {
  private readonly store: SessionStorage;
  private readonly log = createLogger({ component: "ShopperSession" });
  /** This object's catalog loads that need Postgres: how many run, who waits for a turn. */
  private catalogLoads = { running: 0, waiting: [] as (() => void)[] };
  /** What the running transaction changed, announced to live subscribers after it commits. */
  private changes: { resource: string; version: number }[] = [];
  /** A read created a customer's session (requireSession): its outbox rows need the flush alarm too. */
  private flushPending = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SessionStorage(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => this.store.migrate());
  }

  // ── Cart RPC ────────────────────────────────────────────────────────────────

  /** The session's current cart; anonymous sessions must exist, customers' are created on first use. */
  async getCart(call: SessionCall): Promise<Outcome<CartView>> {
    return this.outcome(async () => {
      const session = this.readSession();
      if (!session || (session.status === "EXPIRED" && call.address.kind === "customer")) {
        // A customer's session exists implicitly: the first read creates it (again, after expiry).
        if (call.address.kind === "anonymous") refuse("NOT_FOUND", "Session not found");
        return this.mutate(call, () => ({ status: 200, body: this.viewCart(this.ensureSession(call)) }));
      }
      this.assertUsable(session, call);
      return { status: 200, body: cartView(session, await this.cartToShow(session, call)) };
    });
  }

  /** Creates the session and its cart if they do not exist (201), else returns the cart (200). */
  async openCart(call: SessionCall, currency: string | undefined): Promise<Outcome<CartView>> {
    return this.outcome(async () => {
      const existing = this.readSession();
      if (existing) {
        this.assertUsable(existing, call);
        return { status: 200, body: cartView(existing, await this.cartToShow(existing, call)) };
      }
      return this.mutate(call, () => {
        const session = this.ensureSession(call, currency);
        return { status: 201, body: cartView(session, this.currentCart(session)) };
      });
    });
  }

  async cartCommand(call: SessionCall, command: CartCommand): Promise<Outcome<CartView>> {
    return this.outcome(async () => {
      const replay = this.replay<CartView>(call);
      if (replay) return replay;
      const before = this.readSession();
      if (!before && call.address.kind === "anonymous") refuse("NOT_FOUND", "Session not found");
      const catalog = await this.catalogFor(call, command);
      return this.mutate(call, () => {
        const session = this.ensureSession(call);
        const cart = this.activeCart(session, call);
        if (call.ifMatch !== undefined && call.ifMatch !== cart.version) {
          refuse("VERSION_MISMATCH", `The cart is at version ${cart.version}`, { version: cart.version });
        }
        if (command.type === "convert") return this.convert(session, cart, command.orderId);
        const now = new Date();
        const changed = applyCartCommand(cart.state, command, {
          site: call.site,
          now,
          allowDemoCodes: this.allowDemoCodes(),
          newId: () => crypto.randomUUID(),
          catalog,
        });
        const updated = this.saveCart(session, cart, changed, call.site, catalog, now);
        return {
          status: command.type === "addItem" || command.type === "addBundle" ? 201 : 200,
          body: this.viewCart(updated),
        };
      });
    });
  }

  /** The guest session's state for a merge preview (dryRun): read only, nothing frozen. */
  async peekForMerge(call: SessionCall): Promise<Outcome<GuestState>> {
    return this.outcome(async () => {
      const session = this.readSession();
      if (!session || session.companyId !== call.address.companyId)
        return refuse("NOT_FOUND", "Guest session not found");
      this.assertUsable(session, call);
      return { status: 200, body: this.guestState(session) };
    });
  }

  /**
   * Step 1 of a guest→customer merge, on the guest's session: freezes it (every later
   * write is refused with SESSION_MERGED) and returns its state. Freezing first means a
   * concurrent add on the guest either lands before the freeze (and is merged) or is refused
   * (and the storefront knows) — it is never silently lost. Repeatable for the same target.
   */
  async freezeForMerge(call: SessionCall, intoSessionName: string): Promise<Outcome<GuestState>> {
    return this.outcome(async () => {
      const session = this.readSession();
      if (!session || session.companyId !== call.address.companyId)
        return refuse("NOT_FOUND", "Guest session not found");
      if (session.status === "MERGED" && session.mergedIntoSessionId !== intoSessionName) {
        refuse("SESSION_MERGED", "The guest session was merged into another session");
      }
      if (session.status === "EXPIRED") refuse("SESSION_EXPIRED", "The guest session has expired");
      const guest = this.guestState(session);
      if (session.status !== "MERGED") {
        this.changes = [];
        this.ctx.storage.transactionSync(() => {
          const now = new Date();
          const touched = this.touchSession(session, call.site, now);
          const frozen: SessionDoc = {
            ...touched,
            status: "MERGED",
            mergedIntoSessionId: intoSessionName,
            mergedAt: now.toISOString(),
          };
          this.store.write(SESSION, frozen);
          const mergedCart: CartDoc = {
            ...guest.cart,
            status: "MERGED",
            version: frozen.version,
            updatedAt: now.toISOString(),
          };
          this.store.write(cartDocName(guest.cart.id), mergedCart);
          this.record(cartDocName(guest.cart.id), frozen.version, now);
        });
        this.broadcast(this.changes);
        await this.scheduleFlush();
      }
      return { status: 200, body: guest };
    });
  }

  /**
   * Step 2 of the merge, on the customer's session: cart (by strategy), wishlist (union,
   * higher priority wins) and comparison (union up to the cap, the rest reported) in one
   * transaction. A retry for the same guest session changes nothing. `dryRun` stores nothing.
   */
  async mergeGuestSession(
    call: SessionCall,
    guest: GuestState,
    strategy: MergeStrategy,
    dryRun: boolean,
  ): Promise<Outcome<MergeResult>> {
    return this.outcome<MergeResult>(async () => {
      // The guest's lines are priced too: they are about to become lines of this cart.
      const catalog = await this.catalogFor(call, undefined, guest.cart.state.lines);
      const before = this.readSession();
      const compute = (session: SessionDoc, now: Date) => {
        const cart = dryRun ? this.previewCart(session, call) : this.activeCart(session, call);
        const newId = () => crypto.randomUUID();
        const carts = mergeCarts(cart.state, guest.cart.state, strategy, newId, now);
        const wishlist = this.wishlistOf(call.site);
        const wishlists = mergeWishlists(wishlist.state, guest.wishlist?.state ?? { items: [] }, now, newId);
        const comparison = this.comparisonOf(call.site);
        const max = call.site.maxCompareItems;
        const comparisons = mergeComparisons(comparison.state, guest.comparison?.state ?? { items: [] }, max, newId);
        return { cart, carts, wishlist, wishlists, comparison, comparisons };
      };
      const describe = (
        session: SessionDoc,
        merged: ReturnType<typeof compute>,
        cart: CartDoc,
        wishlist: WishlistDoc,
        comparison: ComparisonDoc,
        flags: { dryRun: boolean; alreadyMerged: boolean },
      ): MergeResult => ({
        cart: cartView(session, cart),
        diff: merged.carts.diff,
        wishlist: wishlistView(session, wishlist),
        wishlistDiff: merged.wishlists.diff,
        comparison: comparisonView(session, comparison, call.site.maxCompareItems),
        comparisonDiff: { added: merged.comparisons.added, dropped: merged.comparisons.dropped },
        ...flags,
      });
      if (dryRun) {
        const session = before ?? this.previewSession(call);
        const now = new Date();
        // Reads only: wishlistOf/comparisonOf may create empty documents, which changes no version.
        const merged = compute(session, now);
        const { state, totals } = finishChange(merged.carts.result, { site: call.site, catalog });
        return {
          status: 200,
          body: describe(
            session,
            merged,
            { ...merged.cart, state, totals, updatedAt: now.toISOString() },
            { ...merged.wishlist, state: merged.wishlists.state },
            { ...merged.comparison, state: merged.comparisons.state },
            { dryRun: true, alreadyMerged: false },
          ),
        };
      }
      return this.mutate<MergeResult>(call, () => {
        const session = this.ensureSession(call);
        const now = new Date();
        const merged = compute(session, now);
        if (merged.cart.appliedMerges.includes(guest.sessionId)) {
          const empty = {
            ...merged,
            carts: { result: merged.cart.state, diff: emptyDiff() },
            wishlists: { state: merged.wishlist.state, diff: { added: [], priorityRaised: [], dropped: [] } },
            comparisons: { state: merged.comparison.state, added: [], dropped: [] },
          };
          return {
            status: 200,
            body: describe(session, empty, merged.cart, merged.wishlist, merged.comparison, {
              dryRun: false,
              alreadyMerged: true,
            }),
          };
        }
        const withMerge = {
          ...merged.cart,
          appliedMerges: [...merged.cart.appliedMerges, guest.sessionId].slice(-100),
        };
        let current = this.saveCart(session, withMerge, merged.carts.result, call.site, catalog, now);
        const wishlist = this.saveResource(
          current,
          WISHLIST,
          { ...merged.wishlist, state: merged.wishlists.state },
          call.site,
          now,
        );
        const comparison = this.saveResource(
          wishlist.session,
          COMPARISON,
          { ...merged.comparison, state: merged.comparisons.state },
          call.site,
          now,
        );
        current = this.touchSession(
          { ...comparison.session, mergeCount: (comparison.session.mergeCount ?? 0) + 1 },
          call.site,
          now,
        );
        return {
          status: 200,
          body: describe(current, merged, this.currentCart(current), wishlist.resource, comparison.resource, {
            dryRun: false,
            alreadyMerged: false,
          }),
        };
      });
    });
  }

  private guestState(session: SessionDoc): GuestState {
    return {
      sessionId: session.id,
      cart: this.currentCart(session),
      wishlist: this.store.read<WishlistDoc>(WISHLIST),
      comparison: this.store.read<ComparisonDoc>(COMPARISON),
    };
  }

  /**
   * For the lifecycle jobs: marks the cart ABANDONED if the session has been idle since
   * before `idleBefore`. A session touched after the job selected it is left alone.
   */
  async markAbandoned(idleBefore: string): Promise<{ changed: boolean; reason?: string }> {
    const session = this.readSession();
    if (session?.status !== "ACTIVE") return { changed: false, reason: "not active" };
    if (session.lastActivityAt >= idleBefore) return { changed: false, reason: "active since selection" };
    const cart = this.currentCart(session);
    if (cart.status !== "ACTIVE" || cart.state.lines.length === 0)
      return { changed: false, reason: "nothing to abandon" };
    this.ctx.storage.transactionSync(() => {
      const now = new Date().toISOString();
      const version = session.version + 1;
      this.store.write(SESSION, { ...session, version });
      this.store.write(cartDocName(cart.id), { ...cart, status: "ABANDONED", abandonedAt: now, version });
      this.store.enqueue(cartDocName(cart.id), version, Date.now());
    });
    await this.scheduleFlush();
    return { changed: true };
  }

  /**
   * For the lifecycle jobs: if idle since before `idleBefore`, replicates what is pending,
   * marks the session and cart EXPIRED in Postgres and clears the live state. Idempotent.
   */
  async expire(idleBefore: string): Promise<{ expired: boolean; reason?: string }> {
    const session = this.readSession();
    if (!session) return { expired: false, reason: "no session" };
    if (session.status === "EXPIRED") {
      // Done before, unless an earlier run could not replicate: then its live state is still here.
      if (!this.liveCart(session) && this.store.outboxSize() === 0) return { expired: true, reason: "already expired" };
    } else {
      if (session.lastActivityAt >= idleBefore) return { expired: false, reason: "active since selection" };
      const cart = this.currentCart(session);
      const now = new Date().toISOString();
      const version = session.version + 1;
      const expiredSession: SessionDoc = { ...session, status: "EXPIRED", version, updatedAt: now };
      const expiredCart: CartDoc =
        cart.status === "ACTIVE" || cart.status === "ABANDONED" ? { ...cart, status: "EXPIRED", version } : cart;
      this.ctx.storage.transactionSync(() => {
        this.store.write(SESSION, expiredSession);
        this.store.write(cartDocName(cart.id), expiredCart);
        this.store.enqueue(SESSION, version, Date.now());
        this.store.enqueue(cartDocName(cart.id), version, Date.now());
      });
    }
    // Replicate now, so Postgres holds the final state before the live state goes.
    await this.flush();
    if (this.store.outboxSize() > 0) return { expired: false, reason: "replication pending; retried by the next run" };
    this.ctx.storage.transactionSync(() => {
      this.store.clearLiveState([SESSION]);
    });
    return { expired: true };
  }

  // ── Wishlist and comparison RPC ─────────────────────────────────────────────

  async getWishlist(call: SessionCall): Promise<Outcome<WishlistView>> {
    return this.outcome(async () => {
      const session = this.requireSession(call);
      return { status: 200, body: wishlistView(session, this.wishlistOf(call.site)) };
    });
  }

  async wishlistCommand(call: SessionCall, command: WishlistCommand): Promise<Outcome<WishlistView>> {
    return this.outcome(async () => {
      const replay = this.replay<WishlistView>(call);
      if (replay) return replay;
      this.requireSession(call);
      if (command.type === "add") await this.requireProduct(call, command.productId, command.variantId);
      return this.mutate(call, () => {
        const session = this.requireSession(call);
        const wishlist = this.wishlistOf(call.site);
        this.checkIfMatch(call, wishlist.version);
        const now = new Date();
        let updated: WishlistDoc;
        let status = 200;
        switch (command.type) {
          case "add": {
            const added = addToWishlist(wishlist.state, command, call.site.id, now, () => crypto.randomUUID());
            updated = { ...wishlist, state: added.state };
            status = added.created ? 201 : 200;
            break;
          }
          case "update":
            updated = { ...wishlist, state: updateWishlistItem(wishlist.state, command.itemId, command, now) };
            break;
          case "remove":
            updated = { ...wishlist, state: removeFromWishlist(wishlist.state, command.itemId) };
            break;
          default:
            updated = { ...wishlist, ...shareChange(command, now) };
        }
        const saved = this.saveResource(session, WISHLIST, updated, call.site, now);
        return { status, body: wishlistView(saved.session, saved.resource) };
      });
    });
  }

  async getComparison(call: SessionCall): Promise<Outcome<ComparisonView>> {
    return this.outcome(async () => {
      const session = this.requireSession(call);
      return { status: 200, body: comparisonView(session, this.comparisonOf(call.site), call.site.maxCompareItems) };
    });
  }

  async comparisonCommand(call: SessionCall, command: ComparisonCommand): Promise<Outcome<ComparisonView>> {
    return this.outcome(async () => {
      const replay = this.replay<ComparisonView>(call);
      if (replay) return replay;
      this.requireSession(call);
      if (command.type === "add") await this.requireProduct(call, command.productId, command.variantId);
      return this.mutate(call, () => {
        const session = this.requireSession(call);
        const comparison = this.comparisonOf(call.site);
        this.checkIfMatch(call, comparison.version);
        const now = new Date();
        let updated: ComparisonDoc;
        let status = 200;
        switch (command.type) {
          case "add": {
            const max = call.site.maxCompareItems;
            const added = addToComparison(comparison.state, command, max, call.site.id, now, () => crypto.randomUUID());
            if (!added.created) return { status: 200, body: comparisonView(session, comparison, max) };
            updated = { ...comparison, state: added.state };
            status = 201;
            break;
          }
          case "remove":
            updated = { ...comparison, state: removeFromComparison(comparison.state, command.itemId) };
            break;
          default:
            updated = { ...comparison, ...shareChange(command, now) };
        }
        const saved = this.saveResource(session, COMPARISON, updated, call.site, now);
        return { status, body: comparisonView(saved.session, saved.resource, call.site.maxCompareItems) };
      });
    });
  }

  /** The read-only shared wishlist, if `tokenHash` is its current share token (else 404, no hint why). */
  async sharedWishlist(companyId: string, tokenHash: string): Promise<Outcome<WishlistView>> {
    return this.outcome(async () => {
      const session = this.readSession();
      const wishlist = this.store.read<WishlistDoc>(WISHLIST);
      // A merged or expired session no longer shares anything.
      const live = session?.status === "ACTIVE" && session.companyId === companyId;
      if (!live || !wishlist || !sameDigest(wishlist.shareTokenHash, tokenHash)) {
        return refuse("NOT_FOUND", "Shared wishlist not found");
      }
      return { status: 200, body: wishlistView(session, wishlist) };
    });
  }

  async sharedComparison(companyId: string, tokenHash: string): Promise<Outcome<ComparisonView>> {
    return this.outcome(async () => {
      const session = this.readSession();
      const comparison = this.store.read<ComparisonDoc>(COMPARISON);
      // A merged or expired session, or a comparison past its 90 days, no longer shares anything.
      const live = session?.status === "ACTIVE" && session.companyId === companyId;
      const current = comparison !== undefined && comparison.expiresAt > new Date().toISOString();
      if (!live || !current || !sameDigest(comparison.shareTokenHash, tokenHash)) {
        return refuse("NOT_FOUND", "Shared comparison not found");
      }
      return { status: 200, body: comparisonView(session, comparison, comparison.state.items.length) };
    });
  }

  // ── Cross-site sessions ─────────────────────────────────────────────────────

  /** Makes this (token) object a pointer to a customer's session. Idempotent. */
  async link(target: LinkDoc): Promise<{ linked: boolean }> {
    const existing = this.store.read<LinkDoc>(LINK);
    if (existing)
      return { linked: existing.customerId === target.customerId && existing.companyId === target.companyId };
    if (this.readSession()) return { linked: false };
    this.store.write(LINK, target);
    return { linked: true };
  }

  /**
   * The customer's cross-site session. With `proposedToken`, creates it if needed (the
   * proposed token becomes its token; an existing one is kept and returned).
   */
  async crossSiteSession(call: SessionCall, proposedToken?: string): Promise<Outcome<CrossSiteView>> {
    return this.outcome(async () => {
      if (call.address.kind !== "customer") return refuse("FORBIDDEN", "Only customers have a cross-site session");
      if (!proposedToken) {
        const session = this.readSession();
        if (!session?.crossSiteToken || session.status !== "ACTIVE")
          return refuse("NOT_FOUND", "No cross-site session yet");
        return { status: 200, body: crossSiteView(session, session.crossSiteToken) };
      }
      return this.mutate(call, () => {
        const session = this.ensureSession(call);
        if (session.crossSiteToken) return { status: 200, body: crossSiteView(session, session.crossSiteToken) };
        const updated = this.touchSession({ ...session, crossSiteToken: proposedToken }, call.site, new Date());
        return { status: 201, body: crossSiteView(updated, proposedToken) };
      });
    });
  }

  /** The session as seen from a token (anonymous sessions). */
  async sessionInfo(call: SessionCall): Promise<Outcome<CrossSiteView>> {
    return this.outcome(async () => {
      const session = this.requireSession(call);
      return { status: 200, body: crossSiteView(session, undefined) };
    });
  }

  /**
   * A one-time transfer code to continue this session on `targetSiteId`: 120 s, single use,
   * stored as its digest. `sessionToken` is what claiming it yields.
   */
  async createTransfer(
    call: SessionCall,
    transfer: { codeHash: string; targetSiteId: string; sessionToken: string },
  ): Promise<Outcome<CrossSiteView>> {
    return this.outcome(async () => {
      const session = this.requireSession(call);
      const now = Date.now();
      this.ctx.storage.transactionSync(() =>
        rememberCode(this.store, { purpose: "transfer", ...transfer, expiresAt: now + TRANSFER_CODE_TTL_MS }, now),
      );
      return { status: 200, body: crossSiteView(session, undefined) };
    });
  }

  /** Redeems a transfer code on its target site: the session token, the site recorded, the transfer counted. */
  async claimTransfer(
    companyId: string,
    codeHash: string,
    site: SiteSettings,
  ): Promise<Outcome<{ sessionToken: string; session: CrossSiteView }>> {
    return this.outcome(async () => {
      const session = this.readSession();
      const notFound = () => refuse("NOT_FOUND", "Transfer code not found or expired");
      if (!session || session.companyId !== companyId || session.status !== "ACTIVE") return notFound();
      this.changes = [];
      const claimed = this.ctx.storage.transactionSync(() => {
        const code = takeCode(this.store, "transfer", codeHash, Date.now());
        if (!code?.sessionToken || code.targetSiteId !== site.id) return notFound();
        const updated = this.touchSession(
          { ...session, transferCount: (session.transferCount ?? 0) + 1 },
          site,
          new Date(),
        );
        return { status: 200, body: { sessionToken: code.sessionToken, session: crossSiteView(updated, undefined) } };
      });
      // A claim changes the session (site visited, transfer counted) like any change: announce and replicate it.
      this.broadcast(this.changes);
      this.changes = [];
      await this.scheduleFlush();
      return claimed;
    });
  }

  /** A 30-second, single-use ticket for opening the live-sync WebSocket without the session token in a URL. */
  async issueTicket(call: SessionCall, ticketHash: string): Promise<Outcome<{ expiresInSeconds: number }>> {
    return this.outcome(async () => {
      this.requireSession(call);
      const now = Date.now();
      this.ctx.storage.transactionSync(() =>
        rememberCode(this.store, { purpose: "ticket", codeHash: ticketHash, expiresAt: now + TICKET_TTL_MS }, now),
      );
      return { status: 200, body: { expiresInSeconds: TICKET_TTL_MS / 1000 } };
    });
  }

  /** Only the live-sync WebSocket upgrade comes through fetch; sockets hibernate between messages. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("Not found", { status: 404 });
    const ticketHash = new URL(request.url).searchParams.get("ticketHash") ?? "";
    const session = this.readSession();
    const ticket = this.ctx.storage.transactionSync(() => takeCode(this.store, "ticket", ticketHash, Date.now()));
    if (!session || !ticket) return new Response("Not found", { status: 404 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send(JSON.stringify({ type: "hello", sessionId: session.id, version: session.version }));
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Clients may ping to keep proxies from closing idle sockets; nothing else is expected.
    if (message === "ping") socket.send(JSON.stringify({ type: "pong" }));
  }

  override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    socket.close(code === 1005 ? 1000 : code, "closing");
  }

  /** Tells every subscriber what changed; each site refetches what it shows. */
  private broadcast(changes: { resource: string; version: number }[]): void {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0 || changes.length === 0) return;
    const at = new Date().toISOString();
    for (const change of changes) {
      const message = JSON.stringify({
        type: "change",
        resource: change.resource.split(":")[0],
        version: change.version,
        at,
      });
      for (const socket of sockets) {
        try {
          socket.send(message);
        } catch {
          // A socket closing under us is not this change's problem; its close handler tidies up.
        }
      }
    }
  }

  // ── Replication ─────────────────────────────────────────────────────────────

  override async alarm(): Promise<void> {
    await this.flush();
    const oldest = this.store.sweepIdempotency(Date.now() - IDEMPOTENCY_TTL_MS);
    if (this.store.outboxSize() === 0 && oldest !== undefined) {
      await this.ctx.storage.setAlarm(oldest + IDEMPOTENCY_TTL_MS);
    }
  }

  /** Replicates every pending change; on failure keeps them and retries with backoff. */
  private async flush(): Promise<void> {
    const pending = this.store.pending();
    if (!pending) return;
    const session = this.readSession();
    if (!session) {
      this.store.acknowledge(pending.lastSeq);
      return;
    }
    const cartsToSend = pending.resources
      .filter((resource) => resource.startsWith("cart:"))
      .map((resource) => this.store.read<CartDoc>(resource))
      .filter((cart): cart is CartDoc => cart !== undefined);
    const wishlist = pending.resources.includes(WISHLIST) ? this.store.read<WishlistDoc>(WISHLIST) : undefined;
    const comparison = pending.resources.includes(COMPARISON) ? this.store.read<ComparisonDoc>(COMPARISON) : undefined;
    const state = this.store.read<{ failures: number }>("replication") ?? { failures: 0 };
    try {
      const config = loadConfig(this.env as unknown as Record<string, unknown>);
      const database = openDatabase({ databaseUrl: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY });
      try {
        // A customer's cross-site token is kept raw in the object; Postgres gets its digest.
        const tokenHash =
          session.tokenHash ?? (session.crossSiteToken ? await sha256Hex(session.crossSiteToken) : null);
        const sessionRow = pending.resources.includes(SESSION) ? { tokenHash } : undefined;
        await replicate(database.db, { session, sessionRow, carts: cartsToSend, wishlist, comparison });
      } finally {
        await database.close();
      }
    } catch (error) {
      const failures = state.failures + 1;
      const delay = Math.min(1_000 * 2 ** Math.min(failures, 10), MAX_BACKOFF_MS);
      this.store.write("replication", { failures, lastError: String(error), lastErrorAt: new Date().toISOString() });
      this.log.warn("replication failed; will retry", {
        sessionId: session.id,
        failures,
        retryInMs: delay,
        error: String(error),
      });
      await this.ctx.storage.setAlarm(Date.now() + delay);
      return;
    }
    this.ctx.storage.transactionSync(() => {
      this.store.acknowledge(pending.lastSeq);
      if (state.failures) this.store.write("replication", { failures: 0 });
      // Converted carts live here until Postgres has their final state and their order is
      // no longer remembered (a repeated conversion of a remembered order returns its cart).
      const remembered = new Set(Object.values(session.conversions));
      for (const cart of cartsToSend) {
        if (cart.id !== session.cartId && !remembered.has(cart.id)) this.store.remove(cartDocName(cart.id));
      }
    });
    // Changes made while this flush was in flight are still in the outbox.
    if (this.store.outboxSize() > 0) await this.ctx.storage.setAlarm(Date.now() + FLUSH_DELAY_MS);
  }

  private async scheduleFlush(): Promise<void> {
    const due = Date.now() + FLUSH_DELAY_MS;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > due) await this.ctx.storage.setAlarm(due);
  }

  // ── Internals ───────────────────────────────────────────────────────────────

  /** Runs a change: idempotency, one transaction (state + version + outbox), then the flush alarm. */
  private async mutate<T>(call: SessionCall, change: () => Mutation<T>): Promise<Mutation<T>> {
    const replay = this.replay<T>(call);
    if (replay) return replay;
    this.changes = [];
    let result: Mutation<T>;
    try {
      result = this.ctx.storage.transactionSync(() => {
        const outcome = change();
        if (call.idempotency) {
          this.store.rememberIdempotent(call.idempotency.key, call.idempotency.fingerprint, outcome, Date.now());
        }
        return outcome;
      });
    } catch (error) {
      this.changes = [];
      throw error;
    }
    this.broadcast(this.changes);
    this.changes = [];
    await this.scheduleFlush();
    return result;
  }

  /** A stored response for this Idempotency-Key, or a refusal when the key came with another request. */
  private replay<T>(call: SessionCall): Mutation<T> | undefined {
    if (!call.idempotency) return undefined;
    const stored = this.store.findIdempotent(call.idempotency.key);
    if (!stored) return undefined;
    if (stored.fingerprint !== call.idempotency.fingerprint) {
      refuse("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request");
    }
    return stored.response as Mutation<T>;
  }

  private async outcome<T>(run: () => Promise<Mutation<T>>): Promise<Outcome<T>> {
    const link = this.store.read<LinkDoc>(LINK);
    if (link) return { ok: false, error: { code: "LINKED", detail: "", extensions: { customerId: link.customerId } } };
    try {
      const { status, body } = await run();
      return { ok: true, status, body };
    } catch (error) {
      if (error instanceof Refusal) return { ok: false, error: error.rpc };
      if (error instanceof DomainError) return { ok: false, error: { code: error.code, detail: error.detail } };
      throw error;
    } finally {
      if (this.flushPending) {
        this.flushPending = false;
        await this.scheduleFlush();
      }
    }
  }

  /** The session for wishlist/comparison calls: customers' are created on first use, anonymous ones must exist. */
  private requireSession(call: SessionCall): SessionDoc {
    const session = this.readSession();
    if (!session || (session.status === "EXPIRED" && call.address.kind === "customer")) {
      if (call.address.kind === "anonymous") refuse("NOT_FOUND", "Session not found");
      const created = this.ctx.storage.transactionSync(() => this.ensureSession(call));
      this.flushPending = true;
      return created;
    }
    this.assertUsable(session, call);
    return session;
  }

  private checkIfMatch(call: SessionCall, version: number): void {
    if (call.ifMatch !== undefined && call.ifMatch !== version) {
      refuse("VERSION_MISMATCH", `The resource is at version ${version}`, { version });
    }
  }

  /** The session's wishlist; created (unversioned, not replicated until its first change) on first use. */
  private wishlistOf(site: SiteSettings): WishlistDoc {
    const existing = this.store.read<WishlistDoc>(WISHLIST);
    if (existing) return existing;
    const now = new Date().toISOString();
    const wishlist: WishlistDoc = {
      id: crypto.randomUUID(),
      siteId: site.id,
      state: { items: [] },
      version: 0,
      createdAt: now,
      updatedAt: now,
      shareTokenHash: null,
      sharedAt: null,
    };
    this.store.write(WISHLIST, wishlist);
    return wishlist;
  }

  /** The session's comparison; a new one replaces it 90 days after it was created. */
  private comparisonOf(site: SiteSettings): ComparisonDoc {
    const existing = this.store.read<ComparisonDoc>(COMPARISON);
    if (existing && existing.expiresAt > new Date().toISOString()) return existing;
    const now = new Date();
    const comparison: ComparisonDoc = {
      id: crypto.randomUUID(),
      siteId: site.id,
      state: { items: [] },
      version: 0,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + COMPARISON_TTL_DAYS * DAY_MS).toISOString(),
      shareTokenHash: null,
      sharedAt: null,
    };
    this.store.write(COMPARISON, comparison);
    return comparison;
  }

  /** Stores a changed wishlist/comparison with the session's next version and an outbox entry. */
  private saveResource<T extends { version: number; updatedAt: string }>(
    session: SessionDoc,
    name: string,
    resource: T,
    site: SiteSettings,
    now: Date,
  ): { session: SessionDoc; resource: T } {
    const updatedSession = this.touchSession(session, site, now);
    const updated = { ...resource, version: updatedSession.version, updatedAt: now.toISOString() };
    this.store.write(name, updated);
    this.record(name, updated.version, now);
    return { session: updatedSession, resource: updated };
  }

  /** The product (or variant) must exist in the company's catalog and be sold; else the call fails. */
  private async requireProduct(call: SessionCall, productId: string, variantId: string | null): Promise<void> {
    const config = loadConfig(this.env as unknown as Record<string, unknown>);
    let database: ReturnType<typeof openDatabase> | undefined;
    let products: Map<string, CatalogProduct>;
    try {
      products = await loadProducts(
        () => {
          database ??= openDatabase({ databaseUrl: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY });
          return database.db;
        },
        call.address.companyId,
        [productId],
      );
    } catch (error) {
      this.log.warn("catalog unavailable", { error: String(error) });
      return refuse("UNAVAILABLE", "The catalog is temporarily unavailable; try again shortly");
    } finally {
      if (database) await database.close();
    }
    const item = priceLookup(products)(productId, variantId);
    if (!item) refuse("NOT_FOUND", "Product not found");
    else if (!item.active) refuse("PRODUCT_UNAVAILABLE", "The product is no longer sold");
  }

  private readSession(): SessionDoc | undefined {
    return this.store.read<SessionDoc>(SESSION);
  }

  /** The current cart if the session has live state (not before creation, not after expiry). */
  private liveCart(session: SessionDoc | undefined): CartDoc | undefined {
    return session ? this.store.read<CartDoc>(cartDocName(session.cartId)) : undefined;
  }

  private currentCart(session: SessionDoc): CartDoc {
    const cart = this.store.read<CartDoc>(cartDocName(session.cartId));
    if (!cart) throw new Error(`session ${session.id} has no cart document`);
    return cart;
  }

  private assertUsable(session: SessionDoc, call: SessionCall): void {
    if (session.companyId !== call.address.companyId) refuse("NOT_FOUND", "Session not found");
    if (session.status === "MERGED") refuse("SESSION_MERGED", "This session was merged into a customer's session");
    if (session.status === "EXPIRED") {
      if (call.address.kind === "anonymous") refuse("SESSION_EXPIRED", "This session has expired");
    }
    if (call.cartId !== undefined && call.cartId !== session.cartId) refuse("NOT_FOUND", "Cart not found");
  }

  /** The session, created on first use (customers, or a new anonymous token). Inside a transaction. */
  private ensureSession(call: SessionCall, currency?: string): SessionDoc {
    const existing = this.readSession();
    if (existing && existing.status !== "EXPIRED") {
      this.assertUsable(existing, call);
      return existing;
    }
    if (existing) this.assertUsable(existing, call);
    const session = this.previewSession(call);
    const cart = this.newCart(session, call.site, currency, new Date());
    const created = { ...session, cartId: cart.id };
    this.store.write(SESSION, created);
    this.store.write(cartDocName(cart.id), cart);
    this.record(SESSION, created.version, new Date());
    this.record(cartDocName(cart.id), cart.version, new Date());
    return created;
  }

  /** A new session document (not stored): what a first call would create. */
  private previewSession(call: SessionCall): SessionDoc {
    const now = new Date().toISOString();
    const { address } = call;
    return {
      id: crypto.randomUUID(),
      companyId: address.companyId,
      customerId: address.kind === "customer" ? address.customerId : null,
      tokenHash: address.kind === "anonymous" ? address.tokenHash : null,
      status: "ACTIVE",
      cartId: crypto.randomUUID(),
      conversions: {},
      version: 1,
      originSiteId: call.site.id,
      sitesVisited: [call.site.id],
      createdAt: now,
      updatedAt: now,
      lastActivityAt: now,
      expiresAt: new Date(Date.parse(now) + SESSION_TTL_DAYS * DAY_MS).toISOString(),
      mergedIntoSessionId: null,
      mergedAt: null,
    };
  }

  private newCart(session: SessionDoc, site: SiteSettings, currency: string | undefined, now: Date): CartDoc {
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

  /** The cart to change: the current one, or a fresh one once the current was converted. */
  private activeCart(session: SessionDoc, call: SessionCall): CartDoc {
    this.assertUsable(session, call);
    const cart = this.currentCart(session);
    if (cart.status !== "CONVERTED") return cart;
    const next: CartDoc = {
      ...this.newCart({ ...session, cartId: crypto.randomUUID() }, call.site, cart.state.currency, new Date()),
      // A guest merged before the checkout stays merged: a retried merge must not refill the new cart.
      appliedMerges: cart.appliedMerges,
    };
    this.store.write(SESSION, { ...session, cartId: next.id });
    this.store.write(cartDocName(next.id), next);
    // Replicated even if nothing else changes: Postgres must learn which cart holds the token now.
    this.record(cartDocName(next.id), next.version, new Date());
    session.cartId = next.id;
    return next;
  }

  /**
   * The cart a dry-run merge previews against, stored nowhere: the current one, or the
   * empty cart a real change would start (no session yet, or the current one converted).
   */
  private previewCart(session: SessionDoc, call: SessionCall): CartDoc {
    const current = this.liveCart(session);
    if (current) this.assertUsable(session, call);
    if (current && current.status !== "CONVERTED") return current;
    return this.newCart({ ...session, cartId: crypto.randomUUID() }, call.site, current?.state.currency, new Date());
  }

  /** The cart a read shows: after a conversion, the shopper's next (new, empty) cart, created on first read. */
  private async cartToShow(session: SessionDoc, call: SessionCall): Promise<CartDoc> {
    const cart = this.currentCart(session);
    if (cart.status !== "CONVERTED") return cart;
    // A read replays nothing and records no Idempotency-Key.
    const next = await this.mutate({ ...call, idempotency: undefined }, () => ({
      status: 200,
      body: this.activeCart(session, call),
    }));
    return next.body;
  }

  /** Stores a changed cart: reprice, totals, version bump, activity, outbox. Inside a transaction. */
  private saveCart(
    session: SessionDoc,
    cart: CartDoc,
    state: CartDoc["state"],
    site: SiteSettings,
    catalog: CommandCatalog,
    now: Date,
  ): SessionDoc {
    const finished = finishChange(state, { site, catalog });
    const updatedSession = this.touchSession(session, site, now);
    const updatedCart: CartDoc = {
      ...cart,
      ...finished,
      // A shopper coming back to an abandoned cart makes it active again.
      status: cart.status === "ABANDONED" ? "ACTIVE" : cart.status,
      abandonedAt: cart.status === "ABANDONED" ? null : cart.abandonedAt,
      version: updatedSession.version,
      updatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + site.cartExpirationDays * DAY_MS).toISOString(),
    };
    this.store.write(cartDocName(cart.id), updatedCart);
    this.record(cartDocName(cart.id), updatedSession.version, now);
    return updatedSession;
  }

  /**
   * The one place a session records activity: next version, last activity, expiry, the
   * site visited, and an outbox entry for its cross_site_sessions row. Inside a transaction.
   */
  private touchSession(session: SessionDoc, site: SiteSettings, now: Date): SessionDoc {
    const iso = now.toISOString();
    const updated: SessionDoc = {
      ...session,
      version: session.version + 1,
      updatedAt: iso,
      lastActivityAt: iso,
      expiresAt: new Date(now.getTime() + SESSION_TTL_DAYS * DAY_MS).toISOString(),
      sitesVisited: session.sitesVisited.includes(site.id) ? session.sitesVisited : [...session.sitesVisited, site.id],
    };
    this.store.write(SESSION, updated);
    this.record(SESSION, updated.version, now);
    return updated;
  }

  /** An outbox entry, and a change to announce to live subscribers once the transaction commits. */
  private record(resource: string, version: number, now: Date): void {
    this.store.enqueue(resource, version, now.getTime());
    this.changes.push({ resource, version });
  }

  private viewCart(session: SessionDoc): CartView {
    return cartView(session, this.currentCart(session));
  }

  /** Marks the cart CONVERTED for an order; the same order again returns the same cart. */
  private convert(session: SessionDoc, cart: CartDoc, orderId: string): Mutation<CartView> {
    const convertedCartId = session.conversions[orderId];
    if (convertedCartId) {
      const converted = this.store.read<CartDoc>(cartDocName(convertedCartId));
      if (converted) return { status: 200, body: cartView(session, converted) };
      return { status: 200, body: { ...cartView(session, cart), id: convertedCartId, orderId, status: "CONVERTED" } };
    }
    if (cart.state.lines.length === 0) refuse("VALIDATION_FAILED", "An empty cart cannot be converted");
    if (cart.state.lines.some((line) => line.unavailable)) {
      refuse("PRODUCT_UNAVAILABLE", "The cart holds items that are no longer available");
    }
    const now = new Date().toISOString();
    const version = session.version + 1;
    const converted: CartDoc = { ...cart, status: "CONVERTED", orderId, convertedAt: now, version, updatedAt: now };
    const entries = [...Object.entries(session.conversions), [orderId, cart.id]];
    const conversions = Object.fromEntries(entries.slice(-MAX_REMEMBERED_CONVERSIONS));
    // A forgotten order's cart goes now, or after its flush if Postgres does not have it yet.
    for (const [, forgotten] of entries.slice(0, -MAX_REMEMBERED_CONVERSIONS)) {
      if (forgotten && !this.store.isPending(cartDocName(forgotten))) this.store.remove(cartDocName(forgotten));
    }
    this.store.write(SESSION, { ...session, conversions, version, updatedAt: now, lastActivityAt: now });
    this.store.write(cartDocName(cart.id), converted);
    this.record(cartDocName(cart.id), version, new Date());
    return { status: 200, body: cartView(session, converted) };
  }

  /**
   * The catalog data a change needs, for the cart as it is when the change runs. Loading
   * awaits Postgres and other calls may change the cart meanwhile, so it looks again until
   * it covers their lines too (they warmed the cache: no query). The caller applies the
   * change right after, without awaiting; finishChange skips repricing if still not covered.
   */
  private async catalogFor(
    call: SessionCall,
    command: CartCommand | undefined,
    extraLines: CartLine[] = [],
  ): Promise<CommandCatalog> {
    const needsNow = () => catalogNeeds(this.liveCart(this.readSession())?.state, command, extraLines);
    let catalog = await this.lookAtCatalog(call, needsNow(), command);
    for (let pass = 1; pass < MAX_CATALOG_PASSES; pass++) {
      const lines = [...(this.liveCart(this.readSession())?.state.lines ?? []), ...extraLines];
      if (catalogCovers(catalog, lines)) break;
      catalog = await this.lookAtCatalog(call, needsNow(), command);
    }
    return catalog;
  }

  /**
   * One look at the catalog: straight from the isolate cache when it holds everything, else
   * taking a turn with this object's other loads (at most MAX_CATALOG_LOADS at once). So a
   * burst of calls on one session opens a few connections, not one each (100 parallel adds
   * used to exhaust Postgres' connections), later calls find in the cache what earlier ones
   * loaded, and a call that needs no query never waits behind one that does.
   */
  private async lookAtCatalog(
    call: SessionCall,
    needs: ReturnType<typeof catalogNeeds>,
    command: CartCommand | undefined,
  ): Promise<CommandCatalog> {
    try {
      return await this.loadCatalog(call, needs, command, true);
    } catch (error) {
      if (!(error instanceof NotCached)) throw error;
    }
    const loads = this.catalogLoads;
    if (loads.running >= MAX_CATALOG_LOADS) await new Promise<void>((resolve) => loads.waiting.push(resolve));
    loads.running += 1;
    try {
      return await this.loadCatalog(call, needs, command, false);
    } finally {
      loads.running -= 1;
      loads.waiting.shift()?.();
    }
  }

  /**
   * One look at the catalog. What the command itself needs (the product being added, a
   * bundle, a promotion) must load or the call fails with 503; repricing the other lines is
   * best effort, so a Postgres outage with a cold cache keeps last prices.
   */
  private async loadCatalog(
    call: SessionCall,
    needs: ReturnType<typeof catalogNeeds>,
    command: CartCommand | undefined,
    cacheOnly: boolean,
  ): Promise<CommandCatalog> {
    const companyId = call.address.companyId;
    const config = loadConfig(this.env as unknown as Record<string, unknown>);
    let database: ReturnType<typeof openDatabase> | undefined;
    const db = () => {
      if (cacheOnly) throw new NotCached();
      database ??= openDatabase({ databaseUrl: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY });
      return database.db;
    };
    const products = new Map<string, CatalogProduct>();
    const looked = { productIds: new Set(needs.commandProductIds), bundleIds: new Set<string>() };
    if (needs.commandBundleId) looked.bundleIds.add(needs.commandBundleId);
    const catalog: CommandCatalog = {
      priceOf: priceLookup(products),
      repriceAll: true,
      looked,
      bundles: new Map(),
      promotion: undefined,
    };
    try {
      try {
        for (const [id, product] of await loadProducts(db, companyId, needs.commandProductIds))
          products.set(id, product);
        if (needs.commandBundleId) {
          const bundle = await loadBundle(db, companyId, needs.commandBundleId);
          if (bundle) catalog.bundles.set(bundle.id, bundle);
        }
        if (command?.type === "applyDiscount") {
          const code = normalizeCode(command.code);
          if (!(this.allowDemoCodes() && code in DEMO_CODES))
            catalog.promotion = await loadPromotion(db, companyId, code);
        }
      } catch (error) {
        if (error instanceof NotCached) throw error;
        this.log.warn("catalog unavailable", { error: String(error) });
        refuse("UNAVAILABLE", "The catalog is temporarily unavailable; try again shortly");
      }
      try {
        for (const [id, product] of await loadProducts(db, companyId, needs.lineProductIds)) products.set(id, product);
        for (const bundleId of needs.lineBundleIds) {
          if (catalog.bundles.has(bundleId)) continue;
          const bundle = await loadBundle(db, companyId, bundleId);
          if (bundle) catalog.bundles.set(bundleId, bundle);
        }
        for (const id of needs.lineProductIds) looked.productIds.add(id);
        for (const id of needs.lineBundleIds) looked.bundleIds.add(id);
      } catch (error) {
        if (error instanceof NotCached) throw error;
        // Keep the lines' last known prices rather than failing the shopper's change.
        this.log.warn("repricing skipped: catalog unavailable", { error: String(error) });
        catalog.repriceAll = false;
      }
    } finally {
      if (database) await database.close();
    }
    return catalog;
  }

  private allowDemoCodes(): boolean {
    return loadConfig(this.env as unknown as Record<string, unknown>).NODE_ENV !== "production";
  }

  // ── Retention RPC (src/jobs) ────────────────────────────────────────────────

  /** For the weekly purge: drops the session's comparison if it is still `comparisonId` (its row is going). */
  async dropComparison(comparisonId: string): Promise<{ dropped: boolean }> {
    if (this.store.read<ComparisonDoc>(COMPARISON)?.id !== comparisonId) return { dropped: false };
    this.store.remove(COMPARISON);
    return { dropped: true };
  }

  /**
   * For retention: if this object still holds session `sessionId` (a customer's object
   * starts a new session after one expires) and it has ended (EXPIRED or MERGED), forgets
   * everything it stores, so its token finds nothing any more.
   */
  async forget(sessionId: string): Promise<{ forgotten: boolean; reason?: string }> {
    const session = this.readSession();
    if (!session) return { forgotten: false, reason: "nothing stored" };
    if (session.id !== sessionId) return { forgotten: false, reason: "another session" };
    if (session.status !== "EXPIRED" && session.status !== "MERGED") return { forgotten: false, reason: "in use" };
    if (this.store.outboxSize() > 0) return { forgotten: false, reason: "replication pending" };
    this.ctx.storage.transactionSync(() => this.store.clearLiveState([]));
    await this.ctx.storage.deleteAlarm();
    return { forgotten: true };
  }
}

/** The session as the cross-site routes show it; the token only where the caller may have it. */
function crossSiteView(session: SessionDoc, sessionToken: string | undefined): CrossSiteView {
  return {
    id: session.id,
    companyId: session.companyId,
    customerId: session.customerId,
    status: session.status,
    ...(sessionToken ? { sessionToken } : {}),
    originSiteId: session.originSiteId,
    sitesVisited: session.sitesVisited,
    transferCount: session.transferCount ?? 0,
    mergeCount: session.mergeCount ?? 0,
    version: session.version,
    lastActivityAt: session.lastActivityAt,
    expiresAt: session.expiresAt ?? session.lastActivityAt,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
  };
}

/** Share or revoke: only the token's digest is kept; a new share replaces the old link. */
function shareChange(command: ShareCommand, now: Date): { shareTokenHash: string | null; sharedAt: string | null } {
  return command.type === "share"
    ? { shareTokenHash: command.tokenHash, sharedAt: now.toISOString() }
    : { shareTokenHash: null, sharedAt: null };
}

function emptyDiff(): MergeDiff {
  return {
    added: [],
    quantityChanged: [],
    dropped: [],
    discountsAdded: [],
    discountsDropped: [],
    savedAdded: [],
    savedDropped: [],
  };
}
