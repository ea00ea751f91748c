// Guest → customer merge: the guest's session is peeked at (dry run) or frozen, then its
// cart, wishlist and comparison merge into the customer's session in one change.
import { emptyMergeDiff, guestCartEnded, type MergeStrategy, mergeCarts } from "../src/domain/cart";
import { finishChange } from "../src/domain/cart/commands";
import { mergeComparisons } from "../src/domain/comparison";
import { mergeWishlists } from "../src/domain/wishlist";
import type { Carts } from "./carts";
import type { CatalogAccess } from "./catalog-access";
import {
  type CartDoc,
  type ComparisonDoc,
  cartView,
  comparisonView,
  type GuestState,
  type MergeResult,
  newSessionDoc,
  type SessionCall,
  type SessionDoc,
  type WishlistDoc,
  wishlistView,
} from "./contract";
import type { Comparison, Wishlist } from "./lists";
import { CLOSE_CODES, type LiveSync } from "./live-sync";
import { type Mutation, refuse } from "./outcome";
import type { SessionState } from "./session-state";
import { COMPARISON, type SessionStorage, WISHLIST } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

/**
 * How many merged guest sessions a cart remembers, so a retried merge adds nothing twice. Only
 * the window between the customer's step and the guest's confirmation (step 3) depends on it:
 * once confirmed, the guest itself answers "already merged", with no limit and for as long as
 * the guest session is kept.
 */
const MAX_REMEMBERED_MERGES = 100;

export class Merge {
  constructor(
    private readonly store: SessionStorage,
    private readonly state: SessionState,
    private readonly work: UnitOfWork,
    private readonly catalog: CatalogAccess,
    private readonly carts: Carts,
    private readonly wishlist: Wishlist,
    private readonly comparison: Comparison,
    private readonly live: LiveSync,
  ) {}

  /** The guest session's state for a merge preview (dryRun): read only, nothing frozen. */
  async peek(call: SessionCall): Promise<Mutation<GuestState>> {
    const session = await this.guestSession(call);
    this.state.assertUsable(session, call);
    return { status: 200, body: this.guestState(session) };
  }

  /**
   * Step 1 of a guest→customer merge, on the guest's session: freezes it (every later
   * write is refused with SESSION_MERGED) and returns its state. Freezing first means a
   * concurrent add on the guest either lands before the freeze (and is merged) or is refused
   * (and the storefront knows) — it is never silently lost. Repeatable for the same target.
   */
  async freeze(call: SessionCall, intoSessionName: string): Promise<Mutation<GuestState>> {
    const session = await this.guestSession(call);
    if (session.status === "MERGED" && session.mergedIntoSessionId !== intoSessionName) {
      refuse("SESSION_MERGED", "The guest session was merged into another session");
    }
    if (session.status === "EXPIRED") refuse("SESSION_EXPIRED", "The guest session has expired");
    const guest = this.guestState(session);
    if (session.status === "MERGED")
      return { status: 200, body: { ...guest, alreadyMerged: !!session.mergeAppliedAt } };
    const frozen = await this.work.run(undefined, () => {
      const now = new Date();
      const touched = this.state.touch(session, call.site, now);
      const frozen: SessionDoc = {
        ...touched,
        status: "MERGED",
        mergedIntoSessionId: intoSessionName,
        mergedAt: now.toISOString(),
      };
      this.state.write(frozen);
      this.state.saveCart(
        { ...guest.cart, status: "MERGED", version: frozen.version, updatedAt: now.toISOString() },
        now,
      );
      return { status: 200, body: guest };
    });
    // The guest's sockets follow a session that can no longer be used: its tabs switch to the customer's.
    this.live.closeAll(CLOSE_CODES.merged, "session merged");
    return frozen;
  }

  /**
   * Step 3, on the guest's session once the customer's step is done: the guest remembers that
   * it was merged, so any later merge of it adds nothing — even into a customer session that
   * has expired and forgotten it since. Repeatable.
   */
  async confirm(call: SessionCall, intoSessionName: string): Promise<Mutation<{ confirmed: boolean }>> {
    const session = await this.guestSession(call);
    if (session.status !== "MERGED" || session.mergedIntoSessionId !== intoSessionName) {
      refuse("SESSION_MERGED", "The guest session was not merged into this session");
    }
    if (!session.mergeAppliedAt) {
      // Bookkeeping no replica shows: the session row already says MERGED.
      await this.work.apply(() => this.state.write({ ...session, mergeAppliedAt: new Date().toISOString() }));
    }
    return { status: 200, body: { confirmed: true } };
  }

