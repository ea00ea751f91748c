import { DurableObject } from "cloudflare:workers";
import { DomainError } from "../src/domain/cart";
import type { SiteSettings } from "../src/domain/catalog";
import { createLogger } from "../src/lib/logger";
import type { CartDoc, LinkDoc, Outcome, RpcError, SessionCall, SessionDoc } from "./contract";
import { SessionStorage } from "./storage";

export const SESSION = "session";
export const LINK = "link";
export const WISHLIST = "wishlist";
export const COMPARISON = "comparison";
export const cartDocName = (cartId: string) => `cart:${cartId}`;

export const DAY_MS = 86_400_000;
/** Changes are batched for this long before the alarm replicates them. */
export const FLUSH_DELAY_MS = 500;
/** A shopper session lives this long after its last activity (the daily job expires it). */
const SESSION_TTL_DAYS = 30;

class Refusal extends Error {
  constructor(readonly rpc: RpcError) {
    super(rpc.detail);
  }
}

export const refuse = (code: RpcError["code"], detail: string, extensions?: Record<string, unknown>): never => {
  throw new Refusal({ code, detail, ...(extensions ? { extensions } : {}) });
};

export interface Mutation<T> {
  status: number;
  body: T;
}

/**
 * The base of ShopperSession (the class chain ends in shopper-session.ts): storage, the
 * session document, and how every change runs: idempotency, one transaction, the outbox,
 * live announcements and the flush alarm.
 */
export abstract class SessionCore extends DurableObject<Env> {
  protected readonly store: SessionStorage;
  protected readonly log = createLogger({ component: "ShopperSession" });
  /** What the running transaction changed, announced to live subscribers after it commits. */
  protected changes: { resource: string; version: number }[] = [];
  /** A read created a customer's session (requireSession): its outbox rows need the flush alarm too. */
  private flushPending = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SessionStorage(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => this.store.migrate());
  }

  /** Tells every subscriber what changed; each site refetches what it shows. */
  protected broadcast(changes: { resource: string; version: number }[]): void {
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

  protected async scheduleFlush(): Promise<void> {
    await this.scheduleAlarmBy(Date.now() + FLUSH_DELAY_MS);
  }

  /** Makes sure the alarm runs no later than `due` (one alarm serves every purpose). */
  protected async scheduleAlarmBy(due: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > due) await this.ctx.storage.setAlarm(due);
  }

  // ── Internals ───────────────────────────────────────────────────────────────

  /** Runs a change: idempotency, one transaction (state + version + outbox), then the flush alarm. */
  protected async mutate<T>(call: SessionCall, change: () => Mutation<T>): Promise<Mutation<T>> {
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
  protected replay<T>(call: SessionCall): Mutation<T> | undefined {
    if (!call.idempotency) return undefined;
    const stored = this.store.findIdempotent(call.idempotency.key);
    if (!stored) return undefined;
    if (stored.fingerprint !== call.idempotency.fingerprint) {
      refuse("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request");
    }
    return stored.response as Mutation<T>;
  }

  protected async outcome<T>(run: () => Promise<Mutation<T>>): Promise<Outcome<T>> {
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
  protected requireSession(call: SessionCall): SessionDoc {
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

  protected checkIfMatch(call: SessionCall, version: number): void {
    if (call.ifMatch !== undefined && call.ifMatch !== version) {
      refuse("VERSION_MISMATCH", `The resource is at version ${version}`, { version });
    }
  }

  protected readSession(): SessionDoc | undefined {
    return this.store.read<SessionDoc>(SESSION);
  }

  /** The current cart if the session has live state (not before creation, not after expiry). */
  protected liveCart(session: SessionDoc | undefined): CartDoc | undefined {
    return session ? this.store.read<CartDoc>(cartDocName(session.cartId)) : undefined;
  }

  protected currentCart(session: SessionDoc): CartDoc {
    const cart = this.store.read<CartDoc>(cartDocName(session.cartId));
    if (!cart) throw new Error(`session ${session.id} has no cart document`);
    return cart;
  }

  protected assertUsable(session: SessionDoc, call: SessionCall): void {
    if (session.companyId !== call.address.companyId) refuse("NOT_FOUND", "Session not found");
    if (session.status === "MERGED") refuse("SESSION_MERGED", "This session was merged into a customer's session");
    if (session.status === "EXPIRED") {
      if (call.address.kind === "anonymous") refuse("SESSION_EXPIRED", "This session has expired");
    }
    if (call.cartId !== undefined && call.cartId !== session.cartId) refuse("NOT_FOUND", "Cart not found");
  }

  /** The session, created on first use (customers, or a new anonymous token). Inside a transaction. */
  protected ensureSession(call: SessionCall, currency?: string): SessionDoc {
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
  protected previewSession(call: SessionCall): SessionDoc {
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

  protected newCart(session: SessionDoc, site: SiteSettings, currency: string | undefined, now: Date): CartDoc {
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
   * The one place a session records activity: next version, last activity, expiry, the
   * site visited, and an outbox entry for its cross_site_sessions row. Inside a transaction.
   */
  protected touchSession(session: SessionDoc, site: SiteSettings, now: Date): SessionDoc {
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
  protected record(resource: string, version: number, now: Date): void {
    this.store.enqueue(resource, version, now.getTime());
    this.changes.push({ resource, version });
  }
}
