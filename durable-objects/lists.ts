// The wishlist and the comparison are one implementation: a list of products the shopper
// keeps, changes and may share by link. What differs between them is a ListKind.
import type { SiteSettings } from "../src/domain/catalog";
import {
  addToComparison,
  COMPARISON_TTL_DAYS,
  type ComparisonState,
  removeFromComparison,
} from "../src/domain/comparison";
import { DAY_MS } from "../src/domain/lifecycle";
import { addToWishlist, removeFromWishlist, updateWishlistItem, type WishlistState } from "../src/domain/wishlist";
import type { CatalogAccess } from "./catalog-access";
import { sameDigest } from "./codes";
import {
  type AddProduct,
  type ComparisonDoc,
  type ComparisonItemCommand,
  type ComparisonView,
  comparisonView,
  type ListDoc,
  type SessionCall,
  type SessionDoc,
  type ShareCommand,
  type WishlistDoc,
  type WishlistItemCommand,
  type WishlistView,
  wishlistView,
} from "./contract";
import { type Mutation, refuse, requireVersion } from "./outcome";
import type { SessionState } from "./session-state";
import { COMPARISON, type SessionStorage, WISHLIST } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

/** What differs between the wishlist and the comparison. */
export interface ListKind<Doc extends ListDoc<unknown>, Command extends ListCommand, View> {
  /** the document's name in storage, and the word in messages */
  name: typeof WISHLIST | typeof COMPARISON;
  /** A new, empty list (version 0: nothing to replicate until its first change). */
  create(site: SiteSettings, now: Date): Doc;
  /** Whether a stored list is still the shopper's current one. */
  isCurrent(doc: Doc, now: Date): boolean;
  /** The list's own command applied: its new state and status, or undefined when nothing changes. */
  apply(doc: Doc, command: Command, site: SiteSettings, now: Date): { state: Doc["state"]; status: number } | undefined;
  /** As its owner sees it on `site`, or (no site) as a shared link shows it. */
  view(session: SessionDoc, doc: Doc, site: SiteSettings | undefined): View;
}

/** A list's own commands: adding a product, and others that name an item. */
type ListCommand = AddProduct | { type: "update" | "remove"; itemId: string };

const newId = () => crypto.randomUUID();

const emptyList = <State>(site: SiteSettings, now: Date, state: State): ListDoc<State> => ({
  id: newId(),
  siteId: site.id,
  state,
  version: 0,
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  shareTokenHash: null,
  sharedAt: null,
});

export const WISHLIST_KIND: ListKind<WishlistDoc, WishlistItemCommand, WishlistView> = {
  name: WISHLIST,
  create: (site, now) => emptyList<WishlistState>(site, now, { items: [] }),
  isCurrent: () => true,
  apply(doc, command, site, now) {
    switch (command.type) {
      case "add": {
        const added = addToWishlist(doc.state, command, site.id, now, newId);
        return { state: added.state, status: added.created ? 201 : 200 };
      }
      case "update":
        return { state: updateWishlistItem(doc.state, command.itemId, command, now), status: 200 };
      case "remove":
        return { state: removeFromWishlist(doc.state, command.itemId), status: 200 };
    }
  },
  view: (session, doc) => wishlistView(session, doc),
};

export const COMPARISON_KIND: ListKind<ComparisonDoc, ComparisonItemCommand, ComparisonView> = {
  name: COMPARISON,
  create: (site, now) => ({
    ...emptyList<ComparisonState>(site, now, { items: [] }),
    expiresAt: new Date(now.getTime() + COMPARISON_TTL_DAYS * DAY_MS).toISOString(),
  }),
  // A new comparison replaces one 90 days after it was created.
  isCurrent: (doc, now) => doc.expiresAt > now.toISOString(),
  apply(doc, command, site, now) {
    if (command.type === "remove") return { state: removeFromComparison(doc.state, command.itemId), status: 200 };
    const added = addToComparison(doc.state, command, site.maxCompareItems, site.id, now, newId);
    return added.created ? { state: added.state, status: 201 } : undefined;
  },
  // A shared link shows exactly what is there; the owner sees the site's cap.
  view: (session, doc, site) => comparisonView(session, doc, site?.maxCompareItems ?? doc.state.items.length),
};

