// One session's own lifecycle, case by case: a session never changed costs Postgres nothing and
// forgets itself; activity moves the due times; an expiry that cannot replicate keeps everything
// and tries again; live sockets are bounded and closed when the session ends.
import { runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { CLOSE_CODES, MAX_LIVE_SOCKETS } from "../../../durable-objects/live-sync";
import { carts, crossSiteSessions } from "../../../src/db/schema";
import { ABANDONMENT_THRESHOLD_DAYS, DAY_MS } from "../../../src/domain/lifecycle";
import { customerToken, request } from "../../support/app";
import { addItem } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { ticketFor } from "../../support/cross-site";
import { withDatabase } from "../../support/db";
import { objectState, quietUntil, realTime, travelTo, wake } from "../../support/lifecycle";
import { type LiveSocket, subscribe } from "../../support/live";
import { newGuest, replicateNow, send, sessionStubOf } from "../../support/sessions";

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
  realTime();
});

const cartRow = async (cartId: string) =>
  (await withDatabase((db) => db.select().from(carts).where(eq(carts.id, cartId))))[0];
const sessionRow = async (sessionId: string) =>
  (await withDatabase((db) => db.select().from(crossSiteSessions).where(eq(crossSiteSessions.id, sessionId))))[0];

/** A close code, once the socket is closed. */
const closeCodeOf = (live: LiveSocket) =>
  new Promise<number>((resolve) => live.socket.addEventListener("close", (event) => resolve(event.code)));

describe("a session never changed", () => {
  it("has no rows in Postgres and is forgotten by its own alarm when it would have expired", async () => {
    const company = await createCompany({ cartExpirationDays: 7 });
    const guest = await newGuest(company);
    await send(guest, "GET", guest.path("cart")); // reads are not changes
    await replicateNow(guest);
    expect(await cartRow(guest.cartId)).toBeUndefined();
    expect(await sessionRow(guest.sessionId)).toBeUndefined();

    const { session } = await objectState(guest);
    expect(session?.pristine).toBe(true);
    const forgetAt = Date.parse(session?.lastActivityAt ?? "") + 7 * DAY_MS;
    expect(await quietUntil(guest)).toBe(forgetAt);

    travelTo(forgetAt);
    expect(await wake(guest)).toBe(true);
    // Only the fact that it was forgotten stays, so its token cannot start it again.
    expect(await objectState(guest)).toMatchObject({ alarm: null, documents: ["forgotten"], pending: 0 });
    expect((await send(guest, "GET", guest.path("cart"))).status).toBe(404);
    expect(await cartRow(guest.cartId)).toBeUndefined();
  });

  it("replicates as usual from its first real change on", async () => {
    const company = await createCompany();
    const guest = await newGuest(company);
    await addItem(guest, await seedProduct(company.companyId));
    await replicateNow(guest);
    expect(await cartRow(guest.cartId)).toMatchObject({ status: "ACTIVE", itemCount: 1 });
    expect(await sessionRow(guest.sessionId)).toMatchObject({ status: "ACTIVE" });
    expect((await objectState(guest)).session?.pristine).toBeUndefined();
  });
});

describe("activity", () => {
  it("moves the due times: an abandonment due before the last change does nothing", async () => {
    const company = await createCompany({ cartExpirationDays: 60 });
    const productId = await seedProduct(company.companyId);
    const guest = await newGuest(company);
    await addItem(guest, productId);
    const first = Date.parse((await objectState(guest)).session?.lastActivityAt ?? "");
    expect(await quietUntil(guest)).toBe(first + ABANDONMENT_THRESHOLD_DAYS * DAY_MS);

    travelTo(first + 20 * DAY_MS);
    await addItem(guest, productId);
    const second = Date.parse((await objectState(guest)).session?.lastActivityAt ?? "");
    expect(second).toBe(first + 20 * DAY_MS);
    expect(await quietUntil(guest)).toBe(second + ABANDONMENT_THRESHOLD_DAYS * DAY_MS);

    // Woken at the old due time anyway (a late alarm): nothing is due, nothing changes.
    travelTo(first + ABANDONMENT_THRESHOLD_DAYS * DAY_MS);
    await wake(guest);
    const state = await objectState(guest);
    expect(state.documents).toContain(`cart:${guest.cartId}`);
    expect(state.alarm).toBe(second + ABANDONMENT_THRESHOLD_DAYS * DAY_MS);
    const response = await send(guest, "GET", guest.path("cart"));
    expect(await response.json()).toMatchObject({ status: "ACTIVE" });
  });
});

