import { describe, expect, it } from "vitest";
import { api, bearer, signToken } from "../../support/app";
import { createCompany, seedProduct } from "../../support/catalog";

const jsonHeaders = (headers: Record<string, string>) => ({ ...headers, "content-type": "application/json" });

function nextMessage(socket: WebSocket): Promise<{ type: string; resource?: string; version?: number }> {
  return new Promise((resolve) => {
    socket.addEventListener("message", (event) => resolve(JSON.parse(event.data as string)), { once: true });
  });
}

describe("cross-site session (anonymous)", () => {
  it("transfer + claim shares one session across two sites, live", async () => {
    const { companyId, siteIds } = await createCompany();
    const productId = await seedProduct(companyId);
    const siteA = { "x-company-id": companyId, "x-site-id": siteIds[0] };
    const siteB = { "x-company-id": companyId, "x-site-id": siteIds[1] };

    const created = await api("/api/public/session", { method: "POST", headers: siteA });
    expect(created.status).toBe(201);
    const { sessionToken } = await created.json<{ sessionToken: string }>();

    const transfer = await api("/api/public/session/transfer", {
      method: "POST",
      headers: jsonHeaders({ ...siteA, "x-session-token": sessionToken }),
      body: JSON.stringify({ targetSiteId: siteIds[1] }),
    });
    expect(transfer.status).toBe(200);
    const { code, url } = await transfer.json<{ code: string; url: string }>();
    expect(url).toContain(`crosscart_transfer=${code}`);

    const claim = () =>
      api("/api/public/session/claim", { method: "POST", headers: jsonHeaders(siteB), body: JSON.stringify({ code }) });
    const claimed = await claim();
    expect(claimed.status).toBe(200);
    const claimedBody = await claimed.json<{
      sessionToken: string;
      session: { sitesVisited: string[]; transferCount: number };
    }>();
    expect(claimedBody.sessionToken).toBe(sessionToken);
    expect(claimedBody.session.transferCount).toBe(1);
    expect(claimedBody.session.sitesVisited).toEqual(expect.arrayContaining(siteIds));
    expect((await claim()).status).toBe(404);

    // Site B subscribes; site A adds; B sees it.
    const ticket = await (
      await api("/api/public/session/ticket", {
        method: "POST",
        headers: { ...siteB, "x-session-token": sessionToken },
      })
    ).json<{ ticket: string }>();
    const upgrade = await api(`/api/live?ticket=${ticket.ticket}`, { headers: { upgrade: "websocket" } });
    expect(upgrade.status).toBe(101);
    const socket = upgrade.webSocket as WebSocket;
    socket.accept();
    const hello = nextMessage(socket);
    expect((await hello).type).toBe("hello");

    const cart = await (
      await api("/api/public/cart", { headers: { ...siteA, "x-session-token": sessionToken } })
    ).json<{ id: string }>();
    const change = nextMessage(socket);
    const added = await api(`/api/public/cart/${cart.id}/items`, {
      method: "POST",
      headers: jsonHeaders({ ...siteA, "x-session-token": sessionToken }),
      body: JSON.stringify({ productId, quantity: 1 }),
    });
    const addedBody = await added.json<{ version: number }>();
    expect(added.status).toBe(201);
    const event = await change;
    expect(event).toMatchObject({ type: "change", version: addedBody.version });

    const onB = await (await api("/api/public/cart", { headers: { ...siteB, "x-session-token": sessionToken } })).json<{
      version: number;
      items: unknown[];
    }>();
    expect(onB.version).toBe(addedBody.version);
    expect(onB.items).toHaveLength(1);
    socket.close();

    // A used ticket cannot open a second socket.
    expect((await api(`/api/live?ticket=${ticket.ticket}`, { headers: { upgrade: "websocket" } })).status).toBe(404);
  });
});

describe("cross-site session (customer)", () => {
  it("each create issues another token for the same session; a token reaches the customer's cart; merge freezes the guest", async () => {
    const { companyId, siteIds } = await createCompany();
    const productId = await seedProduct(companyId);
    const customerToken = await signToken({ role: "customer", companyId, customerId: crypto.randomUUID() });
    const first = await api("/api/cross-site-session", { method: "POST", headers: bearer(customerToken) });
    expect(first.status).toBe(201);
    const session = await first.json<{ id: string; sessionToken: string }>();
    const again = await api("/api/cross-site-session", { method: "POST", headers: bearer(customerToken) });
    expect(again.status).toBe(201);
    const another = await again.json<{ id: string; sessionToken: string }>();
    expect(another.id).toBe(session.id);
    expect(another.sessionToken).not.toBe(session.sessionToken);

    // The cross-site token opens the customer's cart on a site where they are not signed in.
    const viaToken = { "x-company-id": companyId, "x-site-id": siteIds[1], "x-session-token": session.sessionToken };
    const cart = await (await api("/api/public/cart", { headers: viaToken })).json<{
      id: string;
      customerId: string;
    }>();
    expect(cart.customerId).not.toBeNull();
    const customerCart = await (await api("/api/cart", { headers: bearer(customerToken) })).json<{ id: string }>();
    expect(cart.id).toBe(customerCart.id);

    // A guest session merges in; its token is then refused.
    const guest = await (
      await api("/api/public/cart", { method: "POST", headers: jsonHeaders({ "x-company-id": companyId }), body: "{}" })
    ).json<{ id: string; sessionToken: string }>();
    const guestHeaders = { "x-company-id": companyId, "x-session-token": guest.sessionToken };
    await api(`/api/public/cart/${guest.id}/items`, {
      method: "POST",
      headers: jsonHeaders(guestHeaders),
      body: JSON.stringify({ productId, quantity: 2 }),
    });
    const merge = (dryRun: boolean) =>
      api("/api/cross-site-session/merge", {
        method: "POST",
        headers: jsonHeaders(bearer(customerToken)),
        body: JSON.stringify({ sessionToken: guest.sessionToken, dryRun }),
      });
    const preview = await merge(true);
    expect(preview.status).toBe(200);
    expect((await api("/api/public/cart", { headers: guestHeaders })).status).toBe(200);
    const merged = await merge(false);
    const mergedBody = await merged.json<{ cart: { items: { quantity: number }[] }; alreadyMerged: boolean }>();
    expect(merged.status).toBe(200);
    expect(mergedBody.cart.items[0]?.quantity).toBe(2);
    const retry = await (await merge(false)).json<{
      cart: { items: { quantity: number }[] };
      alreadyMerged: boolean;
    }>();
    expect(retry.alreadyMerged).toBe(true);
    expect(retry.cart.items[0]?.quantity).toBe(2);
    const refused = await api("/api/public/cart", { headers: guestHeaders });
    expect(refused.status).toBe(409);
  });
});
