// Cross-site sessions: token objects that link to a customer's session, the customer's
// cross-site tokens (issued, listed, revoked), transfer codes to continue on another site, and
// live-sync tickets.
import type { SiteSettings } from "../src/domain/catalog";
import { rememberCode, takeCode } from "./codes";
import type {
  ClaimedTransfer,
  CrossSiteView,
  IssuedCrossSiteToken,
  LinkDoc,
  NewCrossSiteToken,
  PendingCode,
  SessionCall,
  SessionDoc,
  TransferRequest,
} from "./contract";
import type { CustomerTokens } from "./cross-site-tokens";
import type { LiveSync } from "./live-sync";
import { type Mutation, refuse } from "./outcome";
import type { AlarmScheduler } from "./scheduler";
import type { SessionState } from "./session-state";
import { LINK, type SessionStorage } from "./storage";
import type { UnitOfWork } from "./unit-of-work";

const TRANSFER_CODE_TTL_MS = 120_000;
const TICKET_TTL_MS = 30_000;

export class CrossSite {
  constructor(
    private readonly store: SessionStorage,
    private readonly state: SessionState,
    private readonly work: UnitOfWork,
    private readonly alarm: AlarmScheduler,
    private readonly live: LiveSync,
    private readonly tokens: CustomerTokens,
  ) {}

  /** Set when this is a token object that only points at a customer's session. */
  linkedCustomer(): LinkDoc | undefined {
    return this.store.read<LinkDoc>(LINK);
  }

  /** Makes this (token) object a pointer to a customer's session. Idempotent. */
  async link(target: LinkDoc): Promise<{ linked: boolean }> {
    const existing = this.linkedCustomer();
    if (existing)
      return { linked: existing.customerId === target.customerId && existing.companyId === target.companyId };
    if (this.state.read()) return { linked: false };
    await this.work.apply(() => {
      this.store.write(LINK, target);
    });
    return { linked: true };
  }

  /** The customer's cross-site session and its live tokens (never a token): 404 until one was issued. */
  async session(call: SessionCall): Promise<Mutation<CrossSiteView>> {
    this.customerOnly(call);
    const session = this.sessionWithTokens();
    if (!session) return refuse("NOT_FOUND", "No cross-site session yet");
    return { status: 200, body: { ...crossSiteView(session), tokens: this.tokens.describe() } };
  }

  /**
   * Issues a cross-site token: the Worker minted it and sends only its digest. A repeated
   * Idempotency-Key cannot replay the token (it is kept nowhere): it issues this one and
   * revokes the one the first call issued, so one key never leaves two tokens live.
   */
  async issueToken(call: SessionCall, token: NewCrossSiteToken): Promise<Mutation<IssuedCrossSiteToken>> {
    this.customerOnly(call);
    return this.work.rerun<IssuedCrossSiteToken>(call.idempotency, (previous) => {
      const session = this.state.ensure(call);
      const now = new Date();
      const issued = this.tokens.issue(token, previous?.body.digest, now.getTime());
      const updated = this.state.touch({ ...session, crossSiteTokenHash: token.digest }, call.site, now);
      const expiresAt = new Date(issued.expiresAt).toISOString();
      const view = { ...crossSiteView(updated), tokens: this.tokens.describe(now.getTime()) };
      return { status: 201, body: { session: view, digest: token.digest, expiresAt } };
    });
  }

  /** Revokes every cross-site token of the customer's session (the next generation). */
  async revokeTokens(call: SessionCall): Promise<Mutation<{ revoked: number }>> {
    this.customerOnly(call);
    const session = this.sessionWithTokens();
    if (!session) return { status: 200, body: { revoked: 0 } };
    return this.work.run(call.idempotency, () => {
      const revoked = this.tokens.revokeAll();
      this.state.touch({ ...session, crossSiteTokenHash: null }, call.site, new Date());
      return { status: 200, body: { revoked } };
    });
  }

  /** The active session, if a cross-site token was ever issued for it. */
  private sessionWithTokens(): SessionDoc | undefined {
    const session = this.state.read();
    return session?.status === "ACTIVE" && this.tokens.issuedAny() ? session : undefined;
  }

  /** Cross-site tokens are the signed-in customer's to manage; a token cannot mint or revoke tokens. */
  private customerOnly(call: SessionCall): void {
    if (call.address.kind !== "customer" || call.viaCrossSiteToken !== undefined)
      refuse("FORBIDDEN", "Only customers have a cross-site session");
  }

  /** The session as seen from a token (anonymous sessions). */
  async info(call: SessionCall): Promise<Mutation<CrossSiteView>> {
    return { status: 200, body: crossSiteView(await this.state.usableOrCreated(call)) };
  }