const isShare = (command: { type: string }): command is ShareCommand =>
  command.type === "share" || command.type === "unshare";

export class ShareableList<Doc extends ListDoc<unknown>, Command extends ListCommand, View> {
  constructor(
    private readonly kind: ListKind<Doc, Command, View>,
    private readonly store: SessionStorage,
    private readonly state: SessionState,
    private readonly work: UnitOfWork,
    private readonly catalog: CatalogAccess,
  ) {}

  /** The list; a customer's session is created on first use, an anonymous one must exist. */
  async get(call: SessionCall): Promise<Mutation<View>> {
    const session = await this.state.usableOrCreated(call);
    return { status: 200, body: this.kind.view(session, this.current(call.site), call.site) };
  }

  async command(call: SessionCall, command: Command | ShareCommand): Promise<Mutation<View>> {
    const replayed = this.work.replay<View>(call.idempotency);
    if (replayed) return replayed;
    this.state.usable(call);
    if (command.type === "add") await this.catalog.requireProduct(call, command.productId, command.variantId);
    return this.work.run(call.idempotency, () => {
      const session = this.state.usable(call) ?? this.state.ensure(call);
      const doc = this.current(call.site);
      requireVersion(call, doc.version, "The resource");
      const now = new Date();
      const changed = isShare(command)
        ? { doc: { ...doc, ...shareChange(command, now) }, status: 200 }
        : this.applied(doc, command, call.site, now);
      if (!changed) return { status: 200, body: this.kind.view(session, doc, call.site) };
      const saved = this.save(session, changed.doc, call.site, now);
      return { status: changed.status, body: this.kind.view(saved.session, saved.doc, call.site) };
    });
  }

  /** The read-only shared list, if `tokenHash` is its current share token (else 404, no hint why). */
  async shared(companyId: string, tokenHash: string): Promise<Mutation<View>> {
    const session = this.state.read();
    const doc = this.store.read<Doc>(this.kind.name);
    // A merged or expired session, or a list no longer current, shares nothing.
    const live = session?.status === "ACTIVE" && session.companyId === companyId;
    if (!live || !doc || !this.kind.isCurrent(doc, new Date()) || !sameDigest(doc.shareTokenHash, tokenHash)) {
      return refuse("NOT_FOUND", `Shared ${this.kind.name} not found`);
    }
    return { status: 200, body: this.kind.view(session, doc, undefined) };
  }

  /** The session's current list; an empty one is kept on first use so its id stays stable. */
  current(site: SiteSettings): Doc {
    const stored = this.store.read<Doc>(this.kind.name);
    if (stored && this.kind.isCurrent(stored, new Date())) return stored;
    const created = this.kind.create(site, new Date());
    this.store.write(this.kind.name, created);
    return created;
  }

  /** Inside a change: stores a changed list with the session's next version and activity. */
  save(session: SessionDoc, doc: Doc, site: SiteSettings, now: Date): { session: SessionDoc; doc: Doc } {
    const updatedSession = this.state.touch(session, site, now);
    const updated = { ...doc, version: updatedSession.version, updatedAt: now.toISOString() };
    this.store.write(this.kind.name, updated);
    this.work.record(this.kind.name, updated.version, now);
    return { session: updatedSession, doc: updated };
  }

  private applied(doc: Doc, command: Command, site: SiteSettings, now: Date): { doc: Doc; status: number } | undefined {
    const result = this.kind.apply(doc, command, site, now);
    return result && { doc: { ...doc, state: result.state }, status: result.status };
  }
}

/** Share or revoke: only the token's digest is kept; a new share replaces the old link. */
function shareChange(command: ShareCommand, now: Date): { shareTokenHash: string | null; sharedAt: string | null } {
  return command.type === "share"
    ? { shareTokenHash: command.tokenHash, sharedAt: now.toISOString() }
    : { shareTokenHash: null, sharedAt: null };
}

export type Wishlist = ShareableList<WishlistDoc, WishlistItemCommand, WishlistView>;
export type Comparison = ShareableList<ComparisonDoc, ComparisonItemCommand, ComparisonView>;