describe("expiry", () => {
  it("the replicated session row expires when the object does: its site's days after the last activity", async () => {
    const company = await createCompany({ cartExpirationDays: 45 });
    const guest = await newGuest(company);
    await addItem(guest, await seedProduct(company.companyId));
    await replicateNow(guest);
    const { session } = await objectState(guest);
    const expireAt = Date.parse(session?.lastActivityAt ?? "") + 45 * DAY_MS;
    expect(Date.parse(session?.expiresAt ?? "")).toBe(expireAt);
    expect((await sessionRow(guest.sessionId))?.expiresAt.getTime()).toBe(expireAt);
    expect((await cartRow(guest.cartId))?.expiresAt?.getTime()).toBe(expireAt);
  });

  it("that cannot replicate keeps the state, backs off, and finishes on a later wake-up", async () => {
    const company = await createCompany({ cartExpirationDays: 10 });
    const guest = await newGuest(company);
    await addItem(guest, await seedProduct(company.companyId));
    await replicateNow(guest);
    const last = Date.parse((await objectState(guest)).session?.lastActivityAt ?? "");
    const expireAt = last + 10 * DAY_MS;
    expect(await quietUntil(guest)).toBe(expireAt); // abandoned then, too (never after expiry)

    await runInDurableObject(sessionStubOf(guest), (instance) => {
      const env = (instance as unknown as { env: Env }).env;
      const queue = env.REPLICATION_QUEUE;
      restore = () => void Object.assign(env, { REPLICATION_QUEUE: queue });
      Object.assign(env, {
        REPLICATION_QUEUE: { sendBatch: () => Promise.reject(new Error("Queues unavailable")), send: () => undefined },
      });
    });
    travelTo(expireAt);
    expect(await wake(guest)).toBe(true);
    const failed = await objectState(guest);
    expect(failed.session?.status).toBe("EXPIRED");
    expect(failed.documents).toContain(`cart:${guest.cartId}`); // the live state is kept
    expect(failed.pending).toBeGreaterThan(0);
    expect(failed.alarm as number).toBeGreaterThan(expireAt); // backing off
    expect((await sessionRow(guest.sessionId))?.status).toBe("ACTIVE");

    // A wake-up during the backoff sends nothing and finishes nothing.
    await wake(guest);
    expect((await objectState(guest)).documents).toContain(`cart:${guest.cartId}`);

    restore?.();
    restore = undefined;
    travelTo(failed.alarm as number);
    expect(await wake(guest)).toBe(true);
    const finished = await objectState(guest);
    expect(finished).toMatchObject({ documents: ["replication", "session"], pending: 0 });
    await expect.poll(async () => (await sessionRow(guest.sessionId))?.status, { timeout: 10_000 }).toBe("EXPIRED");
    const cart = await cartRow(guest.cartId);
    expect(cart?.status).toBe("EXPIRED");
    expect(cart?.abandonedAt?.getTime()).toBe(expireAt);
  });
});

describe("live sockets", () => {
  it(`are at most ${MAX_LIVE_SOCKETS} per session: a new one closes the oldest with ${CLOSE_CODES.displaced}`, async () => {
    const company = await createCompany();
    const guest = await newGuest(company);
    const sockets: LiveSocket[] = [];
    for (let i = 0; i < MAX_LIVE_SOCKETS; i++) sockets.push(await subscribe((await ticketFor(guest.headers)).ticket));
    const oldestClosed = closeCodeOf(sockets[0] as LiveSocket);
    const newest = await subscribe((await ticketFor(guest.headers)).ticket);
    expect(await oldestClosed).toBe(CLOSE_CODES.displaced);
    const open = await runInDurableObject(sessionStubOf(guest), (_instance, state) => state.getWebSockets().length);
    expect(open).toBe(MAX_LIVE_SOCKETS);
    // The others still hear changes.
    await addItem(guest, await seedProduct(company.companyId));
    await newest.waitFor((change) => change.resource === "cart");
    await sockets[1]?.waitFor((change) => change.resource === "cart");
    for (const live of [...sockets.slice(1), newest]) live.close();
  });

  it(`are all closed with ${CLOSE_CODES.merged} when the guest session is merged`, async () => {
    const company = await createCompany();
    const guest = await newGuest(company);
    await addItem(guest, await seedProduct(company.companyId));
    const lives = [
      await subscribe((await ticketFor(guest.headers)).ticket),
      await subscribe((await ticketFor(guest.headers)).ticket),
    ];
    const closed = Promise.all(lives.map(closeCodeOf));
    const jwt = await customerToken(company.companyId, crypto.randomUUID());
    const merged = await request(
      "POST",
      "/api/cross-site-session/merge",
      { authorization: `Bearer ${jwt}` },
      { sessionToken: guest.sessionToken },
    );
    expect(merged.status).toBe(200);
    expect(await closed).toEqual([CLOSE_CODES.merged, CLOSE_CODES.merged]);
  });

  it(`are all closed with ${CLOSE_CODES.gone} when the session expires`, async () => {
    const company = await createCompany({ cartExpirationDays: 3 });
    const guest = await newGuest(company);
    await addItem(guest, await seedProduct(company.companyId));
    await replicateNow(guest);
    const live = await subscribe((await ticketFor(guest.headers)).ticket);
    const closed = closeCodeOf(live);
    const expireAt = Date.parse((await objectState(guest)).session?.lastActivityAt ?? "") + 3 * DAY_MS;
    expect(await quietUntil(guest)).toBe(expireAt);
    travelTo(expireAt);
    await wake(guest);
    expect(await closed).toBe(CLOSE_CODES.gone);
  });
});
