// Issue 15, finding 1 (deliverable 1): a customer's cross-site token expires (30 days after its
// last use, configurable), can be revoked (DELETE /api/cross-site-session), and is checked by
// the customer's object on every use; the raw token is shown once, when issued, and kept
// nowhere — not in the objects' storage, not in idempotency records, not in Postgres, not in logs.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SessionAddress } from "../../../durable-objects/contract";
import { eraseRawCrossSiteToken } from "../../../durable-objects/cross-site-tokens";
import { SessionStorage } from "../../../durable-objects/storage";
import { crossSiteSessions } from "../../../src/db/schema";
import { sha256Hex } from "../../../src/lib/tokens";
import { CrossSiteSessionSchema } from "../../../src/modules/cross-site/schema";
import { apiWithEnv, bodyOf, problemOf, request } from "../../support/app";
import { createCompany, type TestCompany } from "../../support/catalog";
import { claim, claimed, customerTransferCode, onSite, transferCode } from "../../support/cross-site";
import { withDatabase } from "../../support/db";
import { type CustomerCredentials, customerCredentials, replicateNow, sessionStubOf } from "../../support/sessions";
import { editStorage } from "../../support/storage";

afterEach(() => {
  vi.restoreAllMocks();
});

const issue = (customer: CustomerCredentials, headers: Record<string, string> = {}) =>
  request("POST", "/api/cross-site-session", { ...customer.headers, ...headers });

async function issued(customer: CustomerCredentials, headers: Record<string, string> = {}) {
  const session = await bodyOf(await issue(customer, headers), 201, CrossSiteSessionSchema);
  expect(session.sessionToken).toMatch(/^[0-9a-f]{64}$/);
  return { ...session, sessionToken: session.sessionToken as string };
}

/** The customer's cart through a cross-site token, as a site where they are not signed in reads it. */
const viaToken = (company: TestCompany, token: string) =>
  request("GET", "/api/public/cart", onSite(company, company.siteIds[1], token));

/** Everything an object stores: its documents and its idempotency records, as text. */
function storedText(address: SessionAddress) {
  return runInDurableObject(sessionStubOf({ address }), (_instance, state) => {
    const documents = state.storage.sql.exec("SELECT * FROM documents").toArray();
    const answers = state.storage.sql.exec("SELECT * FROM idempotency").toArray();
    return JSON.stringify({ documents, answers });
  });
}

/** Rewrites the expiry of every cross-site token the customer's object holds. */
function ageTokens(customer: CustomerCredentials, expiresAt: number) {
  return editStorage(sessionStubOf(customer), (state) => {
    const row = state.storage.sql
      .exec<{ body: string }>("SELECT body FROM documents WHERE name = 'cross-site-tokens'")
      .one();
    const ring = JSON.parse(row.body) as { tokens: { expiresAt: number }[] };
    for (const token of ring.tokens) token.expiresAt = expiresAt;
    state.storage.sql.exec("UPDATE documents SET body = ? WHERE name = 'cross-site-tokens'", JSON.stringify(ring));
  });
}

