// Sharing a session with another site: site A asks for a one-time transfer code
// (single use, 120 s) naming site B; site B redeems it for the session token. The code is
// refused (404, no hint why) when used twice, late, by another company, on another site, or
// when it is not a code at all.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { crossSiteSessions } from "../../../src/db/schema";
import { sha256Hex } from "../../../src/lib/tokens";
import { CrossSiteSessionSchema, TransferCodeSchema } from "../../../src/modules/cross-site/schema";
import { bearer, bodyOf, problemOf, request, signToken } from "../../support/app";
import { addSite, createCompany } from "../../support/catalog";
import {
  claim,
  claimed,
  crossSiteSessionOf,
  customerTransferCode,
  newCrossSiteGuest,
  onSite,
  publicCart,
  transferCode,
} from "../../support/cross-site";
import { withDatabase } from "../../support/db";
import { customerCredentials, expireCodes, replicateNow, storedCodes } from "../../support/sessions";

const sessionRow = (sessionId: string) =>
  withDatabase(async (db) => (await db.select().from(crossSiteSessions).where(eq(crossSiteSessions.id, sessionId)))[0]);

describe("POST /api/public/session/transfer", () => {
  it("returns a one-time code for the target site and the target's URL carrying it (no-store)", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const guest = await newCrossSiteGuest(company, siteA);
    const requestedAt = Date.now();
    const response = await request("POST", "/api/public/session/transfer", onSite(company, siteA, guest.token), {
      targetSiteId: siteB,
    });
    expect(response.headers.get("cache-control")).toBe("no-store");
    const transfer = await bodyOf(response, 200, TransferCodeSchema);
    expect(transfer.targetSiteId).toBe(siteB);
    expect(transfer.expiresInSeconds).toBe(120);
    expect(transfer.code).toMatch(/^[0-9a-f]{128}$/);
    const url = new URL(transfer.url);
    expect(url.origin).toBe("https://b.test");
    expect(url.searchParams.get("crosscart_transfer")).toBe(transfer.code);
    // The long-lived token never goes in a URL.
    expect(transfer.url).not.toContain(guest.token);

    // Stored as its digest, with a 120-second life.
    const [stored] = await storedCodes(guest);
    expect(stored).toMatchObject({
      purpose: "transfer",
      targetSiteId: siteB,
      codeHash: await sha256Hex(transfer.code),
    });
    expect(stored?.expiresAt).toBeGreaterThanOrEqual(requestedAt + 120_000);
    expect(stored?.expiresAt).toBeLessThanOrEqual(Date.now() + 120_000);
  });

  it("claim on the target site yields the token, records the site and counts the transfer (API and Postgres)", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const guest = await newCrossSiteGuest(company, siteA);
    await replicateNow(guest);
    const before = await bodyOf(
      await request("GET", "/api/public/session", onSite(company, siteA, guest.token)),
      200,
      CrossSiteSessionSchema,
    );
    expect(before).toMatchObject({ sitesVisited: [siteA], transferCount: 0, originSiteId: siteA });
    expect(before.sessionToken).toBeUndefined();

    const { code } = await transferCode(company, siteA, guest.token, siteB);
    const response = await claim(company, siteB, code);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const result = await claimed(response);
    expect(result.sessionToken).toBe(guest.token);
    expect(result.session).toMatchObject({ id: guest.session.id, transferCount: 1, sitesVisited: [siteA, siteB] });
    expect(result.session.version).toBeGreaterThan(before.version);

    const after = await bodyOf(
      await request("GET", "/api/public/session", onSite(company, siteB, guest.token)),
      200,
      CrossSiteSessionSchema,
    );
    expect(after).toMatchObject({ transferCount: 1, sitesVisited: [siteA, siteB], version: result.session.version });

    // The claim is a change like any other: the alarm replicates it.
    await replicateNow(guest);
    const row = await sessionRow(guest.session.id);
    expect(row).toMatchObject({
      transferCount: 1,
      sitesVisited: [siteA, siteB],
      originSiteId: siteA,
      version: result.session.version,
      sessionTokenHash: await sha256Hex(guest.token),
    });
  });

  it("counts every transfer; a second site visit is recorded once", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const guest = await newCrossSiteGuest(company, siteA);
    for (const [from, to] of [
      [siteA, siteB],
      [siteB, siteA],
      [siteA, siteB],
    ] as const) {
      const { code } = await transferCode(company, from, guest.token, to);
      await claimed(await claim(company, to, code));
    }
    const session = await bodyOf(
      await request("GET", "/api/public/session", onSite(company, siteA, guest.token)),
      200,
      CrossSiteSessionSchema,
    );
    expect(session).toMatchObject({ transferCount: 3, sitesVisited: [siteA, siteB] });
    await replicateNow(guest);
    expect(await sessionRow(guest.session.id)).toMatchObject({ transferCount: 3, sitesVisited: [siteA, siteB] });
  });

  it("a code is single use: the second claim (also a concurrent one) is a 404", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const guest = await newCrossSiteGuest(company, siteA);
    const { code } = await transferCode(company, siteA, guest.token, siteB);
    await claimed(await claim(company, siteB, code));
    await problemOf(await claim(company, siteB, code), 404, "NOT_FOUND");

    const { code: raced } = await transferCode(company, siteA, guest.token, siteB);
    const answers = await Promise.all([1, 2, 3].map(() => claim(company, siteB, raced)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 404, 404]);
    expect(
      await bodyOf(
        await request("GET", "/api/public/session", onSite(company, siteB, guest.token)),
        200,
        CrossSiteSessionSchema,
      ),
    ).toMatchObject({ transferCount: 2 });
  });

  it("a code expires after 120 s (the stored expiry is moved into the past)", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const guest = await newCrossSiteGuest(company, siteA);
    const { code } = await transferCode(company, siteA, guest.token, siteB);
    expect(await expireCodes(guest)).toBe(1);
    await problemOf(await claim(company, siteB, code), 404, "NOT_FOUND");
    // Nothing was counted.
    const session = await bodyOf(
      await request("GET", "/api/public/session", onSite(company, siteA, guest.token)),
      200,
      CrossSiteSessionSchema,
    );
    expect(session).toMatchObject({ transferCount: 0, sitesVisited: [siteA] });
  });

  it("another company cannot claim the code (404), and its try does not use the code up", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const guest = await newCrossSiteGuest(company, siteA);
    const { code } = await transferCode(company, siteA, guest.token, siteB);
    // The other company on its own site, and naming the real target site (not one of its sites).
    await problemOf(await claim(other, other.siteIds[1], code), 404, "NOT_FOUND");
    await problemOf(await claim(other, siteB, code), 404, "NOT_FOUND");
    expect((await claimed(await claim(company, siteB, code))).sessionToken).toBe(guest.token);
  });

  it("a site other than the transfer's target cannot claim the code (404), and its try spends the code", async () => {
    const company = await createCompany();
    const inactiveSiteId = await addSite(company, { enableCompare: true, active: false });
    const [siteA, siteB] = company.siteIds;
    const guest = await newCrossSiteGuest(company, siteA);
    // The inactive site is no site at all: refused before the session sees the code.
    const { code } = await transferCode(company, siteA, guest.token, siteB);
    await problemOf(await claim(company, inactiveSiteId, code), 404, "NOT_FOUND");
    await problemOf(await claim(company, siteA, code), 404, "NOT_FOUND");
    // Spent by the wrong site's try (test/worker/security/transfer-codes.test.ts).
    await problemOf(await claim(company, siteB, code), 404, "NOT_FOUND");
    // Without x-site-id the claim is on the default site, which is site A: refused too.
    const second = await transferCode(company, siteA, guest.token, siteB);
    await problemOf(
      await request("POST", "/api/public/session/claim", { "x-company-id": company.companyId }, { code: second.code }),
      404,
      "NOT_FOUND",
    );
    const session = await bodyOf(
      await request("GET", "/api/public/session", onSite(company, siteA, guest.token)),
      200,
      CrossSiteSessionSchema,
    );
    expect(session.transferCount).toBe(0);
    const third = await transferCode(company, siteA, guest.token, siteB);
    expect((await claimed(await claim(company, siteB, third.code))).sessionToken).toBe(guest.token);
  });

  it("unknown and malformed codes are a 404; a code longer than 256 characters is a 400", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const guest = await newCrossSiteGuest(company, siteA);
    const { code } = await transferCode(company, siteA, guest.token, siteB);
    for (const candidate of [
      "",
      "nope",
      code.toUpperCase(),
      code.slice(0, 127),
      `${code.slice(0, 64)}${"0".repeat(64)}`,
      "e".repeat(128),
      guest.token,
    ]) {
      await problemOf(await claim(company, siteB, candidate), 404, "NOT_FOUND");
    }
    await problemOf(await claim(company, siteB, "a".repeat(257)), 400, "VALIDATION_FAILED");
    await problemOf(
      await request("POST", "/api/public/session/claim", onSite(company, siteB), { token: code }),
      400,
      "VALIDATION_FAILED",
    );
    expect((await claimed(await claim(company, siteB, code))).sessionToken).toBe(guest.token);
  });

  it("the target must be an active site of the same company (else 404); a malformed one is a 400", async () => {
    const company = await createCompany();
    const inactiveSiteId = await addSite(company, { enableCompare: true, active: false });
    const other = await createCompany();
    const [siteA] = company.siteIds;
    const guest = await newCrossSiteGuest(company, siteA);
    const headers = onSite(company, siteA, guest.token);
    for (const targetSiteId of [other.siteIds[0], other.siteIds[1], inactiveSiteId, crypto.randomUUID()]) {
      await problemOf(
        await request("POST", "/api/public/session/transfer", headers, { targetSiteId }),
        404,
        "NOT_FOUND",
      );
    }
    await problemOf(
      await request("POST", "/api/public/session/transfer", headers, { targetSiteId: "site-b" }),
      400,
      "VALIDATION_FAILED",
    );
    expect(await storedCodes(guest)).toEqual([]);
  });

  it("needs a session token of an existing session", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    await problemOf(
      await request("POST", "/api/public/session/transfer", onSite(company, siteA), { targetSiteId: siteB }),
      400,
      "VALIDATION_FAILED",
    );
    await problemOf(
      await request("POST", "/api/public/session/transfer", onSite(company, siteA, "b".repeat(64)), {
        targetSiteId: siteB,
      }),
      404,
      "NOT_FOUND",
    );
    // A guest token of this company sent with another company's id names no session there.
    const guest = await newCrossSiteGuest(company, siteA);
    const other = await createCompany();
    await problemOf(
      await request("POST", "/api/public/session/transfer", onSite(other, other.siteIds[0], guest.token), {
        targetSiteId: other.siteIds[1],
      }),
      404,
      "NOT_FOUND",
    );
  });
});

