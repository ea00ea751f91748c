import type { CartCommand } from "../src/domain/cart/commands";
import { applyCartCommand, type CommandCatalog, finishChange } from "../src/domain/cart/commands";
import type { SiteSettings } from "../src/domain/catalog";
import { CatalogAccess } from "./catalog-access";
import type { CartDoc, Outcome, SessionCall, SessionDoc } from "./contract";
import { type CartView, cartView } from "./contract";
import { cartDocName, DAY_MS, type Mutation, refuse, SESSION } from "./session-core";

/** How many converted orders a session remembers for idempotent conversion. */
const MAX_REMEMBERED_CONVERSIONS = 50;

/** The cart: its RPC, and the helpers that pick, store and convert the cart document. */
export abstract class CartFeatures extends CatalogAccess {
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

  /** The cart to change: the current one, or a fresh one once the current was converted. */
  protected activeCart(session: SessionDoc, call: SessionCall): CartDoc {
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
  protected previewCart(session: SessionDoc, call: SessionCall): CartDoc {
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
  protected saveCart(
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
}
