// crosscart/client's live sync against the real Worker: a ticket, the WebSocket, `hello` and
// the changes from another site; after a dropped socket it reconnects with a FRESH ticket.
import { describe, expect, it } from "vitest";
import type { CrosscartError, LiveEvent, LiveSocket, LiveStatus } from "../../../src/client";
import { createCompany } from "../../support/catalog";
import {
  clientFor,
  type Fetch,
  newCustomerJwt,
  storageWithToken,
  twoProducts,
  workerFetch,
} from "../../support/client";

/** Collects what a subscription hears, and lets a test wait for an event or a status. */
function listener() {
  const events: LiveEvent[] = [];
  const statuses: { status: LiveStatus; error?: CrosscartError }[] = [];
  const waitFor = async <T>(find: () => T | undefined, what: string, timeoutMs = 5_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline)
        throw new Error(`no ${what} within ${timeoutMs} ms: ${JSON.stringify({ events, statuses })}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return {
    events,
    statuses,
    onChange: (event: LiveEvent) => void events.push(event),
    onStatus: (status: LiveStatus, error?: CrosscartError) => void statuses.push({ status, error }),
    hellos: () => events.filter((event) => event.type === "hello"),
    waitForEvent: (match: (event: LiveEvent) => boolean, what: string) => waitFor(() => events.find(match), what),
    waitForStatus: (status: LiveStatus) =>
      waitFor(() => statuses.find((entry) => entry.status === status), `status ${status}`),
  };
}

/** The Worker's fetch, remembering the ticket requests and the sockets it hands out. */
function watchingLive(inner: Fetch = workerFetch) {
  const tickets: string[] = [];
  const sockets: LiveSocket[] = [];
  const fetch: Fetch = async (request) => {
    const response = await inner(request);
    if (request.url.includes("/api/live?")) {
      const socket = (response as { webSocket?: LiveSocket | null }).webSocket;
      if (socket) sockets.push(socket);
    }
    if (request.url.endsWith("/ticket") && response.ok) {
      tickets.push(((await response.clone().json()) as { ticket: string }).ticket);
    }
    return response;
  };
  return { fetch, tickets, sockets };
}

describe("client.live.subscribe", () => {
  it("says hello with the session's version, then each change made on another site", async () => {
    const company = await createCompany();
    const [ten] = await twoProducts(company);
    const trail = clientFor(company);
    const cart = await trail.cart.create();
    const { code } = await trail.session.transfer(company.siteIds[1]);
    const peak = clientFor(company, { siteId: company.siteIds[1] });
    await peak.session.claim(code);

    const heard = listener();
    const subscription = trail.live.subscribe(heard.onChange, { onStatus: heard.onStatus });
    const hello = await heard.waitForEvent((event) => event.type === "hello", "hello");
    expect(hello).toMatchObject({ type: "hello", sessionId: cart.sessionId });
    expect(subscription.status).toBe("open");

    const changed = await peak.cart.addItem({ productId: ten });
    const change = await heard.waitForEvent(
      (event) => event.type === "change" && event.resource === "cart",
      "cart change",
    );
    expect(change).toMatchObject({ type: "change", resource: "cart", version: changed.version });

    subscription.close();
    expect(subscription.status).toBe("ended");
    expect(heard.statuses.map((entry) => entry.status)).toEqual(["connecting", "open", "ended"]);
  });

  it("a signed-in customer subscribes with the customer's ticket", async () => {
    const company = await createCompany();
    const [ten] = await twoProducts(company);
    const client = clientFor(company);
    await client.session.signIn((await newCustomerJwt(company)).jwt);
    const heard = listener();
    const subscription = client.live.subscribe(heard.onChange);
    await heard.waitForEvent((event) => event.type === "hello", "hello");
    await client.wishlist.add({ productId: ten });
    await heard.waitForEvent((event) => event.type === "change" && event.resource === "wishlist", "wishlist change");
    subscription.close();
  });

  it("a dropped socket reconnects with a fresh ticket, says hello again and hears the next change", async () => {
    const company = await createCompany();
    const [ten] = await twoProducts(company);
    const live = watchingLive();
    const client = clientFor(company, { fetch: live.fetch });
    await client.cart.create();
    const heard = listener();
    const subscription = client.live.subscribe(heard.onChange, { onStatus: heard.onStatus, retryDelayMs: 20 });
    await heard.waitForEvent((event) => event.type === "hello", "hello");

    // The connection drops (the server or the network closed it, not the storefront).
    live.sockets[0]?.close(1011, "connection lost");
    await heard.waitForStatus("closed");
    await expect.poll(() => heard.hellos().length, { timeout: 5_000 }).toBe(2);
    expect(live.tickets).toHaveLength(2);
    expect(live.tickets[1]).not.toBe(live.tickets[0]);

    const cart = await client.cart.addItem({ productId: ten });
    const change = await heard.waitForEvent((event) => event.type === "change" && event.resource === "cart", "change");
    expect(change).toMatchObject({ version: cart.version });
    subscription.close();
  });

  it("keeps retrying with backoff while the ticket cannot be had, then connects", async () => {
    const company = await createCompany();
    let failures = 3;
    const live = watchingLive(async (request) => {
      if (request.url.endsWith("/ticket") && failures-- > 0) throw new TypeError("Failed to fetch");
      return workerFetch(request);
    });
    const client = clientFor(company, { fetch: live.fetch, retry: { retries: 0 } });
    await client.cart.create();
    const heard = listener();
    const subscription = client.live.subscribe(heard.onChange, { onStatus: heard.onStatus, retryDelayMs: 10 });
    await heard.waitForEvent((event) => event.type === "hello", "hello");
    expect(heard.statuses.filter((entry) => entry.status === "closed")).toHaveLength(3);
    subscription.close();
  });

  it("stops (status ended, with the error) when the session is gone: no fresh ticket will help", async () => {
    const company = await createCompany();
    const { jwt } = await newCustomerJwt(company);
    const guest = clientFor(company);
    await guest.cart.create();
    const stale = clientFor(company, { storage: storageWithToken(company.siteIds[0], guest.session.token as string) });
    await guest.session.merge(jwt);

    const heard = listener();
    stale.live.subscribe(heard.onChange, { onStatus: heard.onStatus, retryDelayMs: 10 });
    const ended = await heard.waitForStatus("ended");
    expect(ended.error).toMatchObject({ name: "CrosscartError", status: 409, code: "SESSION_MERGED" });
    expect(heard.events).toEqual([]);
  });
});
