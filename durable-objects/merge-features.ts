import { type MergeDiff, type MergeStrategy, mergeCarts } from "../src/domain/cart";
import { finishChange } from "../src/domain/cart/commands";
import { type ComparisonItem, mergeComparisons } from "../src/domain/comparison";
import { mergeWishlists, type WishlistMergeDiff } from "../src/domain/wishlist";
import type { CartDoc, ComparisonDoc, Outcome, SessionCall, SessionDoc, WishlistDoc } from "./contract";
import {
  type CartView,
  type ComparisonView,
  cartView,
  comparisonView,
  type WishlistView,
  wishlistView,
} from "./contract";
import { CrossSiteFeatures } from "./cross-site-features";
import { COMPARISON, cartDocName, refuse, SESSION, WISHLIST } from "./session-core";

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

/** Guest→customer merge: peek at or freeze the guest's session, then merge it into the customer's. */
export abstract class MergeFeatures extends CrossSiteFeatures {
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
