// client.live: the session's changes as they happen, from any site. A WebSocket needs a
// ticket (single use, 30 s) because browsers cannot send headers on one; so every connection,
// the reconnections included, asks for a fresh ticket first.
import type { ClientContext } from "./context";
import type { LiveMessage, LiveTicket } from "./contract";
import { CrosscartError } from "./errors";
import type { FetchLike } from "./transport";

/** What `onChange` receives: the greeting (with the session's version) after each (re)connect, then each change. */
export type LiveEvent = Exclude<LiveMessage, { type: "pong" }>;

/** connecting → open ⇄ closed (reconnecting); ended: the session is gone (merged, expired, signed out) or close() was called. */
export type LiveStatus = "connecting" | "open" | "closed" | "ended";

/** The part of a WebSocket the client uses: a browser's WebSocket and a Worker's accepted socket both have it. */
export interface LiveSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (event: { code?: number }) => void): void;
  addEventListener(type: "error", listener: () => void): void;
}

/** Opens the WebSocket at `url` (http(s):// — the client's origin plus the ticket's path). */
export type OpenLiveSocket = (url: string) => LiveSocket | Promise<LiveSocket>;

export interface SubscribeOptions {
  /** Each change of the connection's state; `ended` carries the error that ended it, if any. */
  onStatus?: (status: LiveStatus, error?: CrosscartError) => void;
  /** First reconnection delay (default 1 s), doubled per failed attempt up to `maxRetryDelayMs` (default 15 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export interface LiveSubscription {
  readonly status: LiveStatus;
  /** Closes the socket and stops reconnecting. */
  close(): void;
}

const PING_EVERY_MS = 25_000;
const OPEN = 1;
/** Answers that no fresh ticket will change: stop instead of reconnecting forever. */
const FINAL_CODES = new Set(["SESSION_MERGED", "SESSION_EXPIRED", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND"]);
/**
 * The server closed this socket for a newer one of the same session (at most 32 per session):
 * reconnecting would close another tab's in turn, so this subscription ends (docs/api.md).
 */
const DISPLACED_CLOSE_CODE = 4429;

export function liveApi(context: ClientContext, openSocket: OpenLiveSocket) {
  return {
    /**
     * Follows the current session: `onChange` gets `hello` after every (re)connection (refetch
     * when its version is newer than what you show: changes were missed meanwhile) and a
     * `change` per changed resource. Reconnects with backoff and a fresh ticket until close().
     */
    subscribe(onChange: (event: LiveEvent) => void, options: SubscribeOptions = {}): LiveSubscription {
      const minDelay = options.retryDelayMs ?? 1_000;
      const maxDelay = options.maxRetryDelayMs ?? 15_000;
      let status: LiveStatus = "connecting";
      let socket: LiveSocket | undefined;
      let failures = 0;
      let retryTimer: ReturnType<typeof setTimeout> | null = null;
      let pingTimer: ReturnType<typeof setInterval> | null = null;
      // A function, not `status === "ended"` inline: TypeScript would narrow `status` across the awaits.
      const ended = () => status === "ended";

      const setStatus = (next: LiveStatus, error?: CrosscartError) => {
        if (ended()) return;
        status = next;
        options.onStatus?.(next, error);
      };

      const stop = (error?: CrosscartError) => {
        clearTimeout(retryTimer);
        clearInterval(pingTimer);
        const current = socket;
        socket = undefined;
        if (current && current.readyState <= OPEN) current.close(1000, "closed by the client");
        setStatus("ended", error);
      };

      const reconnectLater = () => {
        if (ended()) return;
        clearInterval(pingTimer);
        socket = undefined;
        setStatus("closed");
        // Jitter: the tabs of many shoppers that lost the same server do not come back in step.
        const delay = Math.min(maxDelay, minDelay * 2 ** failures) * (0.75 + Math.random() / 2);
        failures += 1;
        retryTimer = setTimeout(connect, delay);
      };

      async function connect() {
        setStatus("connecting");
        let opened: LiveSocket;
        try {
          const ticket = await context.asShopper<LiveTicket>({
            method: "POST",
            path: `${context.identity.prefix("session")}/ticket`,
          });
          if (ended()) return;
          opened = await openSocket(`${context.transport.origin}${ticket.url}`);
        } catch (error) {
          if (error instanceof CrosscartError && FINAL_CODES.has(error.code)) return stop(error);
          return reconnectLater();
        }
        if (ended()) return opened.close(1000, "closed by the client");
        socket = opened;
        let gone = false;
        const onGone = () => {
          if (gone || socket !== opened) return;
          gone = true;
          reconnectLater();
        };
        opened.addEventListener("message", (event) => {
          const message = parse(event.data);
          if (!message || message.type === "pong" || socket !== opened) return;
          if (message.type === "hello") {
            failures = 0;
            setStatus("open");
          }
          onChange(message);
        });
        opened.addEventListener("close", (event) => {
          if (event.code === DISPLACED_CLOSE_CODE && socket === opened) return stop();
          onGone();
        });
        opened.addEventListener("error", onGone);
        // Idle proxies close quiet sockets; the server answers `ping` with `pong`.
        pingTimer = setInterval(() => opened.readyState === OPEN && opened.send("ping"), PING_EVERY_MS);
      }

      void connect();
      return {
        get status() {
          return status;
        },
        close: () => stop(),
      };
    },
  };
}

function parse(data: unknown): LiveMessage | undefined {
  if (typeof data !== "string") return undefined;
  try {
    return JSON.parse(data) as LiveMessage;
  } catch {
    return undefined;
  }
}

/**
 * A browser opens `ws(s)://…` with `new WebSocket`. A Worker has no outbound `new WebSocket`
 * to its own service bindings, so there the socket comes from a fetch with `Upgrade:
 * websocket` through the client's own `fetch` (a service binding, or `exports.default.fetch` in tests).
 */
export function defaultLiveSocket(fetchImpl: FetchLike): OpenLiveSocket {
  return async (url) => {
    if (typeof WebSocketPair === "undefined") return new WebSocket(url.replace(/^http/, "ws")) as LiveSocket;
    const response = await fetchImpl(new Request(url, { headers: { upgrade: "websocket" } }));
    const socket = (response as { webSocket?: (LiveSocket & { accept(): void }) | null }).webSocket;
    if (response.status !== 101 || !socket) {
      await response.body?.cancel();
      throw new CrosscartError({
        status: response.status,
        code: "UNEXPECTED_RESPONSE",
        detail: `The live socket was refused (HTTP ${response.status})`,
        requestId: response.headers.get("x-request-id") ?? undefined,
      });
    }
    socket.accept();
    return socket;
  };
}
