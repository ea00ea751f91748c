// One shopper session: its cart, wishlist, comparison and cross-site state, and the single
// writer of all of it. This file is the whole RPC surface; each method delegates to the part
// that owns it, and every change runs through the unit of work (unit-of-work.ts).
import { DurableObject } from "cloudflare:workers";
import type { MergeStrategy } from "../src/domain/cart";
import type { CartCommand } from "../src/domain/cart/commands";
import type { SiteSettings } from "../src/domain/catalog";
import { createLogger } from "../src/lib/logger";
import { Carts } from "./carts";
import { CatalogAccess } from "./catalog-access";
import { nextCodeExpiry } from "./codes";
import type {
  CartView,
  ClaimedTransfer,
  ComparisonCommand,
  ComparisonView,
  CrossSiteView,
  GuestState,
  IssuedCrossSiteToken,
  LinkDoc,
  LiveErasure,
  LiveStateExport,
  MergeResult,
  NewCrossSiteToken,
  Outcome,
  SessionCall,
  ShopperSessionRpc,
  TransferRequest,
  WishlistCommand,
  WishlistView,
} from "./contract";
import { CrossSite } from "./cross-site";
import { CustomerTokens, eraseRawCrossSiteToken } from "./cross-site-tokens";
import { Housekeeping } from "./housekeeping";
import { Lifecycle } from "./lifecycle";
import { COMPARISON_KIND, type Comparison, ShareableList, WISHLIST_KIND, type Wishlist } from "./lists";
import { LiveSync } from "./live-sync";
import { Merge } from "./merge";
import { Outbox, type ReplicationState } from "./outbox";
import { answer, type Mutation } from "./outcome";
import { Privacy } from "./privacy";
import { AlarmScheduler } from "./scheduler";
import { SessionState } from "./session-state";
import { REPLICATION, SessionStorage } from "./storage";
import { UnitOfWork } from "./unit-of-work";

