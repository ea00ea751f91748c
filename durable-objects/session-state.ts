// The session document: who it belongs to, whether it may be used, and the one place it
// records activity. Also the cart documents it points at.
import type { SiteSettings } from "../src/domain/catalog";
import { DAY_MS, DEFAULT_CART_EXPIRATION_DAYS } from "../src/domain/lifecycle";
import type { CartDoc, SessionCall, SessionDoc } from "./contract";
import { refuse } from "./outcome";
import { cartDocName, SESSION, type SessionStorage } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

/** What the session row says it lives after its last activity (its own alarm applies the site's cartExpirationDays). */
const SESSION_TTL_DAYS = DEFAULT_CART_EXPIRATION_DAYS;

export class SessionState {
  constructor(
    private readonly store: SessionStorage,
    private readonly work: UnitOfWork,
  ) {}

  read(): SessionDoc | undefined {
    return this.store.read<SessionDoc>(SESSION);
  }

  /**
   * The session a call may use, or undefined when a first change would create it (a
   * customer's session exists implicitly, again after it expired). An anonymous session must
   * exist; a merged, expired or foreign one is refused.
   */
  usable(call: SessionCall): SessionDoc | undefined {
    const session = this.read();
    if (!session || (session.status === "EXPIRED" && call.address.kind === "customer")) {
      if (call.address.kind === "anonymous") refuse("NOT_FOUND", "Session not found");
      return undefined;
    }
    this.assertUsable(session, call);
    return session;
  }

  /** The session a call may use, created first where `usable` allows it. */
  async usableOrCreated(call: SessionCall): Promise<SessionDoc> {
    const session = this.usable(call);
    if (session) return session;
    return (await this.work.run(undefined, () => ({ status: 200, body: this.ensure(call) }))).body;
  }

  assertUsable(session: SessionDoc, call: SessionCall): void {
    if (session.companyId !== call.address.companyId) refuse("NOT_FOUND", "Session not found");
    if (session.status === "MERGED") refuse("SESSION_MERGED", "This session was merged into a customer's session");
    if (session.status === "EXPIRED" && call.address.kind === "anonymous") {
      refuse("SESSION_EXPIRED", "This session has expired");
    }
    if (call.cartId !== undefined && call.cartId !== session.cartId) refuse("NOT_FOUND", "Cart not found");
  }

  /**
   * Inside a change: the session, created with an empty cart on first use. A new session is
   * pristine: nothing is replicated until its first real change (`touch`), and its alarm is
   * set so that, never changed, it forgets itself.
   */
  ensure(call: SessionCall, currency?: string): SessionDoc {
    const existing = this.read();
    if (existing) this.assertUsable(existing, call);
    if (existing && existing.status !== "EXPIRED") return existing;
    const now = new Date();
    const session = this.preview(call);
    const cart = this.newCart(session, call.site, currency, now);
    this.store.write(SESSION, session);
    this.store.write(cartDocName(cart.id), cart);
    this.work.wake();
    return session;
  }

  /** A new session document (not stored): what a first change would create. */
  preview(call: SessionCall): SessionDoc {
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
      pristine: true,
      cartExpirationDays: call.site.cartExpirationDays,
    };
  }

  /** An empty cart for the session (not stored). */
  newCart(session: SessionDoc, site: SiteSettings, currency: string | undefined, now: Date): CartDoc {
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

  /**
   * Inside a change, the one place a session records activity (a real change): next version,
   * last activity, expiry, the site visited, and the change recorded for replication and live
   * subscribers. A pristine session's first real change also replicates its cart, as it was
   * created.
   */
  touch(session: SessionDoc, site: SiteSettings, now: Date): SessionDoc {
    const iso = now.toISOString();
    if (session.pristine) {
      // For replication only: live subscribers hear of the cart when it changes, not of this.
      const cart = this.liveCart(session);
      if (cart) this.store.enqueue(cartDocName(cart.id), cart.version, now.getTime());
    }
    const { pristine: _changedNow, ...changed } = session;
    const updated: SessionDoc = {
      ...changed,
      cartExpirationDays: site.cartExpirationDays,
      version: session.version + 1,
      updatedAt: iso,
      lastActivityAt: iso,
      expiresAt: new Date(now.getTime() + SESSION_TTL_DAYS * DAY_MS).toISOString(),
      sitesVisited: session.sitesVisited.includes(site.id) ? session.sitesVisited : [...session.sitesVisited, site.id],
    };
    this.save(updated, now);
    return updated;
  }

  /** Inside a change: stores bookkeeping no replica shows (which cart is current), recording nothing. */
  write(session: SessionDoc): void {
    this.store.write(SESSION, session);
  }

  /** Inside a change: stores the session document and records the change. */
  save(session: SessionDoc, now: Date): void {
    this.store.write(SESSION, session);
    this.work.record(SESSION, session.version, now);
  }

  /** The current cart if the session has live state (not before creation, not after expiry). */
  liveCart(session: SessionDoc | undefined): CartDoc | undefined {
    return session ? this.store.read<CartDoc>(cartDocName(session.cartId)) : undefined;
  }

  currentCart(session: SessionDoc): CartDoc {
    const cart = this.liveCart(session);
    if (!cart) throw new Error(`session ${session.id} has no cart document`);
    return cart;
  }

  /** Inside a change: stores a cart document and records the change. */
  saveCart(cart: CartDoc, now: Date): void {
    this.store.write(cartDocName(cart.id), cart);
    this.work.record(cartDocName(cart.id), cart.version, now);
  }
}
