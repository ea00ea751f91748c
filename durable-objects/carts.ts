// The cart: reads, commands (through the pure domain), conversion, and the rollover to a
// new cart once one is converted.

import { applyCartCommand, type CartCommand, type CommandCatalog, finishChange } from "../src/domain/cart/commands";
import type { SiteSettings } from "../src/domain/catalog";
import { DAY_MS } from "../src/domain/lifecycle";
import type { CatalogAccess } from "./catalog-access";
import { type CartDoc, type CartView, cartView, newCartDoc, type SessionCall, type SessionDoc } from "./contract";
import { type Mutation, refuse, requireVersion } from "./outcome";
import type { SessionState } from "./session-state";
import { cartDocName, type SessionStorage } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

/** How many converted orders a session remembers for idempotent conversion. */
const MAX_REMEMBERED_CONVERSIONS = 50;

export class Carts {
  constructor(
    private readonly store: SessionStorage,
    private readonly state: SessionState,
    private readonly work: UnitOfWork,
    private readonly catalog: CatalogAccess,
  ) {}

  /** The session's current cart; anonymous sessions must exist, customers' are created on first use. */
  async get(call: SessionCall): Promise<Mutation<CartView>> {
    const session = this.state.usable(call);
    if (!session)
      return this.work.run(call.idempotency, () => ({ status: 200, body: this.view(this.state.ensure(call)) }));
    return { status: 200, body: cartView(session, await this.cartToShow(session, call)) };
  }

  async command(call: SessionCall, command: CartCommand): Promise<Mutation<CartView>> {
    const replayed = this.work.replay<CartView>(call.idempotency);
    if (replayed) return replayed;
    if (!this.state.read() && !this.state.createsOnFirstUse(call)) refuse("NOT_FOUND", "Session not found");
    const catalog = await this.catalog.forChange(call, command, () => this.state.liveCart(this.state.read())?.state);
    return this.work.run(call.idempotency, () => {
      const { session, cart } = this.active(this.state.ensure(call), call);
      requireVersion(call, cart.version, "The cart");
      const now = new Date();
      const changed = applyCartCommand(cart.state, command, {
        site: call.site,
        now,
        allowDemoCodes: this.catalog.allowDemoCodes(),
        newId: () => crypto.randomUUID(),
        catalog,
      });
      const updated = this.save(session, cart, changed, call.site, catalog, now);
      return {
        status: command.type === "addItem" || command.type === "addBundle" ? 201 : 200,
        body: this.view(updated),
      };
    });
  }

  /**
   * Inside a change: the cart to change, the current one or a fresh one once the current was
   * converted, with the session that points at it (a new object then: stored documents are
   * never changed in place).
   */
  active(session: SessionDoc, call: SessionCall): { session: SessionDoc; cart: CartDoc } {
    this.state.assertUsable(session, call);
    const cart = this.state.currentCart(session);
    if (cart.status !== "CONVERTED") return { session, cart };
    const now = new Date();
    const next: CartDoc = {
      ...newCartDoc({ ...session, cartId: crypto.randomUUID() }, call.site, cart.state.currency, now),
      // A guest merged before the checkout stays merged: a retried merge must not refill the new cart.
      appliedMerges: cart.appliedMerges,
    };
    const pointing = { ...session, cartId: next.id };
    this.state.write(pointing);
    // Replicated even if nothing else changes: Postgres must learn which cart holds the token now.
    this.state.saveCart(next, now);
    return { session: pointing, cart: next };
  }

  /**
   * The cart a dry-run merge previews against, stored nowhere: the current one, or the
   * empty cart a real change would start (no session yet, or the current one converted).
   */
  preview(session: SessionDoc, call: SessionCall): CartDoc {
    const current = this.state.liveCart(session);
    if (current) this.state.assertUsable(session, call);
    if (current && current.status !== "CONVERTED") return current;
    return newCartDoc({ ...session, cartId: crypto.randomUUID() }, call.site, current?.state.currency, new Date());
  }

