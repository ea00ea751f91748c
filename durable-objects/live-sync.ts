// Live sync: the WebSockets of every site showing this session, hibernating between
// messages. They hear what changed (resource and version) and refetch what they show.
import type { LiveMessage, LiveResource, SessionDoc } from "./contract";

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

  /** Accepts a subscriber (its ticket already checked) and greets it with the current version. */
  open(session: SessionDoc): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send(
      JSON.stringify({ type: "hello", sessionId: session.id, version: session.version } satisfies LiveMessage),
    );
    return new Response(null, { status: 101, webSocket: client });
  }

  onMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    // Clients may ping to keep proxies from closing idle sockets; nothing else is expected.
    if (message === "ping") socket.send(JSON.stringify({ type: "pong" } satisfies LiveMessage));
  }

  onClose(socket: WebSocket, code: number): void {
    socket.close(code === 1005 ? 1000 : code, "closing");
  }
}
