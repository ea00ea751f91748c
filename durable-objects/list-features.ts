import type { SiteSettings } from "../src/domain/catalog";
import { addToComparison, COMPARISON_TTL_DAYS, removeFromComparison } from "../src/domain/comparison";
import { addToWishlist, removeFromWishlist, updateWishlistItem } from "../src/domain/wishlist";
import { CartFeatures } from "./cart-features";
import { sameDigest } from "./codes";
import type {
  ComparisonCommand,
  ComparisonDoc,
  Outcome,
  SessionCall,
  SessionDoc,
  ShareCommand,
  WishlistCommand,
  WishlistDoc,
} from "./contract";
import { type ComparisonView, comparisonView, type WishlistView, wishlistView } from "./contract";
import { COMPARISON, DAY_MS, refuse, WISHLIST } from "./session-core";

/** The wishlist and the comparison: their RPC, sharing, and how their documents are created and stored. */
export abstract class ListFeatures extends CartFeatures {
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

  /** The session's wishlist; created (unversioned, not replicated until its first change) on first use. */
  protected wishlistOf(site: SiteSettings): WishlistDoc {
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
  protected comparisonOf(site: SiteSettings): ComparisonDoc {
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
  protected saveResource<T extends { version: number; updatedAt: string }>(
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
}

/** Share or revoke: only the token's digest is kept; a new share replaces the old link. */
function shareChange(command: ShareCommand, now: Date): { shareTokenHash: string | null; sharedAt: string | null } {
  return command.type === "share"
    ? { shareTokenHash: command.tokenHash, sharedAt: now.toISOString() }
    : { shareTokenHash: null, sharedAt: null };
}
