// Issue 15, finding 7 (deliverable 6): a transfer code is a bearer secret for the session token.
// A claim on a site other than the code's target spends it (the code has gone somewhere it was
// not meant to go), and an expired code — which holds the raw token of a guest session — is gone
// from storage when it expires, whatever state replication is in.
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { problemOf } from "../../support/app";
import { createCompany } from "../../support/catalog";
import { claim, newCrossSiteGuest, transferCode } from "../../support/cross-site";
import { expireCodes, replicateNow, replicationState, sessionStubOf, storedCodes } from "../../support/sessions";
import { editStorage } from "../../support/storage";

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe("transfer codes", () => {
  it("a claim on the wrong site spends the code: the target site's claim is then a 404", async () => {
    const company = await createCompany();
    const [siteA, siteB] = company.siteIds;
    const guest = await newCrossSiteGuest(company, siteA);
    const { code } = await transferCode(company, siteA, guest.token, siteB);
    await problemOf(await claim(company, siteA, code), 404, "NOT_FOUND");
    expect(await storedCodes(guest)).toEqual([]);
    await problemOf(await claim(company, siteB, code), 404, "NOT_FOUND");
  });

  it("an expired code is gone on time while replication backs off (the raw token with it)", async () => {
    const company = await createCompany();
    const guest = await newCrossSiteGuest(company);
    await replicateNow(guest);
    const { code } = await transferCode(company, company.siteIds[0], guest.token, company.siteIds[1]);
    const [stored] = await storedCodes(guest);
    const codeExpiresAt = stored?.expiresAt as number;

    // A change waits in the outbox, and Queues refuses every send: the ninth failure in a row
    // backs off for minutes, longer than the code lives.
    await editStorage(sessionStubOf(guest), (state, instance) => {
      const env = (instance as { env: Env }).env;
      const queue = env.REPLICATION_QUEUE;
      // Queues back afterwards, for whatever else this isolate runs.
      restore = () => void Object.assign(env, { REPLICATION_QUEUE: queue });
      Object.assign(env, {
        REPLICATION_QUEUE: { sendBatch: () => Promise.reject(new Error("Queues unavailable")), send: () => undefined },
      });
      state.storage.sql.exec("INSERT INTO outbox (resource, version, created_at) VALUES ('session', 1, ?)", Date.now());
      state.storage.sql.exec(
        "INSERT OR REPLACE INTO documents (name, body) VALUES ('replication', ?)",
        JSON.stringify({ failures: 8 }),
      );
    });
    expect(await runDurableObjectAlarm(sessionStubOf(guest))).toBe(true);
    const failed = await replicationState(guest);
    expect(failed).toMatchObject({ pending: 1, failures: 9 });
    // The retry is minutes away, but the alarm still wakes when the code expires.
    expect(failed.alarm).not.toBeNull();
    expect(failed.alarm as number).toBeLessThanOrEqual(codeExpiresAt + 1_000);

    // That wake-up forgets the code and leaves the backoff alone (no early send, no new failure).
    await expireCodes(guest);
    expect(await runDurableObjectAlarm(sessionStubOf(guest))).toBe(true);
    expect(await storedCodes(guest)).toEqual([]);
    const after = await replicationState(guest);
    expect(after).toMatchObject({ pending: 1, failures: 9 });
    expect(after.alarm as number).toBeGreaterThan(Date.now() + 60_000);
    await problemOf(await claim(company, company.siteIds[1], code), 404, "NOT_FOUND");
  });
});
