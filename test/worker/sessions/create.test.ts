// The customer's cross-site session: one per customer and company; each POST issues another
// token, which routes through its own link object to the customer's session. Expiry,
// revocation and storage of the tokens: test/worker/security/customer-cross-site-tokens.test.ts.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { crossSiteSessions } from "../../../src/db/schema";
import { sha256Hex } from "../../../src/lib/tokens";
import { CartSchema } from "../../../src/modules/cart/schema";
import { CrossSiteSessionSchema, TicketSchema } from "../../../src/modules/cross-site/schema";
import { bearer, bodyOf, problemOf, request, signToken } from "../../support/app";
import { createCompany, seedProduct } from "../../support/catalog";
import { onSite, publicCart } from "../../support/cross-site";
import { withDatabase } from "../../support/db";
import { customerCredentials, replicateNow } from "../../support/sessions";

const create = (headers: Record<string, string>) => request("POST", "/api/cross-site-session", headers);
const read = (headers: Record<string, string>) => request("GET", "/api/cross-site-session", headers);

describe("POST/GET /api/cross-site-session", () => {
  it("GET before a token is issued is a 404; each POST is a 201 with a new token; GET never shows one", async () => {
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    await problemOf(await read(customer.headers), 404, "NOT_FOUND");
    // A customer session that exists (a cart read) has no cross-site token yet.
    await bodyOf(await request("GET", "/api/cart", customer.headers), 200, CartSchema);
    await problemOf(await read(customer.headers), 404, "NOT_FOUND");

    const first = await create({ ...customer.headers, "x-site-id": company.siteIds[1] });
    expect(first.headers.get("cache-control")).toBe("no-store");
    const created = await bodyOf(first, 201, CrossSiteSessionSchema);
    expect(created).toMatchObject({
      companyId: company.companyId,
      customerId: customer.customerId,
      status: "ACTIVE",
      transferCount: 0,
      mergeCount: 0,
    });
    expect(created.sessionToken).toMatch(/^[0-9a-f]{64}$/);
    expect(created.sitesVisited).toContain(company.siteIds[1]);

    const again = await bodyOf(await create(customer.headers), 201, CrossSiteSessionSchema);
    expect(again.id).toBe(created.id);
    expect(again.sessionToken).toMatch(/^[0-9a-f]{64}$/);
    expect(again.sessionToken).not.toBe(created.sessionToken);
    const got = await bodyOf(await read(customer.headers), 200, CrossSiteSessionSchema);
    expect(got).toMatchObject({ id: created.id });
    expect(got.sessionToken).toBeUndefined();
    expect(got.tokens).toHaveLength(2);
  });

  it("concurrent creates agree on one session, each with a token of its own that works", async () => {
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    const answers = await Promise.all([1, 2, 3, 4].map(() => create(customer.headers)));
    const sessions = await Promise.all(answers.map((answer) => bodyOf(answer, answer.status, CrossSiteSessionSchema)));
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(sessions.map((session) => session.sessionToken)).size).toBe(4);
    expect(new Set(sessions.map((session) => session.id)).size).toBe(1);
    for (const session of sessions) await publicCart(company, company.siteIds[0], session.sessionToken as string);
  });

  it("the token opens the customer's session on any site of the company", async () => {
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    const session = await bodyOf(await create(customer.headers), 201, CrossSiteSessionSchema);
    const token = session.sessionToken as string;
    const customerCart = await bodyOf(await request("GET", "/api/cart", customer.headers), 200, CartSchema);
    for (const siteId of company.siteIds) {
      const cart = await publicCart(company, siteId, token);
      expect(cart).toMatchObject({ id: customerCart.id, customerId: customer.customerId });
    }
    const viaToken = await bodyOf(
      await request("GET", "/api/public/session", onSite(company, company.siteIds[1], token)),
      200,
      CrossSiteSessionSchema,
    );
    expect(viaToken.id).toBe(session.id);
    // The public view never hands the token back.
    expect(viaToken.sessionToken).toBeUndefined();
    // POST /api/public/session with the token returns that session rather than a new one.
    const posted = await bodyOf(
      await request("POST", "/api/public/session", onSite(company, company.siteIds[0], token)),
      200,
      CrossSiteSessionSchema,
    );
    expect(posted.id).toBe(session.id);
  });

  it("the same customerId under another company is another session, with another token", async () => {
    const companyA = await createCompany();
    const companyB = await createCompany();
    const customerId = crypto.randomUUID();
    const inA = await customerCredentials(companyA.companyId, customerId);
    const inB = await customerCredentials(companyB.companyId, customerId);
    const sessionA = await bodyOf(await create(inA.headers), 201, CrossSiteSessionSchema);
    const sessionB = await bodyOf(await create(inB.headers), 201, CrossSiteSessionSchema);
    expect(sessionB.id).not.toBe(sessionA.id);
    expect(sessionB.sessionToken).not.toBe(sessionA.sessionToken);
    expect(sessionA.companyId).toBe(companyA.companyId);
    expect(sessionB.companyId).toBe(companyB.companyId);

    // Each token only works with its own company.
    const tokenA = sessionA.sessionToken as string;
    await problemOf(await request("GET", "/api/public/cart", onSite(companyB, companyB.siteIds[0], tokenA)), 404);
    await problemOf(await request("GET", "/api/public/session", onSite(companyB, companyB.siteIds[0], tokenA)), 404);
    const cartA = await publicCart(companyA, companyA.siteIds[0], tokenA);
    const cartB = await bodyOf(await request("GET", "/api/cart", inB.headers), 200, CartSchema);
    expect(cartA.id).not.toBe(cartB.id);
  });

  it("is replicated with the token's digest only", async () => {
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    const session = await bodyOf(await create(customer.headers), 201, CrossSiteSessionSchema);
    await replicateNow(customer);
    const [row] = await withDatabase((db) =>
      db.select().from(crossSiteSessions).where(eq(crossSiteSessions.id, session.id)),
    );
    expect(row).toMatchObject({
      companyId: company.companyId,
      customerId: customer.customerId,
      status: "ACTIVE",
      sessionTokenHash: await sha256Hex(session.sessionToken as string),
    });
    expect(JSON.stringify(row)).not.toContain(session.sessionToken);
  });

  it("a customer session first created by a read (a live ticket) has no rows until its first real change", async () => {
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    await bodyOf(await request("POST", "/api/cross-site-session/ticket", customer.headers), 200, TicketSchema);
    // The read created the session, pristine: nothing of it goes to Postgres (docs/design.md, Lifecycle).
    await replicateNow(customer);
    const rowsOf = () =>
      withDatabase((db) =>
        db.select().from(crossSiteSessions).where(eq(crossSiteSessions.customerId, customer.customerId)),
      );
    expect(await rowsOf()).toHaveLength(0);
    // Its first real change replicates the session (and its cart) as it would have been.
    await request("POST", "/api/wishlist/items", customer.headers, { productId: await seedProduct(company.companyId) });
    await replicateNow(customer);
    const rows = await rowsOf();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ companyId: company.companyId, status: "ACTIVE", sessionTokenHash: null });
  });

  it("is for customers: no JWT is a 401, an admin or service JWT a 403", async () => {
    const company = await createCompany();
    await problemOf(await read({}), 401, "UNAUTHORIZED");
    await problemOf(await create({}), 401, "UNAUTHORIZED");
    for (const role of ["admin", "service"]) {
      const headers = bearer(await signToken({ role, companyId: company.companyId }));
      await problemOf(await read(headers), 403, "FORBIDDEN");
      await problemOf(await create(headers), 403, "FORBIDDEN");
    }
    // A customer JWT of an unknown company names no company.
    const stranger = await customerCredentials(crypto.randomUUID());
    await problemOf(await create(stranger.headers), 404, "NOT_FOUND");
  });
});