  /**
   * A one-time transfer code to continue this session on `targetSiteId`: 120 s, single use,
   * stored as its digest. A guest's code holds the session token, what claiming it yields; a
   * customer's holds none (its claim issues a fresh cross-site token).
   */
  async createTransfer(call: SessionCall, transfer: TransferRequest): Promise<Mutation<CrossSiteView>> {
    const session = await this.state.usableOrCreated(call);
    const now = Date.now();
    const expiresAt = now + TRANSFER_CODE_TTL_MS;
    const { codeHash, targetSiteId } = transfer;
    const sessionToken = session.customerId === null ? transfer.sessionToken : undefined;
    await this.work.apply(() => {
      rememberCode(this.store, { purpose: "transfer", codeHash, targetSiteId, sessionToken, expiresAt }, now);
    });
    // A guest's code holds the raw session token: the alarm forgets it once it has expired.
    await this.alarm.runBy(expiresAt + 1_000);
    return { status: 200, body: crossSiteView(session) };
  }

  /**
   * Redeems a transfer code on its target site: the site recorded, the transfer counted, and
   * the guest's session token — or, for a customer's session, `freshToken` issued as a new
   * cross-site token (the Worker minted it and hands it out).
   */
  async claimTransfer(
    companyId: string,
    codeHash: string,
    site: SiteSettings,
    freshToken: NewCrossSiteToken,
  ): Promise<Mutation<ClaimedTransfer>> {
    const session = this.state.read();
    const notFound = () => refuse("NOT_FOUND", "Transfer code not found or expired");
    if (!session || session.companyId !== companyId || session.status !== "ACTIVE") return notFound();
    // The code is spent before it is checked, in a change of its own that a refusal cannot roll
    // back: a code presented on a site it was not meant for is used up (the shopper asks again).
    let code: PendingCode | undefined;
    await this.work.apply(() => {
      code = takeCode(this.store, "transfer", codeHash, Date.now());
    });
    if (!code || code.targetSiteId !== site.id) return notFound();
    const { sessionToken } = code;
    if (session.customerId === null && !sessionToken) return notFound();
    // A claim changes the session (site visited, transfer counted) like any change.
    return this.work.run<ClaimedTransfer>(undefined, () => {
      const current = this.state.read();
      if (current?.status !== "ACTIVE") return notFound();
      const now = new Date();
      const counted = { ...current, transferCount: (current.transferCount ?? 0) + 1 };
      if (current.customerId === null) {
        const updated = this.state.touch(counted, site, now);
        return { status: 200, body: { sessionToken, session: crossSiteView(updated) } };
      }
      const issued = this.tokens.issue(freshToken, undefined, now.getTime());
      const updated = this.state.touch({ ...counted, crossSiteTokenHash: freshToken.digest }, site, now);
      const issuedTokenExpiresAt = new Date(issued.expiresAt).toISOString();
      return { status: 200, body: { session: crossSiteView(updated), issuedTokenExpiresAt } };
    });
  }

  /** A 30-second, single-use ticket for opening the live-sync WebSocket without the session token in a URL. */
  async issueTicket(call: SessionCall, ticketHash: string): Promise<Mutation<{ expiresInSeconds: number }>> {
    await this.state.usableOrCreated(call);
    const now = Date.now();
    return this.work.run(undefined, () => {
      rememberCode(this.store, { purpose: "ticket", codeHash: ticketHash, expiresAt: now + TICKET_TTL_MS }, now);
      return { status: 200, body: { expiresInSeconds: TICKET_TTL_MS / 1000 } };
    });
  }

  /** The live-sync WebSocket upgrade, for the holder of a ticket. */
  async openLiveSync(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("Not found", { status: 404 });
    const ticketHash = new URL(request.url).searchParams.get("ticketHash") ?? "";
    const session = this.state.read();
    const ticket = await this.work.run(undefined, () => ({
      status: 200,
      body: takeCode(this.store, "ticket", ticketHash, Date.now()),
    }));
    if (!session || !ticket.body) return new Response("Not found", { status: 404 });
    return this.live.open(session);
  }
}

/** The session as the cross-site routes show it; never a token (the Worker adds one where it hands it out). */
function crossSiteView(session: SessionDoc): CrossSiteView {
  return {
    id: session.id,
    companyId: session.companyId,
    customerId: session.customerId,
    status: session.status,
    originSiteId: session.originSiteId,
    sitesVisited: session.sitesVisited,
    transferCount: session.transferCount ?? 0,
    mergeCount: session.mergeCount ?? 0,
    version: session.version,
    lastActivityAt: session.lastActivityAt,
    expiresAt: session.expiresAt ?? session.lastActivityAt,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
  };
}
