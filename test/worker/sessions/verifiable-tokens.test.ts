// A new anonymous session is answered by the Worker alone: its token carries a tag only this
// API can make, and the session's object comes into being on the token's first use, exactly as
// the creation answered (src/lib/session-tokens.ts, docs/design.md "Sessions").
import { runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { carts, crossSiteSessions } from "../../../src/db/schema";
import { DAY_MS } from "../../../src/domain/lifecycle";
import { mintSessionToken, vouchForSessionToken } from "../../../src/lib/session-tokens";
import { sha256Hex } from "../../../src/lib/tokens";
import { CartSchema, CreatedCartSchema } from "../../../src/modules/cart/schema";
import { CrossSiteSessionSchema } from "../../../src/modules/cross-site/schema";
import { TEST_SESSION_TOKEN_KEY } from "../../constants";
import { bodyOf, problemOf, request } from "../../support/app";
import { addItem, readCart } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { withDatabase } from "../../support/db";
import { realTime, travelTo } from "../../support/lifecycle";
import { storedDocuments } from "../../support/privacy";
import { customerCredentials, newGuest, replicateNow, type Shopper, send, sessionStubOf } from "../../support/sessions";

afterEach(() => realTime());

const asGuest = async (companyId: string, sessionToken: string) => ({
  headers: { "x-company-id": companyId, "x-session-token": sessionToken },
  address: { kind: "anonymous" as const, companyId, tokenHash: await sha256Hex(sessionToken) },
});

const readWith = (companyId: string, sessionToken: string) =>
  request("GET", "/api/public/cart", { "x-company-id": companyId, "x-session-token": sessionToken });

describe("session tokens the Worker vouches for", () => {
  it("creating a cart stores nothing; the token's first use shows exactly what the creation answered", async () => {
    const company = await createCompany();
    const created = await bodyOf(
      await request("POST", "/api/public/cart", { "x-company-id": company.companyId }, {}),
      201,
      CreatedCartSchema,
    );
    const guest = await asGuest(company.companyId, created.sessionToken as string);
    expect(await storedDocuments(guest)).toEqual([]);

    const { sessionToken: _token, ...shown } = created;
    const read = await bodyOf(await readWith(company.companyId, created.sessionToken as string), 200, CartSchema);
    expect(read).toEqual(shown);
    expect(await storedDocuments(guest)).toEqual(["session", `cart:${created.id}`].sort());
  });

  it("the first change replicates the cart and session with the ids and creation time the shopper was shown", async () => {
    const company = await createCompany();
    const productId = await seedProduct(company.companyId);
    const guest = await newGuest(company);
    const created = await readCart(guest);
    await addItem(guest, productId, 2);
    await replicateNow(guest);
    const [cart] = await withDatabase((db) => db.select().from(carts).where(eq(carts.id, guest.cartId)));
    expect(cart).toMatchObject({ sessionId: guest.sessionId, itemCount: 2 });
    expect(cart?.createdAt.toISOString()).toBe(created.createdAt);
    const [session] = await withDatabase((db) =>
      db.select().from(crossSiteSessions).where(eq(crossSiteSessions.id, guest.sessionId)),
    );
    expect(session?.createdAt.toISOString()).toBe(created.createdAt);
  });

  it("concurrent first uses create the session once: every add lands in the one cart", async () => {
    const company = await createCompany();
    const productId = await seedProduct(company.companyId);
    const guest = await newGuest(company);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => send(guest, "POST", guest.cartPath("/items"), { productId, quantity: 1 })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(201));
    const cart = await readCart(guest);
    expect(cart).toMatchObject({ id: guest.cartId, sessionId: guest.sessionId });
    expect(cart.items).toHaveLength(1);
    expect(cart.items[0]?.quantity).toBe(8);
  });

  it("a token with a wrong tag, another company's, or one never issued finds no session", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const { token } = await mintSessionToken(TEST_SESSION_TOKEN_KEY, company.companyId);
    const forged = `${token.slice(0, 40)}${token.slice(40).replace(/./g, (digit) => (digit === "0" ? "1" : "0"))}`;
    await problemOf(await readWith(company.companyId, forged), 404, "NOT_FOUND");
    await problemOf(await readWith(other.companyId, token), 404, "NOT_FOUND");
    const { token: wrongKey } = await mintSessionToken("another-key-of-at-least-32-characters!!", company.companyId);
    await problemOf(await readWith(company.companyId, wrongKey), 404, "NOT_FOUND");
    // The genuine one works, and a forged one on POST /cart starts a new session instead.
    await bodyOf(await readWith(company.companyId, token), 200, CartSchema);
    const fresh = await request(
      "POST",
      "/api/public/cart",
      { "x-company-id": company.companyId, "x-session-token": forged },
      {},
    );
    const started = await bodyOf(fresh, 201, CreatedCartSchema);
    expect(started.sessionToken).not.toBe(forged);
  });

  it("a token never used starts nothing once a session never used would have expired (the site's cartExpirationDays)", async () => {
    const company = await createCompany({ cartExpirationDays: 7 });
    const issued = Date.now();
    const { token } = await mintSessionToken(TEST_SESSION_TOKEN_KEY, company.companyId, issued);
    travelTo(issued + 7 * DAY_MS);
    await problemOf(await readWith(company.companyId, token), 404, "NOT_FOUND");
    travelTo(issued + 7 * DAY_MS - 1);
    await bodyOf(await readWith(company.companyId, token), 200, CartSchema);
  });

  it("a token dated in the future beyond clock skew is not ours", async () => {
    const now = Date.now();
    const { token } = await mintSessionToken(TEST_SESSION_TOKEN_KEY, "c", now + 10 * 60_000);
    expect(await vouchForSessionToken(TEST_SESSION_TOKEN_KEY, "c", token, DAY_MS, now)).toBeUndefined();
    const { token: skewed } = await mintSessionToken(TEST_SESSION_TOKEN_KEY, "c", now + 60_000);
    expect(await vouchForSessionToken(TEST_SESSION_TOKEN_KEY, "c", skewed, DAY_MS, now)).toBeDefined();
  });

  it("an erased or forgotten session's token does not start a session again, used or not", async () => {
    const company = await createCompany();
    for (const usedFirst of [true, false]) {
      const { token } = await mintSessionToken(TEST_SESSION_TOKEN_KEY, company.companyId);
      const guest = await asGuest(company.companyId, token);
      if (usedFirst) await bodyOf(await readWith(company.companyId, token), 200, CartSchema);
      await sessionStubOf(guest).eraseLiveState();
      expect(await storedDocuments(guest)).toEqual(["erased"]);
      await problemOf(await readWith(company.companyId, token), 404, "NOT_FOUND");
    }
    // The lifecycle's forgetting leaves its own marker (test/worker/lifecycle/session-lifecycle.test.ts).
    const { token } = await mintSessionToken(TEST_SESSION_TOKEN_KEY, company.companyId);
    const guest = await asGuest(company.companyId, token);
    await runInDurableObject(sessionStubOf(guest), (_instance, state) => {
      state.storage.sql.exec("CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, body TEXT NOT NULL)");
      state.storage.sql.exec("INSERT INTO documents (name, body) VALUES ('forgotten', '{}')");
    });
    await problemOf(await readWith(company.companyId, token), 404, "NOT_FOUND");
  });

  it("merging a guest whose token was never used freezes it: the token is then refused as merged", async () => {
    const company = await createCompany();
    const guest: Shopper = await newGuest(company);
    const customer = await customerCredentials(company.companyId);
    const merged = await request("POST", "/api/cross-site-session/merge", customer.headers, {
      sessionToken: guest.sessionToken,
      strategy: "max",
    });
    expect(merged.status).toBe(200);
    await problemOf(
      await send(guest, "POST", guest.cartPath("/items"), { productId: crypto.randomUUID() }),
      409,
      "SESSION_MERGED",
    );
  });

  it("POST /api/public/session answers a new session in one call to its object", async () => {
    const company = await createCompany();
    const created = await bodyOf(
      await request("POST", "/api/public/session", { "x-company-id": company.companyId }),
      201,
      CrossSiteSessionSchema,
    );
    const guest = await asGuest(company.companyId, created.sessionToken as string);
    expect(await storedDocuments(guest)).toContain("session");
    const cart = await bodyOf(await readWith(company.companyId, created.sessionToken as string), 200, CartSchema);
    expect(cart.sessionId).toBe(created.id);
  });
});
