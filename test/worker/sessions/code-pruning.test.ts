// An unclaimed transfer code carries the raw session token inside the session object: once the
// code has expired, the object's alarm must forget it.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createCompany } from "../../support/catalog";
import { newCrossSiteGuest, transferCode } from "../../support/cross-site";
import { expireCodes, sessionStubOf, storedCodes } from "../../support/sessions";

describe("expired transfer codes", () => {
  it("are forgotten by the alarm, raw token and all; live ones stay", async () => {
    const company = await createCompany();
    const guest = await newCrossSiteGuest(company);
    await transferCode(company, company.siteIds[0], guest.token, company.siteIds[1]);
    expect((await storedCodes(guest)).map((code) => code.sessionToken)).toEqual([guest.token]);

    // Still live: an alarm keeps it.
    await runDurableObjectAlarm(sessionStubOf(guest));
    expect(await storedCodes(guest)).toHaveLength(1);

    await expireCodes(guest);
    expect(await runDurableObjectAlarm(sessionStubOf(guest))).toBe(true);
    const left = await storedCodes(guest);
    expect(left).toEqual([]);
    expect(JSON.stringify(left)).not.toContain(guest.token);
  });
});