describe("a customer's cross-site tokens", () => {
  it("are shown once: GET lists their expiries, never a token", async () => {
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    const before = Date.now();
    const session = await issued(customer);
    const expiresAt = Date.parse(session.sessionTokenExpiresAt as string);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000);

    const response = await request("GET", "/api/cross-site-session", customer.headers);
    const text = await response.clone().text();
    const got = await bodyOf(response, 200, CrossSiteSessionSchema);
    expect(got.id).toBe(session.id);
    expect(got.sessionToken).toBeUndefined();
    expect(text).not.toContain(session.sessionToken);
    expect(text).not.toContain(await sha256Hex(session.sessionToken));
    expect(got.tokens).toEqual([expect.objectContaining({ expiresAt: session.sessionTokenExpiresAt, generation: 1 })]);
  });

  it("each POST issues a new token; DELETE revokes them all (401, saying so); a later POST works again", async () => {
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    const first = await issued(customer);
    const second = await issued(customer);
    expect(second.sessionToken).not.toBe(first.sessionToken);
    expect(second.id).toBe(first.id);
    for (const token of [first.sessionToken, second.sessionToken])
      expect((await viaToken(company, token)).status).toBe(200);

    const revoked = await request("DELETE", "/api/cross-site-session", customer.headers);
    expect(revoked.status).toBe(204);
    for (const token of [first.sessionToken, second.sessionToken]) {
      const problem = await problemOf(await viaToken(company, token), 401, "UNAUTHORIZED");
      expect(problem.detail).toMatch(/revoked/);
    }
    const listed = await bodyOf(
      await request("GET", "/api/cross-site-session", customer.headers),
      200,
      CrossSiteSessionSchema,
    );
    expect(listed.tokens).toEqual([]);
    // The customer's own (JWT) access is untouched.
    expect((await request("GET", "/api/cart", customer.headers)).status).toBe(200);

    const third = await issued(customer);
    expect((await viaToken(company, third.sessionToken)).status).toBe(200);
    expect(
      (await bodyOf(await request("GET", "/api/cross-site-session", customer.headers), 200, CrossSiteSessionSchema))
        .tokens?.[0]?.generation,
    ).toBe(2);
  });

  it("expire unless used (401 saying so); each use moves the expiry 30 days ahead", async () => {
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    const { sessionToken } = await issued(customer);
    // One day left: a use slides it back to 30.
    await ageTokens(customer, Date.now() + 86_400_000);
    expect((await viaToken(company, sessionToken)).status).toBe(200);
    const slid = await bodyOf(
      await request("GET", "/api/cross-site-session", customer.headers),
      200,
      CrossSiteSessionSchema,
    );
    expect(Date.parse(slid.tokens?.[0]?.expiresAt as string)).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    await ageTokens(customer, Date.now() - 1);
    const problem = await problemOf(await viaToken(company, sessionToken), 401, "UNAUTHORIZED");
    expect(problem.detail).toMatch(/expired/);
    // Every route, not only reads.
    await problemOf(
      await request("POST", "/api/public/session/transfer", onSite(company, company.siteIds[1], sessionToken), {
        targetSiteId: company.siteIds[0],
      }),
      401,
      "UNAUTHORIZED",
    );
  });

  it("last CROSS_SITE_TOKEN_TTL_DAYS when configured", async () => {
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    const response = await apiWithEnv({ CROSS_SITE_TOKEN_TTL_DAYS: "7" }, "/api/cross-site-session", {
      method: "POST",
      headers: customer.headers,
    });
    const session = await bodyOf(response, 201, CrossSiteSessionSchema);
    const days = (Date.parse(session.sessionTokenExpiresAt as string) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
  });

  it("stop working once the customer's session has expired and been forgotten", async () => {
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    const session = await issued(customer);
    const stub = sessionStubOf(customer);
    expect((await stub.expire(new Date(Date.now() + 60_000).toISOString())).expired).toBe(true);
    expect((await stub.forget(session.id)).forgotten).toBe(true);
    await problemOf(await viaToken(company, session.sessionToken), 401, "UNAUTHORIZED");
  });

  it("a repeated Idempotency-Key issues a fresh token and revokes the one the first call issued", async () => {
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    const key = { "idempotency-key": `issue-${crypto.randomUUID()}` };
    const first = await issued(customer, key);
    const replay = await issued(customer, key);
    expect(replay.sessionToken).not.toBe(first.sessionToken);
    expect(replay.id).toBe(first.id);
    await problemOf(await viaToken(company, first.sessionToken), 401, "UNAUTHORIZED");
    expect((await viaToken(company, replay.sessionToken)).status).toBe(200);
    const listed = await bodyOf(
      await request("GET", "/api/cross-site-session", customer.headers),
      200,
      CrossSiteSessionSchema,
    );
    expect(listed.tokens).toHaveLength(1);
  });

  it("a customer's transfer code holds no token; its claim issues a fresh one, revoked with the others", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const customer = await customerCredentials(company.companyId);
    const transfer = await customerTransferCode(customer, siteA, siteB);
    const result = await claimed(await claim(company, siteB, transfer.code));
    expect(result.session.customerId).toBe(customer.customerId);
    expect(result.session.sessionTokenExpiresAt).toBeDefined();
    expect(await storedText(customer.address)).not.toContain(result.sessionToken);
    expect((await viaToken(company, result.sessionToken)).status).toBe(200);

    // A transfer asked for through the token (on the site where the customer is not signed in).
    const onward = await transferCode(company, siteB, result.sessionToken, siteA);
    const onwardClaim = await claimed(await claim(company, siteA, onward.code));
    expect(onwardClaim.sessionToken).not.toBe(result.sessionToken);
    expect(await storedText(customer.address)).not.toContain(onwardClaim.sessionToken);

    expect((await request("DELETE", "/api/cross-site-session", customer.headers)).status).toBe(204);
    for (const token of [result.sessionToken, onwardClaim.sessionToken]) {
      await problemOf(await viaToken(company, token), 401, "UNAUTHORIZED");
    }
  });

  it("a raw token an older version left in the customer's object is erased when it starts, and refused", async () => {
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    const { sessionToken } = await issued(customer);
    // As an older version kept it: raw in the session document and in a stored answer, no digests.
    await editStorage(sessionStubOf(customer), (state) => {
      const sql = state.storage.sql;
      const session = JSON.parse(
        sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = 'session'").one().body,
      );
      sql.exec(
        "UPDATE documents SET body = ? WHERE name = 'session'",
        JSON.stringify({ ...session, crossSiteToken: sessionToken }),
      );
      sql.exec("DELETE FROM documents WHERE name = 'cross-site-tokens'");
      sql.exec(
        "INSERT INTO idempotency (key, fingerprint, status, body, created_at) VALUES ('old', 'f', 201, ?, ?)",
        JSON.stringify({ sessionToken }),
        Date.now(),
      );
      eraseRawCrossSiteToken(new SessionStorage(sql));
    });
    expect(await storedText(customer.address)).not.toContain(sessionToken);
    await problemOf(await viaToken(company, sessionToken), 401, "UNAUTHORIZED");
  });

  it("no raw token in the objects' storage (with an Idempotency-Key), Postgres or the logs", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
    };
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation(capture);
    }
    const company = await createCompany();
    const customer = await customerCredentials(company.companyId);
    const session = await issued(customer, { "idempotency-key": `issue-${crypto.randomUUID()}` });
    const token = session.sessionToken;
    expect((await viaToken(company, token)).status).toBe(200);
    await replicateNow(customer);
    await runDurableObjectAlarm(sessionStubOf(customer));

    const tokenAddress = {
      kind: "anonymous",
      companyId: company.companyId,
      tokenHash: await sha256Hex(token),
    } as const;
    expect(await storedText(customer.address)).not.toContain(token);
    expect(await storedText(tokenAddress)).not.toContain(token);
    const rows = await withDatabase((db) =>
      db.select().from(crossSiteSessions).where(eq(crossSiteSessions.customerId, customer.customerId)),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.sessionTokenHash).toBe(await sha256Hex(token));
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(lines.join("\n")).not.toContain(token);
  });
});
