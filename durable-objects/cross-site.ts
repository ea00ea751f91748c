// Cross-site sessions: token objects that link to a customer's session, the customer's
// cross-site token, transfer codes to continue on another site, and live-sync tickets.
import type { SiteSettings } from "../src/domain/catalog";
import { rememberCode, takeCode } from "./codes";
import type { CrossSiteView, LinkDoc, PendingCode, SessionCall, SessionDoc, TransferRequest } from "./contract";
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

  /**
   * The customer's cross-site session. With `proposedToken`, creates it if needed (the
   * proposed token becomes its token; an existing one is kept and returned).
   */
  async session(call: SessionCall, proposedToken: string | undefined): Promise<Mutation<CrossSiteView>> {
    if (call.address.kind !== "customer") return refuse("FORBIDDEN", "Only customers have a cross-site session");
    if (!proposedToken) {
      const session = this.state.read();
      if (!session?.crossSiteToken || session.status !== "ACTIVE")
        return refuse("NOT_FOUND", "No cross-site session yet");
      return { status: 200, body: crossSiteView(session, session.crossSiteToken) };
    }
    return this.work.run(call.idempotency, () => {
      const session = this.state.ensure(call);
      if (session.crossSiteToken) return { status: 200, body: crossSiteView(session, session.crossSiteToken) };
      const updated = this.state.touch({ ...session, crossSiteToken: proposedToken }, call.site, new Date());
      return { status: 201, body: crossSiteView(updated, proposedToken) };
    });
  }

  /** The session as seen from a token (anonymous sessions). */
  async info(call: SessionCall): Promise<Mutation<CrossSiteView>> {
    return { status: 200, body: crossSiteView(await this.state.usableOrCreated(call), undefined) };
  }

  /**
   * A one-time transfer code to continue this session on `targetSiteId`: 120 s, single use,
   * stored as its digest. `sessionToken` is what claiming it yields.
   */
  async createTransfer(call: SessionCall, transfer: TransferRequest): Promise<Mutation<CrossSiteView>> {
    const session = await this.state.usableOrCreated(call);
    const now = Date.now();
    const expiresAt = now + TRANSFER_CODE_TTL_MS;
    await this.work.apply(() => {
      rememberCode(this.store, { purpose: "transfer", ...transfer, expiresAt }, now);
    });
    // The code holds the raw session token: the alarm forgets it once it has expired.
    await this.alarm.runBy(expiresAt + 1_000);
    return { status: 200, body: crossSiteView(session, undefined) };
  }

  /** Redeems a transfer code on its target site: the session token, the site recorded, the transfer counted. */
  async claimTransfer(
    companyId: string,
    codeHash: string,
    site: SiteSettings,
  ): Promise<Mutation<{ sessionToken: string; session: CrossSiteView }>> {
    const session = this.state.read();
    const notFound = () => refuse("NOT_FOUND", "Transfer code not found or expired");
    if (!session || session.companyId !== companyId || session.status !== "ACTIVE") return notFound();
    // The code is spent before it is checked, in a change of its own that a refusal cannot roll
    // back: a code presented on a site it was not meant for is used up (the shopper asks again).
    let code: PendingCode | undefined;
    await this.work.apply(() => {
      code = takeCode(this.store, "transfer", codeHash, Date.now());
    });
    if (!code?.sessionToken || code.targetSiteId !== site.id) return notFound();
    const { sessionToken } = code;
    // A claim changes the session (site visited, transfer counted) like any change.
    return this.work.run(undefined, () => {
      const current = this.state.read();
      if (current?.status !== "ACTIVE") return notFound();
      const counted = { ...current, transferCount: (current.transferCount ?? 0) + 1 };
      const updated = this.state.touch(counted, site, new Date());
      return { status: 200, body: { sessionToken, session: crossSiteView(updated, undefined) } };
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

/** The session as the cross-site routes show it; the token only where the caller may have it. */
function crossSiteView(session: SessionDoc, sessionToken: string | undefined): CrossSiteView {
  return {
    id: session.id,
    companyId: session.companyId,
    customerId: session.customerId,
    status: session.status,
    ...(sessionToken ? { sessionToken } : {}),
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
