// Live sync: the WebSockets of every site showing this session, hibernating between
// messages. They hear what changed (resource and version) and refetch what they show.
import type { LiveMessage, LiveResource, SessionDoc } from "./contract";

/** At most this many live sockets per session; a new one past it closes the oldest. */
export const MAX_LIVE_SOCKETS = 32;

/** Application close codes (docs/api.md, "Live sync"): why the server closed a socket. */
export const CLOSE_CODES = {
  /** a newer socket of the same session took this one's place (MAX_LIVE_SOCKETS) */
  displaced: 4429,
  /** the session was merged into a customer's session */
  merged: 4409,
  /** the session expired or was erased: it is gone */
  gone: 4410,
} as const;

interface SocketAttachment {
  /** when the socket was accepted (ms), for closing the oldest first */
  openedAt: number;
}

export interface Change {
  /** the document that changed: "session", "cart:<id>", "wishlist", "comparison" */
  resource: string;
  version: number;
}

export class LiveSync {
  constructor(private readonly ctx: DurableObjectState) {}

  /** Tells every subscriber what a committed change touched. */
  announce(changes: readonly Change[]): void {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0 || changes.length === 0) return;
    const at = new Date().toISOString();
    for (const change of changes) {
      const message = JSON.stringify({
        type: "change",
        resource: change.resource.split(":")[0] as LiveResource,
        version: change.version,
        at,
      } satisfies LiveMessage);
      for (const socket of sockets) {
        try {
          socket.send(message);
        } catch {
          // A socket closing under us is not this change's problem; its close handler tidies up.
        }
      }
    }
  }

  /**
   * Accepts a subscriber (its ticket already checked) and greets it with the current version.
   * Past MAX_LIVE_SOCKETS the oldest sockets are closed (CLOSE_CODES.displaced): a session open
   * in many tabs, or a client that leaks sockets, costs the object a bounded amount.
   */
  open(session: SessionDoc): Response {
    const open = this.ctx.getWebSockets();
    if (open.length >= MAX_LIVE_SOCKETS) {
      const oldestFirst = open
        .map((socket, index) => ({ socket, openedAt: openedAt(socket, index) }))
        .sort((a, b) => a.openedAt - b.openedAt);
      for (const { socket } of oldestFirst.slice(0, open.length - MAX_LIVE_SOCKETS + 1)) {
        closeQuietly(socket, CLOSE_CODES.displaced, "too many live connections for this session");
      }
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ openedAt: Date.now() } satisfies SocketAttachment);
    server.send(
      JSON.stringify({ type: "hello", sessionId: session.id, version: session.version } satisfies LiveMessage),
    );
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Closes every socket of the session (merged, expired, erased): their clients stop following it. */
  closeAll(code: number, reason: string): number {
    const sockets = this.ctx.getWebSockets();
    for (const socket of sockets) closeQuietly(socket, code, reason);
    return sockets.length;
  }

  onMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    // Clients may ping to keep proxies from closing idle sockets; nothing else is expected.
    if (message === "ping") socket.send(JSON.stringify({ type: "pong" } satisfies LiveMessage));
  }

  onClose(socket: WebSocket, code: number): void {
    socket.close(code === 1005 ? 1000 : code, "closing");
  }
}

/** When a socket was accepted; one accepted before attachments were kept counts as oldest, in order. */
function openedAt(socket: WebSocket, index: number): number {
  const attachment = socket.deserializeAttachment() as SocketAttachment | null;
  return attachment?.openedAt ?? index - Number.MAX_SAFE_INTEGER;
}

function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Already closing: its close handler tidies up.
  }
}
