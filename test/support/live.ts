// Live sync as a storefront tab sees it: a socket opened with a ticket, its `hello`, and the
// change messages that follow.
import { expect } from "vitest";
import { z } from "zod";
import { api } from "./app";

/** What every live-sync socket receives after `hello`. */
export const ChangeMessageSchema = z.object({
  type: z.literal("change"),
  resource: z.enum(["session", "cart", "wishlist", "comparison"]),
  version: z.number().int().positive(),
  at: z.string(),
});
export type ChangeMessage = z.infer<typeof ChangeMessageSchema>;

export const HelloMessageSchema = z.object({
  type: z.literal("hello"),
  sessionId: z.string(),
  version: z.number().int(),
});

export interface LiveSocket {
  socket: WebSocket;
  hello: z.infer<typeof HelloMessageSchema>;
  /** every change received so far */
  changes: ChangeMessage[];
  /** resolves with the first change (already received or to come) that matches */
  waitFor(match: (change: ChangeMessage) => boolean, timeoutMs?: number): Promise<ChangeMessage>;
  close(): void;
}

export const openLive = (ticket: string, headers: Record<string, string> = { upgrade: "websocket" }) =>
  api(`/api/live?ticket=${ticket}`, { headers });

/** Opens the live-sync socket with a ticket and waits for its `hello`. */
export async function subscribe(ticket: string): Promise<LiveSocket> {
  const response = await openLive(ticket);
  expect(response.status).toBe(101);
  const socket = response.webSocket;
  if (!socket) throw new Error("no WebSocket in the 101 response");
  const changes: ChangeMessage[] = [];
  const waiters: { match: (change: ChangeMessage) => boolean; resolve: (change: ChangeMessage) => void }[] = [];
  let resolveHello: (message: unknown) => void = () => undefined;
  const hello = new Promise<unknown>((resolve) => {
    resolveHello = resolve;
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data as string) as { type: string };
    if (message.type === "hello") return resolveHello(message);
    const change = ChangeMessageSchema.parse(message);
    changes.push(change);
    for (const waiter of [...waiters]) {
      if (waiter.match(change)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(change);
      }
    }
  });
  socket.accept();
  return {
    socket,
    hello: HelloMessageSchema.parse(await hello),
    changes,
    waitFor(match, timeoutMs = 3_000) {
      const seen = changes.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching change within ${timeoutMs} ms; got ${JSON.stringify(changes)}`)),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (change) => {
            clearTimeout(timer);
            resolve(change);
          },
        });
      });
    },
    close: () => socket.close(1000, "test done"),
  };
}
