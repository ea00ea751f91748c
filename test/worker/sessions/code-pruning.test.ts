// An unclaimed transfer code carries the raw session token inside the session object: once the
// code has expired, the object's alarm must forget it.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createCompany, expireCodes, newGuest, storedCodes, stubOf, transferCode } from "./fixtures";

describe("expired transfer codes", () => {
  it("are forgotten by the alarm, raw token and all; live ones stay", async () => {
    const company = await createCompany();
    const guest = await newGuest(company);
    await transferCode(company, company.siteIds[0], guest.token, company.siteIds[1]);
    expect((await storedCodes(guest.address)).map((code) => code.sessionToken)).toEqual([guest.token]);

    // Still live: an alarm keeps it.
    await runDurableObjectAlarm(stubOf(guest.address));
    expect(await storedCodes(guest.address)).toHaveLength(1);

    await expireCodes(guest.address);
    expect(await runDurableObjectAlarm(stubOf(guest.address))).toBe(true);
    const left = await storedCodes(guest.address);
    expect(left).toEqual([]);
    expect(JSON.stringify(left)).not.toContain(guest.token);
  });
});
