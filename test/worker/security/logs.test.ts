// Finding 8 of the security audit: replication failures logged every SQL parameter (token
// hashes, customer ids, notes, order ids). Logs carry error names, codes and SQLSTATE, never
// SQL parameters or tokens: here a real failing replication — a batch that Postgres turns
// away mid-write (lock timeout, transient) and one it refuses for good (a NUL, a dead letter)
// — and every line logged meanwhile is searched for the values the batch carried.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CartDoc, SessionDoc, WishlistDoc } from "../../../durable-objects/contract";
import { cartReplica, sessionReplica, wishlistReplica } from "../../../durable-objects/replica-messages";
import { cartDocName, SESSION, WISHLIST } from "../../../durable-objects/storage";
import { addItem } from "../../support/cart";
import { seedProduct } from "../../support/catalog";
import { testDatabase } from "../../support/db";
import { addToWishlist } from "../../support/lists";
import { deadLettersFor, deliver, messageOf, poisonWishlist } from "../../support/replication";
import { newCustomer, newGuest, replicateNow, type Shopper, sessionStubOf } from "../../support/sessions";

/** Every line the Worker, its objects and its queue consumer write to the console from now on. */
function captureLogs(): () => string {
  const lines: string[] = [];
  for (const level of ["log", "info", "warn", "error"] as const) {
    const original = console[level];
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
      original(...args);
    });
  }
  return () => lines.join("\n");
}

afterEach(() => vi.restoreAllMocks());

/** The session's documents as the outbox would send them: one message with session, cart and wishlist. */
function messageFromObject(shopper: Shopper) {
  return runInDurableObject(sessionStubOf(shopper), (_instance, state) => {
    const doc = <T>(name: string) =>
      JSON.parse(
        state.storage.sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = ?", name).one().body,
      ) as T;
    const session = doc<SessionDoc>(SESSION);
    const bump = <T extends { version: number }>(value: T) => ({ ...value, version: value.version + 1_000 });
    return messageOf(
      [
        sessionReplica(bump(session), session.tokenHash),
        cartReplica(session, bump(doc<CartDoc>(cartDocName(session.cartId)))),
        wishlistReplica(session, bump(doc<WishlistDoc>(WISHLIST))),
      ],
      { companyId: session.companyId, sessionId: session.id, objectId: state.id.toString() },
    );
  });
}

function expectNoneOf(logs: string, values: string[]) {
  for (const value of values) expect(logs, `a log line carries ${value}`).not.toContain(value);
}

describe("replication failures log no SQL parameter and no token", () => {
  it("a batch Postgres turns away mid-write (lock timeout): the retry's log line names the error, not the values", async () => {
    const customer = await newCustomer();
    const productId = await seedProduct(customer.companyId);
    const note = `note-${crypto.randomUUID()}`;
    await addToWishlist(customer, { productId, note });
    await addItem(customer, productId, 2);
    await replicateNow(customer);
    const message = await messageFromObject(customer);

    // Another transaction holds the session's row: the consumer's upsert waits, then gives up.
    const { pool, close } = testDatabase();
    const holder = await pool.connect();
    const logs = captureLogs();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM cross_site_sessions WHERE id = $1 FOR UPDATE", [customer.sessionId]);
      const url = new URL(env.DATABASE_URL);
      url.searchParams.set("options", "-c lock_timeout=300");
      const result = await deliver([message], { env: { ...env, DATABASE_URL: url.toString() } });
      expect(result.retryMessages).toHaveLength(1);
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
      await close();
    }
    const text = logs();
    expect(text).toContain("replication batch failed; retried later");
    expect(text).toContain('"code":"55P03"');
    expectNoneOf(text, [note, productId]);
    if (customer.address.kind === "customer") expectNoneOf(text, [customer.address.customerId]);
  });

  it("a resource Postgres refuses for good (a NUL in a note): the dead letter's log line holds identifiers only", async () => {
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    await addToWishlist(guest, { productId, note: "fine" });
    await replicateNow(guest);
    const logs = captureLogs();
    await poisonWishlist(guest);
    await addItem(guest, productId, 1);
    await replicateNow(guest);
    expect(await deadLettersFor(guest.cartId)).toEqual([]);
    const text = logs();
    expect(text).toContain("replication dead letter");
    const tokenHash = guest.address.kind === "anonymous" ? guest.address.tokenHash : "";
    expectNoneOf(text, ["bad\u0000note", "bad\\u0000note", guest.sessionToken ?? "", tokenHash]);
  });
});
