import { describe, expect, it } from "vitest";
import { companies } from "../../../src/db/schema";
import { ProblemSchema } from "../../../src/lib/openapi";
import { api } from "../../support/app";
import { createCompany } from "../../support/catalog";
import { testDatabase } from "../../support/db";

const TOKEN = "a".repeat(64);

describe("public session headers (/api/public/*)", () => {
  it("resolves the company's default site when x-site-id is absent", async () => {
    const { companyId, siteIds } = await createCompany();
    const response = await api("/api/public/site", { headers: { "x-company-id": companyId } });
    expect(response.status).toBe(200);
    const body = await response.json<{ siteId: string; features: { compare: boolean } }>();
    expect(body.siteId).toBe(siteIds[0]);
    expect(body.features.compare).toBe(true);
  });

  it("uses x-site-id when it is a site of the company", async () => {
    const { companyId, siteIds } = await createCompany();
    const response = await api("/api/public/site", { headers: { "x-company-id": companyId, "x-site-id": siteIds[1] } });
    expect(response.status).toBe(200);
    const body = await response.json<{ siteId: string; features: { compare: boolean } }>();
    expect(body).toMatchObject({ siteId: siteIds[1], features: { compare: false } });
  });

  it("requires x-company-id", async () => {
    const response = await api("/api/public/site");
    expect(response.status).toBe(400);
    const body = ProblemSchema.parse(await response.json());
    expect(body.errors?.map((error) => error.field)).toEqual(["header.x-company-id"]);
  });

  it("rejects a malformed company id before any lookup", async () => {
    const response = await api("/api/public/site", { headers: { "x-company-id": "'; drop table companies; --" } });
    expect(response.status).toBe(400);
  });

  for (const [name, token] of [
    ["too short", "abc123"],
    ["uppercase", "A".repeat(64)],
    ["non-hex", "g".repeat(64)],
    ["too long", "a".repeat(65)],
  ]) {
    it(`rejects a session token that is ${name}`, async () => {
      const { companyId } = await createCompany();
      const response = await api("/api/public/site", {
        headers: { "x-company-id": companyId, "x-session-token": token as string },
      });
      expect(response.status).toBe(400);
      const body = ProblemSchema.parse(await response.json());
      expect(body.errors?.[0]?.field).toBe("header.x-session-token");
    });
  }

  it("accepts a well-formed session token", async () => {
    const { companyId } = await createCompany();
    const response = await api("/api/public/site", {
      headers: { "x-company-id": companyId, "x-session-token": TOKEN },
    });
    expect(response.status).toBe(200);
  });

  it("an unknown company is a 404", async () => {
    const response = await api("/api/public/site", { headers: { "x-company-id": crypto.randomUUID() } });
    expect(response.status).toBe(404);
    expect(ProblemSchema.parse(await response.json()).code).toBe("NOT_FOUND");
  });

  it("an inactive company is a 404, like an unknown one", async () => {
    const companyId = crypto.randomUUID();
    const { db, close } = testDatabase();
    await db.insert(companies).values({ id: companyId, name: "Gone", slug: `gone-${companyId}`, active: false });
    await close();
    const response = await api("/api/public/site", { headers: { "x-company-id": companyId } });
    expect(response.status).toBe(404);
  });

  it("a site of another company is a 404 (tenant isolation)", async () => {
    const mine = await createCompany();
    const theirs = await createCompany();
    const response = await api("/api/public/site", {
      headers: { "x-company-id": mine.companyId, "x-site-id": theirs.siteIds[0] },
    });
    expect(response.status).toBe(404);
  });
});