  /**
   * Step 2 of the merge, on the customer's session: cart (by strategy), wishlist (union,
   * higher priority wins) and comparison (union up to the cap, the rest reported) in one
   * change. A retry for the same guest session changes nothing. `dryRun` stores nothing.
   */
  async into(
    call: SessionCall,
    guest: GuestState,
    strategy: MergeStrategy,
    dryRun: boolean,
  ): Promise<Mutation<MergeResult>> {
    // The guest's lines are priced too: they are about to become lines of this cart.
    const cartNow = () => this.state.liveCart(this.state.read())?.state;
    const catalog = await this.catalog.forChange(call, undefined, cartNow, guest.cart.state.lines);
    if (dryRun) {
      const session = this.state.read() ?? newSessionDoc(call);
      const now = new Date();
      // Reads only: the lists may store empty documents on first use, which changes no version.
      const merged = this.combine(call, session, this.carts.preview(session, call), guest, strategy, now);
      const { state, totals } = finishChange(merged.cart.result, { site: call.site, catalog });
      return {
        status: 200,
        body: this.describe(call, session, merged, {
          cart: { ...merged.cart.before, state, totals, updatedAt: now.toISOString() },
          wishlist: { ...merged.wishlist.before, state: merged.wishlist.state },
          comparison: { ...merged.comparison.before, state: merged.comparison.state },
          dryRun: true,
          alreadyMerged: false,
        }),
      };
    }
    return this.work.run(call.idempotency, () => {
      const { session, cart } = this.carts.active(this.state.ensure(call), call);
      const now = new Date();
      const merged = this.combine(call, session, cart, guest, strategy, now);
      if (guest.alreadyMerged || cart.appliedMerges.includes(guest.sessionId)) {
        const unchanged = {
          ...merged,
          cart: { ...merged.cart, diff: emptyMergeDiff() },
          wishlist: { ...merged.wishlist, diff: { added: [], priorityRaised: [], dropped: [] } },
          comparison: { ...merged.comparison, added: [], dropped: [] },
        };
        return {
          status: 200,
          body: this.describe(call, session, unchanged, {
            cart,
            wishlist: merged.wishlist.before,
            comparison: merged.comparison.before,
            dryRun: false,
            alreadyMerged: true,
          }),
        };
      }
      const withMerge = {
        ...cart,
        appliedMerges: [...cart.appliedMerges, guest.sessionId].slice(-MAX_REMEMBERED_MERGES),
      };
      const afterCart = this.carts.save(session, withMerge, merged.cart.result, call.site, catalog, now);
      // A list the guest had nothing in is unchanged: not stored again, nor replicated.
      const wishlist = guest.wishlist?.state.items.length
        ? this.wishlist.save(afterCart, { ...merged.wishlist.before, state: merged.wishlist.state }, call.site, now)
        : { session: afterCart, doc: merged.wishlist.before };
      const comparison = guest.comparison?.state.items.length
        ? this.comparison.save(
            wishlist.session,
            { ...merged.comparison.before, state: merged.comparison.state },
            call.site,
            now,
          )
        : { session: wishlist.session, doc: merged.comparison.before };
      const counted = { ...comparison.session, mergeCount: (comparison.session.mergeCount ?? 0) + 1 };
      const current = this.state.touch(counted, call.site, now);
      return {
        status: 200,
        body: this.describe(call, current, merged, {
          cart: this.state.currentCart(current),
          wishlist: wishlist.doc,
          comparison: comparison.doc,
          dryRun: false,
          alreadyMerged: false,
        }),
      };
    });
  }

  /** The three merges, computed (pure) against the customer's current documents. */
  private combine(
    call: SessionCall,
    session: SessionDoc,
    cart: CartDoc,
    guest: GuestState,
    strategy: MergeStrategy,
    now: Date,
  ) {
    const newId = () => crypto.randomUUID();
    const wishlist = this.wishlist.current(call.site);
    const comparison = this.comparison.current(call.site);
    const max = call.site.maxCompareItems;
    return {
      session,
      cart: {
        before: cart,
        ...(guestCartEnded(guest.cart.status)
          ? { result: cart.state, diff: emptyMergeDiff() }
          : mergeCarts(cart.state, guest.cart.state, strategy, newId, now)),
      },
      wishlist: {
        before: wishlist,
        ...mergeWishlists(wishlist.state, guest.wishlist?.state ?? { items: [] }, now, newId),
      },
      comparison: {
        before: comparison,
        ...mergeComparisons(comparison.state, guest.comparison?.state ?? { items: [] }, max, newId),
      },
    };
  }

  private describe(
    call: SessionCall,
    session: SessionDoc,
    merged: ReturnType<Merge["combine"]>,
    result: {
      cart: CartDoc;
      wishlist: WishlistDoc;
      comparison: ComparisonDoc;
      dryRun: boolean;
      alreadyMerged: boolean;
    },
  ): MergeResult {
    return {
      cart: cartView(session, result.cart),
      diff: merged.cart.diff,
      wishlist: wishlistView(session, result.wishlist),
      wishlistDiff: merged.wishlist.diff,
      comparison: comparisonView(session, result.comparison, call.site.maxCompareItems),
      comparisonDiff: { added: merged.comparison.added, dropped: merged.comparison.dropped },
      dryRun: result.dryRun,
      alreadyMerged: result.alreadyMerged,
    };
  }

  /** The guest's session; one whose token was issued but never used is created now, empty. */
  private async guestSession(call: SessionCall): Promise<SessionDoc> {
    const session = this.state.read();
    if (!session && this.state.createsOnFirstUse(call)) return this.state.usableOrCreated(call);
    if (!session || session.companyId !== call.address.companyId) return refuse("NOT_FOUND", "Guest session not found");
    return session;
  }

  private guestState(session: SessionDoc): GuestState {
    return {
      sessionId: session.id,
      cart: this.state.currentCart(session),
      wishlist: this.store.read<WishlistDoc>(WISHLIST),
      comparison: this.store.read<ComparisonDoc>(COMPARISON),
    };
  }
}
