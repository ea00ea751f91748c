import { inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { promotions } from "../../../src/db/schema";
import { UpsertResultSchema } from "../../../src/modules/catalog/schema";
import { problemOf, putCatalog, tokenFor } from "../../support/app";
import { createCompany } from "../../support/catalog";
import { withDatabase } from "../../support/db";

const putPromotions = (body: unknown, token?: string) => putCatalog("promotions", body, token);

const promotion = (overrides: Record<string, unknown> = {}) => {
  const id = crypto.randomUUID();
  return { id, code: `P${id.slice(0, 8)}`.toUpperCase(), type: "PERCENT", value: 15, ...overrides };
};

function rows(ids: string[]) {
  return withDatabase((db) => db.select().from(promotions).where(inArray(promotions.id, ids)));
}

describe("PUT /api/catalog/promotions — happy", () => {
  it("upserts promotions, normalizing codes to upper case and applying defaults", async () => {
    const { companyId } = await createCompany();
    const spring = promotion({
      code: " spring-15 ",
      startsAt: "2026-03-01T00:00:00Z",
      endsAt: "2026-03-31T23:59:59+02:00",
      minSubtotal: 5000,
      stackable: true,
    });
    const fixed = promotion({ type: "FIXED", value: 500 });
    const response = await putPromotions({ promotions: [spring, fixed] }, await tokenFor(companyId));
    expect(response.status).toBe(200);
    expect(UpsertResultSchema.parse(await response.json())).toEqual({ upserted: 2, ids: [spring.id, fixed.id] });

    const stored = await rows([spring.id, fixed.id]);
    expect(stored.find((row) => row.id === spring.id)).toMatchObject({
      companyId,
      code: "SPRING-15",
      type: "PERCENT",
      value: 15,
      minSubtotal: 5000,
      startsAt: new Date("2026-03-01T00:00:00Z"),
      endsAt: new Date("2026-03-31T21:59:59Z"),
      stackable: true,
      active: true,
    });
    expect(stored.find((row) => row.id === fixed.id)).toMatchObject({
      type: "FIXED",
      value: 500,
      minSubtotal: 0,
      startsAt: null,
      endsAt: null,
      stackable: false,
    });
  });

  it("is idempotent, and a second call updates changed fields (admin token)", async () => {
    const { companyId } = await createCompany();
    const token = await tokenFor(companyId, "admin");
    const promo = promotion();
    expect((await putPromotions({ promotions: [promo] }, token)).status).toBe(200);
    expect((await putPromotions({ promotions: [promo] }, token)).status).toBe(200);
    expect(await rows([promo.id])).toHaveLength(1);

    const response = await putPromotions({ promotions: [{ ...promo, value: 20, active: false }] }, token);
    expect(UpsertResultSchema.parse(await response.json()).ids).toEqual([promo.id]);
    expect(await rows([promo.id])).toEqual([expect.objectContaining({ value: 20, active: false })]);
  });

  it("lets two companies use the same code", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const code = `SHARED${crypto.randomUUID().slice(0, 6)}`.toUpperCase();
    expect((await putPromotions({ promotions: [promotion({ code })] }, await tokenFor(a.companyId))).status).toBe(200);
    expect((await putPromotions({ promotions: [promotion({ code })] }, await tokenFor(b.companyId))).status).toBe(200);
  });
});

describe("PUT /api/catalog/promotions — errors", () => {
  it("rejects bad codes, values and dates with 400s naming the fields", async () => {
    const { companyId } = await createCompany();
    const batch = [
      promotion({ value: 101 }),
      promotion({ code: "no spaces!" }),
      promotion({ startsAt: "2026-03-02T00:00:00Z", endsAt: "2026-03-01T00:00:00Z" }),
      promotion({ type: "FIXED", value: 0 }),
      promotion({ startsAt: "yesterday" }),
      promotion({ type: "BOGO" }),
    ];
    const problem = await problemOf(await putPromotions({ promotions: batch }, await tokenFor(companyId)), 400);
    expect(problem.code).toBe("VALIDATION_FAILED");
    expect(problem.errors?.map((error) => error.field).sort()).toEqual([
      "body.promotions.0.value",
      "body.promotions.1.code",
      "body.promotions.2.endsAt",
      "body.promotions.3.value",
      "body.promotions.4.startsAt",
      "body.promotions.5.type",
    ]);
    expect(await rows(batch.map((entry) => entry.id))).toEqual([]);
  });

  it("the same code twice in a batch (after normalizing) is a 400", async () => {
    const { companyId } = await createCompany();
    const batch = [promotion({ code: "twice" }), promotion({ code: "TWICE" })];
    const problem = await problemOf(await putPromotions({ promotions: batch }, await tokenFor(companyId)), 400);
    expect(problem.errors?.map((error) => error.field)).toEqual(["body.promotions.1.code"]);
  });

  it("a code the company already uses under another id is a 409 CONFLICT; nothing written", async () => {
    const { companyId } = await createCompany();
    const token = await tokenFor(companyId);
    const original = promotion();
    expect((await putPromotions({ promotions: [original] }, token)).status).toBe(200);
    const fresh = promotion();
    const clash = promotion({ code: original.code.toLowerCase() });
    const problem = await problemOf(await putPromotions({ promotions: [fresh, clash] }, token), 409);
    expect(problem.code).toBe("CONFLICT");
    expect(problem.detail).toContain(original.code);
    expect(await rows([fresh.id, clash.id])).toEqual([]);
  });

  it("is 404 when the company does not exist yet", async () => {
    const problem = await problemOf(
      await putPromotions({ promotions: [promotion()] }, await tokenFor(crypto.randomUUID())),
      404,
    );
    expect(problem.code).toBe("NOT_FOUND");
  });
});

describe("PUT /api/catalog/promotions — security", () => {
  it("is 403 for a customer and 401 without a token", async () => {
    const { companyId } = await createCompany();
    const promo = promotion();
    expect(
      (await problemOf(await putPromotions({ promotions: [promo] }, await tokenFor(companyId, "customer")), 403)).code,
    ).toBe("FORBIDDEN");
    expect((await problemOf(await putPromotions({ promotions: [promo] }), 401)).code).toBe("UNAUTHORIZED");
    expect(await rows([promo.id])).toEqual([]);
  });

  it("company B upserting company A's promotion id is a 404; A's row unchanged, nothing of B's batch written", async () => {
    const a = await createCompany();
    const b = await createCompany();
    const owned = promotion();
    expect((await putPromotions({ promotions: [owned] }, await tokenFor(a.companyId))).status).toBe(200);
    const [before] = await rows([owned.id]);

    const innocent = promotion();
    const hijack = { ...owned, value: 100, stackable: true };
    const problem = await problemOf(
      await putPromotions({ promotions: [innocent, hijack] }, await tokenFor(b.companyId)),
      404,
    );
    expect(problem.code).toBe("NOT_FOUND");
    expect(problem.detail).toContain(owned.id);
    expect(await rows([owned.id])).toEqual([before]);
    expect(await rows([innocent.id])).toEqual([]);
  });
});
