// A data-subject request's part in the session object (docs/design.md, "Privacy"): what the
// object holds about its shopper, and erasing all of it. After an erasure the object keeps only
// the ids of the sessions it erased (the Worker's tombstones in Postgres are made from them, and
// a retried erasure must find them again); a later call starts a fresh session.
import type { CrossSiteTokenRing } from "../src/domain/cross-site-tokens";
import {
  type CartDoc,
  type ComparisonDoc,
  type CrossSiteTokenInfo,
  cartView,
  type LinkDoc,
  type LiveErasure,
  type LiveStateExport,
  type WishlistDoc,
  wishlistView,
} from "./contract";
import { CLOSE_CODES } from "./live-sync";
import type { AlarmScheduler } from "./scheduler";
import type { SessionState } from "./session-state";
import { COMPARISON, CROSS_SITE_TOKENS, ERASED, LINK, type SessionStorage, WISHLIST } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

interface ErasedDoc {
  sessionIds: string[];
  erasedAt: string;
}

/** The close code live sockets get when their session is erased: gone, as when it expires. */
export const ERASED_CLOSE_CODE = CLOSE_CODES.gone;

export class Privacy {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly store: SessionStorage,
    private readonly state: SessionState,
    private readonly work: UnitOfWork,
    private readonly alarm: AlarmScheduler,
    private readonly tokens: { describe(): CrossSiteTokenInfo[] },
  ) {}

  liveState(): LiveStateExport {
    const session = this.state.read();
    const carts = this.store
      .documentNames()
      .filter((name) => name.startsWith("cart:"))
      .flatMap((name) => {
        const cart = this.store.read<CartDoc>(name);
        return cart && session ? [cartView(session, cart)] : [];
      });
    const wishlist = this.store.read<WishlistDoc>(WISHLIST);
    const comparison = this.store.read<ComparisonDoc>(COMPARISON);
    const { tokenHash: _token, crossSiteTokenHash: _digest, ...shownSession } = session ?? {};
    return {
      session: session ? (shownSession as LiveStateExport["session"]) : null,
      carts,
      wishlist: wishlist && session ? wishlistView(session, wishlist) : null,
      comparison: comparison ? (({ shareTokenHash: _share, ...rest }) => rest)(comparison) : null,
      crossSiteTokens: this.tokens.describe(),
      linkedTo: this.store.read<LinkDoc>(LINK) ?? null,
    };
  }

  async erase(): Promise<LiveErasure> {
    let erasure: Omit<LiveErasure, "socketsClosed"> | undefined;
    await this.work.apply(() => {
      const session = this.state.read();
      const before = this.store.read<ErasedDoc>(ERASED);
      const sessionIds = [...new Set([...(before?.sessionIds ?? []), ...(session ? [session.id] : [])])];
      const tokenDigests = (this.store.read<CrossSiteTokenRing>(CROSS_SITE_TOKENS)?.tokens ?? []).map(
        (token) => token.digest,
      );
      const counts = this.store.eraseAll([]);
      // Written even when nothing was here: a token of this object must not start a session after its erasure.
      this.store.write(ERASED, { sessionIds, erasedAt: new Date().toISOString() });
      erasure = { sessionIds, tokenDigests, ...counts, documents: counts.documents - (before ? 1 : 0) };
    });
    await this.alarm.cancel();
    let socketsClosed = 0;
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.close(ERASED_CLOSE_CODE, "session erased");
        socketsClosed += 1;
      } catch {
        // Already closing: nothing more to do for that one.
      }
    }
    if (!erasure) throw new Error("the erasure did not run");
    return { ...erasure, socketsClosed };
  }
}
