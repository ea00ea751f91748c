// WebSocket → TCP proxy so the Neon serverless driver (which speaks the Postgres wire
// protocol over a WebSocket) can reach a plain local Postgres. Neon's hosted service runs
// the same kind of proxy in front of every database; locally we run this one.
// The driver asks for `ws://<proxy>/v2?address=<host>:<port>`.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { createConnection } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as WsModule from "ws";

// `ws` is CommonJS; loading it through createRequire works both in plain Node and inside
// vitest's global setup (where its ESM wrapper is not resolved).
const { WebSocketServer } = createRequire(import.meta.url)("ws") as typeof WsModule;

export interface WsProxy {
  /** host:port to give the Neon driver as `wsProxy` */
  address: string;
  /** Simulates a database outage (tests): drops every connection and refuses new ones. */
  setAvailable(available: boolean): void;
  /**
   * Simulates a frozen database (tests; Postgres stopped with SIGSTOP): connections are
   * accepted and kept, but nothing passes either way until it thaws, in order.
   */
  setFrozen(frozen: boolean): void;
  close(): Promise<void>;
}

export interface WsProxyOptions {
  port?: number;
  host?: string;
  /**
   * Tests only: `POST /__outage` and `DELETE /__outage` on the proxy's port switch the
   * simulated outage on and off, so worker tests can take "Postgres" down for real;
   * `POST /__freeze` freezes it instead, and `DELETE /__outage` also thaws it.
   */
  outageSwitch?: boolean;
}

/** Only loopback targets are allowed: this proxy exists for local development and tests. */
const ALLOWED_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);

export async function startWsProxy(options: WsProxyOptions = {}): Promise<WsProxy> {
  const host = options.host ?? "127.0.0.1";
  let available = true;
  // While frozen, what would pass waits here, oldest first.
  let held: Array<() => void> | undefined;
  const pass = (send: () => void) => (held ? held.push(send) : send());
  const http = createServer((request, response) => {
    if (options.outageSwitch && request.url === "/__outage" && request.method === "POST") {
      proxy.setAvailable(false);
    } else if (options.outageSwitch && request.url === "/__outage" && request.method === "DELETE") {
      proxy.setFrozen(false);
      proxy.setAvailable(true);
    } else if (options.outageSwitch && request.url === "/__freeze" && request.method === "POST") {
      proxy.setFrozen(true);
    } else {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(204).end();
  });
  const server = new WebSocketServer({ server: http });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 0, host, () => resolve());
  });

  server.on("connection", (socket, request) => {
    if (!available) {
      socket.terminate();
      return;
    }
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
    tcp.on("data", (chunk) => pass(() => socket.send(chunk)));
    tcp.on("close", () => socket.close());
    tcp.on("error", () => socket.close());
    socket.on("message", (data) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      pass(() => tcp.write(bytes));
    });
    socket.on("close", () => tcp.destroy());
    socket.on("error", () => tcp.destroy());
  });

  const { port: boundPort } = http.address() as AddressInfo;
  const proxy: WsProxy = {
    address: `${host}:${boundPort}`,
    setAvailable(next) {
      available = next;
      if (!next) for (const client of server.clients) client.terminate();
    },
    setFrozen(next) {
      if (next) {
        held ??= [];
        return;
      }
      const waiting = held ?? [];
      held = undefined;
      for (const send of waiting) send();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close();
        http.close(() => resolve());
      }),
  };
  return proxy;
}

/**
 * The proxy as a process of its own, for the dev supervisor and the tests' global setup: in the
 * test runner's own process it relayed every byte the worker tests send to Postgres on the same
 * event loop as vitest and the local runtime's loopback server, which the local queue calls
 * after every batch (docs/design.md, 109). `child` is there for a caller that manages process
 * groups (`detached`); `close()` ends it, and so does the end of this process.
 */
export function spawnWsProxy(options: { port?: number; outageSwitch?: boolean; detached?: boolean } = {}): {
  child: ChildProcess;
  address: Promise<string>;
  close: () => Promise<void>;
} {
  const args = [fileURLToPath(import.meta.url), String(options.port ?? 0)];
  if (options.outageSwitch) args.push("--outage-switch");
  // stdin: a pipe whose end tells the proxy its parent is gone, even killed
  const child = spawn(process.execPath, args, { detached: options.detached, stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const address = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) => resolve(line.replace(/^listening /, "")));
    child.once("exit", (code) => reject(new Error(`the WebSocket proxy exited during start-up (${code})`)));
  });
  // Handled where it is awaited; a caller may first do other work (track the child), and a proxy
  // dying meanwhile must not be an unhandled rejection.
  address.catch(() => {});
  return {
    child,
    address,
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

// As a process of its own (the supervisor's, scripts/lib/supervisor.ts, and spawnWsProxy's):
// `node ws-proxy.ts <port> [--outage-switch]` prints "listening <host:port>", and stops on
// SIGINT/SIGTERM or when its stdin closes (its parent is gone, even killed).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const outageSwitch = process.argv.includes("--outage-switch");
  const proxy = await startWsProxy({ port: Number(process.argv[2] ?? 0), outageSwitch });
  console.log(`listening ${proxy.address}`);
  const stop = () => void proxy.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.stdin.on("end", stop).on("error", stop).resume();
}