export class ShopperSession extends DurableObject<Env> implements ShopperSessionRpc {
  private readonly live: LiveSync;
  private readonly crossSite: CrossSite;
  private readonly tokens: CustomerTokens;
  private readonly carts: Carts;
  private readonly wishlist: Wishlist;
  private readonly comparison: Comparison;
  private readonly merge: Merge;
  private readonly lifecycle: Lifecycle;
  private readonly housekeeping: Housekeeping;
  private readonly outbox: Outbox;
  private readonly privacy: Privacy;
  /** The object's documents, for tests that edit SQLite behind its back (test/support/storage.ts). */
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by test/support/storage.ts only
  private readonly store: SessionStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const log = createLogger({ component: "ShopperSession" });
    // Documents are deep-frozen where tests run, so a change in place fails there (storage.ts).
    const store = new SessionStorage(ctx.storage.sql, env.NODE_ENV === "development" || env.NODE_ENV === "test");
    this.store = store;
    ctx.blockConcurrencyWhile(async () => {
      store.migrate();
      eraseRawCrossSiteToken(store);
    });
    const alarm = new AlarmScheduler(
      ctx.storage,
      () => store.read<ReplicationState>(REPLICATION)?.retryAt ?? 0,
      () => nextCodeExpiry(store),
    );
    this.live = new LiveSync(ctx);
    const work = new UnitOfWork(ctx, store, this.live, alarm);
    const state = new SessionState(store, work);
    const catalog = new CatalogAccess(env, log);
    const outbox = new Outbox(env, ctx.id.toString(), store, state, work, alarm, log);
    this.outbox = outbox;
    this.tokens = new CustomerTokens(store, work);
    this.crossSite = new CrossSite(store, state, work, alarm, this.live, this.tokens);
    this.carts = new Carts(store, state, work, catalog);
    this.wishlist = new ShareableList(WISHLIST_KIND, store, state, work, catalog);
    this.comparison = new ShareableList(COMPARISON_KIND, store, state, work, catalog);
    this.merge = new Merge(store, state, work, catalog, this.carts, this.wishlist, this.comparison, this.live);
    this.lifecycle = new Lifecycle(store, state, work, outbox, alarm, this.live, log);
    this.housekeeping = new Housekeeping(store, work, outbox, alarm, this.lifecycle);
    this.privacy = new Privacy(ctx, store, state, work, alarm, this.tokens);
  }

  /**
   * Answers an RPC call as data; a token object that only links to a customer's session says
   * LINKED. A call that came through a customer's cross-site token is checked first (expired or
   * revoked: 401), whatever it asks.
   */
  private answer<T>(call: SessionCall | undefined, run: () => Promise<Mutation<T>> | Mutation<T>): Promise<Outcome<T>> {
    return answer(this.crossSite.linkedCustomer(), async () => {
      if (call) await this.tokens.admit(call);
      return run();
    });
  }

  // ── Cart ────────────────────────────────────────────────────────────────────
  getCart(call: SessionCall): Promise<Outcome<CartView>> {
    return this.answer(call, () => this.carts.get(call));
  }
  cartCommand(call: SessionCall, command: CartCommand): Promise<Outcome<CartView>> {
    return this.answer(call, () => this.carts.command(call, command));
  }
  convertCart(call: SessionCall, orderId: string): Promise<Outcome<CartView>> {
    return this.answer(call, () => this.carts.convert(call, orderId));
  }

  // ── Wishlist and comparison ─────────────────────────────────────────────────
  getWishlist(call: SessionCall): Promise<Outcome<WishlistView>> {
    return this.answer(call, () => this.wishlist.get(call));
  }
  wishlistCommand(call: SessionCall, command: WishlistCommand): Promise<Outcome<WishlistView>> {
    return this.answer(call, () => this.wishlist.command(call, command));
  }
  sharedWishlist(companyId: string, tokenHash: string): Promise<Outcome<WishlistView>> {
    return this.answer(undefined, () => this.wishlist.shared(companyId, tokenHash));
  }
  getComparison(call: SessionCall): Promise<Outcome<ComparisonView>> {
    return this.answer(call, () => this.comparison.get(call));
  }
  comparisonCommand(call: SessionCall, command: ComparisonCommand): Promise<Outcome<ComparisonView>> {
    return this.answer(call, () => this.comparison.command(call, command));
  }
  sharedComparison(companyId: string, tokenHash: string): Promise<Outcome<ComparisonView>> {
    return this.answer(undefined, () => this.comparison.shared(companyId, tokenHash));
  }

  // ── Cross-site sessions ─────────────────────────────────────────────────────
  link(target: LinkDoc): Promise<{ linked: boolean }> {
    return this.crossSite.link(target);
  }
  crossSiteSession(call: SessionCall): Promise<Outcome<CrossSiteView>> {
    return this.answer(call, () => this.crossSite.session(call));
  }
  issueCrossSiteToken(call: SessionCall, token: NewCrossSiteToken): Promise<Outcome<IssuedCrossSiteToken>> {
    return this.answer(call, () => this.crossSite.issueToken(call, token));
  }
  revokeCrossSiteTokens(call: SessionCall): Promise<Outcome<{ revoked: number }>> {
    return this.answer(call, () => this.crossSite.revokeTokens(call));
  }
  sessionInfo(call: SessionCall): Promise<Outcome<CrossSiteView>> {
    return this.answer(call, () => this.crossSite.info(call));
  }
  createTransfer(call: SessionCall, transfer: TransferRequest): Promise<Outcome<CrossSiteView>> {
    return this.answer(call, () => this.crossSite.createTransfer(call, transfer));
  }
  claimTransfer(
    companyId: string,
    codeHash: string,
    site: SiteSettings,
    freshToken: NewCrossSiteToken,
  ): Promise<Outcome<ClaimedTransfer>> {
    return this.answer(undefined, () => this.crossSite.claimTransfer(companyId, codeHash, site, freshToken));
  }
  issueTicket(call: SessionCall, ticketHash: string): Promise<Outcome<{ expiresInSeconds: number }>> {
    return this.answer(call, () => this.crossSite.issueTicket(call, ticketHash));
  }

  // ── Guest → customer merge ──────────────────────────────────────────────────
  peekForMerge(call: SessionCall): Promise<Outcome<GuestState>> {
    return this.answer(call, () => this.merge.peek(call));
  }
  freezeForMerge(call: SessionCall, intoSessionName: string): Promise<Outcome<GuestState>> {
    return this.answer(call, () => this.merge.freeze(call, intoSessionName));
  }
  confirmMerge(call: SessionCall, intoSessionName: string): Promise<Outcome<{ confirmed: boolean }>> {
    return this.answer(call, () => this.merge.confirm(call, intoSessionName));
  }
  mergeGuestSession(
    call: SessionCall,
    guest: GuestState,
    strategy: MergeStrategy,
    dryRun: boolean,
  ): Promise<Outcome<MergeResult>> {
    return this.answer(call, () => this.merge.into(call, guest, strategy, dryRun));
  }

  // ── Lifecycle (its own alarm runs it; src/jobs ask only where that evidently failed) ──
  markAbandoned(idleBefore: string): Promise<{ changed: boolean; reason?: string }> {
    return this.lifecycle.markAbandoned(idleBefore);
  }
  expire(idleBefore: string): Promise<{ expired: boolean; reason?: string }> {
    return this.lifecycle.expire(idleBefore);
  }
  dropComparison(comparisonId: string): Promise<{ dropped: boolean }> {
    return this.lifecycle.dropComparison(comparisonId);
  }
  forget(sessionId: string): Promise<{ forgotten: boolean; reason?: string }> {
    return this.lifecycle.forget(sessionId);
  }

  // ── Privacy (data-subject requests) ─────────────────────────────────────────
  async exportLiveState(): Promise<LiveStateExport> {
    return this.privacy.liveState();
  }
  eraseLiveState(): Promise<LiveErasure> {
    return this.privacy.erase();
  }

  // ── Replication (ops replay of dead letters) ────────────────────────────────
  async resendReplicas(): Promise<{ resources: number }> {
    return { resources: await this.outbox.resendAll() };
  }

  // ── Runtime entry points ────────────────────────────────────────────────────
  override alarm(): Promise<void> {
    return this.housekeeping.onAlarm();
  }
  /** Only the live-sync WebSocket upgrade comes through fetch; sockets hibernate between messages. */
  override fetch(request: Request): Promise<Response> {
    return this.crossSite.openLiveSync(request);
  }
  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.live.onMessage(socket, message);
  }
  override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    this.live.onClose(socket, code);
  }
}