describe("POST /api/cross-site-session/transfer (customer)", () => {
  it("hands the customer's session to a site where they are not signed in", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const customer = await customerCredentials(company.companyId);
    const transfer = await customerTransferCode(customer, siteA, siteB);
    // The code holds no token: its claim issues a fresh cross-site token, another than any
    // issued before (test/worker/security/customer-cross-site-tokens.test.ts).
    const session = await crossSiteSessionOf(customer);
    const result = await claimed(await claim(company, siteB, transfer.code));
    expect(result.sessionToken).toMatch(/^[0-9a-f]{64}$/);
    expect(result.sessionToken).not.toBe(session.sessionToken);
    expect(result.session).toMatchObject({
      id: session.id,
      customerId: customer.customerId,
      transferCount: 1,
      sitesVisited: [siteA, siteB],
    });
    const viaToken = await publicCart(company, siteB, result.sessionToken);
    expect(viaToken.customerId).toBe(customer.customerId);

    await replicateNow(customer);
    expect(await sessionRow(session.id)).toMatchObject({
      customerId: customer.customerId,
      transferCount: 1,
      sitesVisited: [siteA, siteB],
      // the digest of the token issued last: the claim's
      sessionTokenHash: await sha256Hex(result.sessionToken),
    });
  });

  it("refuses a target site of another company (404)", async () => {
    const company = await createCompany();
    const other = await createCompany();
    const customer = await customerCredentials(company.companyId);
    await problemOf(
      await request("POST", "/api/cross-site-session/transfer", customer.headers, { targetSiteId: other.siteIds[0] }),
      404,
      "NOT_FOUND",
    );
  });

  it("is for customers only: no JWT is a 401, an admin JWT a 403", async () => {
    const company = await createCompany();
    const body = { targetSiteId: company.siteIds[1] };
    await problemOf(await request("POST", "/api/cross-site-session/transfer", {}, body), 401, "UNAUTHORIZED");
    const admin = bearer(await signToken({ role: "admin", companyId: company.companyId }));
    await problemOf(await request("POST", "/api/cross-site-session/transfer", admin, body), 403, "FORBIDDEN");
  });
});
