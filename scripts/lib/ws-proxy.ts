// WebSocket → TCP proxy so the Neon serverless driver (which speaks the Postgres wire
// protocol over a WebSocket) can reach a plain local Postgres. Neon's hosted service runs
// the same kind of proxy in front of every database; locally we run this one.
// The driver asks for `ws://<proxy>/v2?address=<host>:<port>`.

import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { createConnection } from "node:net";
import type * as WsModule from "ws";

// `ws` is CommonJS; loading it through createRequire works both in plain Node and inside
// vitest's global setup (where its ESM wrapper is not resolved).
const { WebSocketServer } = createRequire(import.meta.url)("ws") as typeof WsModule;

export interface WsProxy {
  /** host:port to give the Neon driver as `wsProxy` */
  address: string;
  close(): Promise<void>;
}

/** Only loopback targets are allowed: this proxy exists for local development and tests. */
const ALLOWED_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);

export async function startWsProxy(port = 0, host = "127.0.0.1"): Promise<WsProxy> {
  const server = new WebSocketServer({ port, host });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });

  server.on("connection", (socket, request) => {
    const target = new URL(request.url ?? "/", "ws://proxy").searchParams.get("address") ?? "";
    const separator = target.lastIndexOf(":");
    const targetHost = target.slice(0, separator);
    const targetPort = Number(target.slice(separator + 1));
    if (!ALLOWED_HOSTS.has(targetHost) || !Number.isInteger(targetPort)) {
      socket.close(1008, "address not allowed");
      return;
    }
    const tcp = createConnection({ host: targetHost, port: targetPort });
    tcp.setNoDelay(true);
    tcp.on("data", (chunk) => socket.send(chunk));
    tcp.on("close", () => socket.close());
    tcp.on("error", () => socket.close());
    socket.on("message", (data) => {
      tcp.write(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer));
    });
    socket.on("close", () => tcp.destroy());
    socket.on("error", () => tcp.destroy());
  });

  const { port: boundPort } = server.address() as AddressInfo;
  return {
    address: `${host}:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