  /** Inside a change: stores a changed cart with reprice, totals, the session's next version and activity. */
  save(
    session: SessionDoc,
    cart: CartDoc,
    cartState: CartDoc["state"],
    site: SiteSettings,
    catalog: CommandCatalog,
    now: Date,
  ): SessionDoc {
    const finished = finishChange(cartState, { site, catalog });
    const updatedSession = this.state.touch(session, site, now);
    this.state.saveCart(
      {
        ...cart,
        ...finished,
        // A shopper coming back to an abandoned cart makes it active again.
        status: cart.status === "ABANDONED" ? "ACTIVE" : cart.status,
        abandonedAt: cart.status === "ABANDONED" ? null : cart.abandonedAt,
        version: updatedSession.version,
        updatedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + site.cartExpirationDays * DAY_MS).toISOString(),
      },
      now,
    );
    return updatedSession;
  }

  view(session: SessionDoc): CartView {
    return cartView(session, this.state.currentCart(session));
  }

  /** The cart a read shows: after a conversion, the shopper's next (new, empty) cart, created on first read. */
  private async cartToShow(session: SessionDoc, call: SessionCall): Promise<CartDoc> {
    const cart = this.state.currentCart(session);
    if (cart.status !== "CONVERTED") return cart;
    // A read replays nothing and records no Idempotency-Key.
    const next = await this.work.run(undefined, () => ({ status: 200, body: this.active(session, call).cart }));
    return next.body;
  }

  /**
   * The commerce platform's conversion of the cart `call.cartId` for `orderId` (never a
   * shopper's). The same cart and order again answer the converted cart; an order that
   * converted another cart, or a cart converted for another order, is a 409.
   */
  convert(call: SessionCall, orderId: string): Promise<Mutation<CartView>> {
    return this.work.run(undefined, () => {
      const session = this.state.read();
      if (!session || session.companyId !== call.address.companyId) return refuse("NOT_FOUND", "Cart not found");
      const convertedCartId = session.conversions[orderId];
      if (convertedCartId && convertedCartId === call.cartId) {
        return { status: 200, body: this.converted(session, convertedCartId, orderId) };
      }
      if (convertedCartId) return refuse("CONFLICT", `The order ${orderId} already converted another cart`);
      const cart = this.state.liveCart(session);
      if (!cart || cart.id !== call.cartId) {
        const earlier = call.cartId ? this.store.read<CartDoc>(cartDocName(call.cartId)) : undefined;
        if (earlier?.status === "CONVERTED") refuse("CONFLICT", "The cart was converted for another order");
        return refuse("NOT_FOUND", "Cart not found");
      }
      this.state.assertUsable(session, { ...call, cartId: undefined });
      if (cart.status === "CONVERTED") refuse("CONFLICT", "The cart was converted for another order");
      if (cart.status === "EXPIRED" || cart.status === "MERGED") refuse("CONFLICT", `The cart is ${cart.status}`);
      return this.markConverted(session, cart, orderId);
    });
  }

  /** The cart converted for an order: still here until replicated, else as the session remembers it. */
  private converted(session: SessionDoc, cartId: string, orderId: string): CartView {
    const converted = this.store.read<CartDoc>(cartDocName(cartId));
    if (converted) return cartView(session, converted);
    return { ...cartView(session, this.state.currentCart(session)), id: cartId, orderId, status: "CONVERTED" };
  }

  /** Inside a change: marks the cart CONVERTED for an order. */
  private markConverted(session: SessionDoc, cart: CartDoc, orderId: string): Mutation<CartView> {
    if (cart.state.lines.length === 0) refuse("VALIDATION_FAILED", "An empty cart cannot be converted");
    if (cart.state.lines.some((line) => line.unavailable)) {
      refuse("PRODUCT_UNAVAILABLE", "The cart holds items that are no longer available");
    }
    const now = new Date();
    const iso = now.toISOString();
    const version = session.version + 1;
    const converted: CartDoc = { ...cart, status: "CONVERTED", orderId, convertedAt: iso, version, updatedAt: iso };
    const entries = [...Object.entries(session.conversions), [orderId, cart.id]];
    const conversions = Object.fromEntries(entries.slice(-MAX_REMEMBERED_CONVERSIONS));
    // A forgotten order's cart goes now, or after its flush if Postgres does not have it yet.
    for (const [, forgotten] of entries.slice(0, -MAX_REMEMBERED_CONVERSIONS)) {
      if (forgotten && !this.store.isPending(cartDocName(forgotten))) this.store.remove(cartDocName(forgotten));
    }
    this.state.write({ ...session, conversions, version, updatedAt: iso, lastActivityAt: iso });
    this.state.saveCart(converted, now);
    return { status: 200, body: cartView(session, converted) };
  }
}
