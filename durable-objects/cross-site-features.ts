import type { SiteSettings } from "../src/domain/catalog";
import { rememberCode, takeCode } from "./codes";
import type { CrossSiteView, LinkDoc, Outcome, SessionCall, SessionDoc } from "./contract";
import { ListFeatures } from "./list-features";
import { LINK, refuse } from "./session-core";

const TRANSFER_CODE_TTL_MS = 120_000;
const TICKET_TTL_MS = 30_000;

/** Cross-site sessions: links, transfer codes, live-sync tickets and the WebSocket they open. */
export abstract class CrossSiteFeatures extends ListFeatures {
  // ── Cross-site sessions ─────────────────────────────────────────────────────

  /** Makes this (token) object a pointer to a customer's session. Idempotent. */
  async link(target: LinkDoc): Promise<{ linked: boolean }> {
    const existing = this.store.read<LinkDoc>(LINK);
    if (existing)
      return { linked: existing.customerId === target.customerId && existing.companyId === target.companyId };
    if (this.readSession()) return { linked: false };
    this.store.write(LINK, target);
    return { linked: true };
  }

  /**
   * The customer's cross-site session. With `proposedToken`, creates it if needed (the
   * proposed token becomes its token; an existing one is kept and returned).
   */
  async crossSiteSession(call: SessionCall, proposedToken?: string): Promise<Outcome<CrossSiteView>> {
    return this.outcome(async () => {
      if (call.address.kind !== "customer") return refuse("FORBIDDEN", "Only customers have a cross-site session");
      if (!proposedToken) {
        const session = this.readSession();
        if (!session?.crossSiteToken || session.status !== "ACTIVE")
          return refuse("NOT_FOUND", "No cross-site session yet");
        return { status: 200, body: crossSiteView(session, session.crossSiteToken) };
      }
      return this.mutate(call, () => {
        const session = this.ensureSession(call);
        if (session.crossSiteToken) return { status: 200, body: crossSiteView(session, session.crossSiteToken) };
        const updated = this.touchSession({ ...session, crossSiteToken: proposedToken }, call.site, new Date());
        return { status: 201, body: crossSiteView(updated, proposedToken) };
      });
    });
  }

  /** The session as seen from a token (anonymous sessions). */
  async sessionInfo(call: SessionCall): Promise<Outcome<CrossSiteView>> {
    return this.outcome(async () => {
      const session = this.requireSession(call);
      return { status: 200, body: crossSiteView(session, undefined) };
    });
  }

  /**
   * A one-time transfer code to continue this session on `targetSiteId`: 120 s, single use,
   * stored as its digest. `sessionToken` is what claiming it yields.
   */
  async createTransfer(
    call: SessionCall,
    transfer: { codeHash: string; targetSiteId: string; sessionToken: string },
  ): Promise<Outcome<CrossSiteView>> {
    return this.outcome(async () => {
      const session = this.requireSession(call);
      const now = Date.now();
      const expiresAt = now + TRANSFER_CODE_TTL_MS;
      this.ctx.storage.transactionSync(() =>
        rememberCode(this.store, { purpose: "transfer", ...transfer, expiresAt }, now),
      );
      // The code holds the raw session token: the alarm forgets it once it has expired.
      await this.scheduleAlarmBy(expiresAt + 1_000);
      return { status: 200, body: crossSiteView(session, undefined) };
    });
  }

  /** Redeems a transfer code on its target site: the session token, the site recorded, the transfer counted. */
  async claimTransfer(
    companyId: string,
    codeHash: string,
    site: SiteSettings,
  ): Promise<Outcome<{ sessionToken: string; session: CrossSiteView }>> {
    return this.outcome(async () => {
      const session = this.readSession();
      const notFound = () => refuse("NOT_FOUND", "Transfer code not found or expired");
      if (!session || session.companyId !== companyId || session.status !== "ACTIVE") return notFound();
      this.changes = [];
      const claimed = this.ctx.storage.transactionSync(() => {
        const code = takeCode(this.store, "transfer", codeHash, Date.now());
        if (!code?.sessionToken || code.targetSiteId !== site.id) return notFound();
        const updated = this.touchSession(
          { ...session, transferCount: (session.transferCount ?? 0) + 1 },
          site,
          new Date(),
        );
        return { status: 200, body: { sessionToken: code.sessionToken, session: crossSiteView(updated, undefined) } };
      });
      // A claim changes the session (site visited, transfer counted) like any change: announce and replicate it.
      this.broadcast(this.changes);
      this.changes = [];
      await this.scheduleFlush();
      return claimed;
    });
  }

  /** A 30-second, single-use ticket for opening the live-sync WebSocket without the session token in a URL. */
  async issueTicket(call: SessionCall, ticketHash: string): Promise<Outcome<{ expiresInSeconds: number }>> {
    return this.outcome(async () => {
      this.requireSession(call);
      const now = Date.now();
      this.ctx.storage.transactionSync(() =>
        rememberCode(this.store, { purpose: "ticket", codeHash: ticketHash, expiresAt: now + TICKET_TTL_MS }, now),
      );
      return { status: 200, body: { expiresInSeconds: TICKET_TTL_MS / 1000 } };
    });
  }

  /** Only the live-sync WebSocket upgrade comes through fetch; sockets hibernate between messages. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("Not found", { status: 404 });
    const ticketHash = new URL(request.url).searchParams.get("ticketHash") ?? "";
    const session = this.readSession();
    const ticket = this.ctx.storage.transactionSync(() => takeCode(this.store, "ticket", ticketHash, Date.now()));
    if (!session || !ticket) return new Response("Not found", { status: 404 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send(JSON.stringify({ type: "hello", sessionId: session.id, version: session.version }));
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Clients may ping to keep proxies from closing idle sockets; nothing else is expected.
    if (message === "ping") socket.send(JSON.stringify({ type: "pong" }));
  }

  override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    socket.close(code === 1005 ? 1000 : code, "closing");
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
