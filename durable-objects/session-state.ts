// The session document: who it belongs to, whether it may be used, and the one place it
// records activity. Also the cart documents it points at.
import type { SiteSettings } from "../src/domain/catalog";
import { sessionExpiry } from "../src/domain/lifecycle";
import { type CartDoc, newCartDoc, newSessionDoc, type SessionCall, type SessionDoc } from "./contract";
import { refuse } from "./outcome";
import { cartDocName, SESSION, type SessionStorage } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

export class SessionState {
  constructor(
    private readonly store: SessionStorage,
    private readonly work: UnitOfWork,
  ) {}

  read(): SessionDoc | undefined {
    return this.store.read<SessionDoc>(SESSION);
  }

  /**
   * The session a call may use, or undefined when a first change would create it (see
   * `createsOnFirstUse`; a customer's again after it expired). A merged, expired or foreign
   * session is refused, and so is an anonymous one that is neither here nor vouched for.
   */
  usable(call: SessionCall): SessionDoc | undefined {
    const session = this.read();
    if (!session || (session.status === "EXPIRED" && call.address.kind === "customer")) {
      if (!this.createsOnFirstUse(call)) refuse("NOT_FOUND", "Session not found");
      return undefined;
    }
    this.assertUsable(session, call);
    return session;
  }

  /**
   * Whether a first use may create the session here: a customer's session exists implicitly;
   * an anonymous one when the Worker vouches for its token (`genesis`: the token was issued
   * by this API, and lately) and this object never held anything — a forgotten or erased
   * session leaves a marker, so its token cannot bring it back.
   */
  createsOnFirstUse(call: SessionCall): boolean {
    if (call.address.kind === "customer") return true;
    return call.genesis !== undefined && this.store.documentNames().length === 0;
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
    if (!existing && !this.createsOnFirstUse(call)) refuse("NOT_FOUND", "Session not found");
    const session = newSessionDoc(call);
    // A vouched-for token's session was created when the token was issued, cart included.
    const cart = newCartDoc(session, call.site, currency, new Date(session.createdAt));
    this.store.write(SESSION, session);
    this.store.write(cartDocName(cart.id), cart);
    this.work.wake();
    return session;
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
      expiresAt: new Date(sessionExpiry(iso, site.cartExpirationDays)).toISOString(),
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
