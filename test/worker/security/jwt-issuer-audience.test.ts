// Finding 5: in staging and production the issuer and audience are part of the configuration,
// not an option: without them a token minted for another service of the same identity
// provider would be accepted here.
import { describe, expect, it } from "vitest";
import { apiWithEnv, bearer, problemOf, signToken } from "../../support/app";
import { createCompany } from "../../support/catalog";

const ROUTE = "/api/catalog/company";
const DEPLOYED = {
  JWT_ISSUER: "https://auth.example",
  JWT_AUDIENCE: "crosscart",
  CORS_ORIGINS: "https://shop.example",
};

describe.each(["staging", "production"])("NODE_ENV=%s", (NODE_ENV) => {
  for (const variable of ["JWT_ISSUER", "JWT_AUDIENCE"] as const) {
    it(`a missing ${variable} is a 500 INTERNAL that names it`, async () => {
      for (const missing of [undefined, ""]) {
        const response = await apiWithEnv({ ...DEPLOYED, NODE_ENV, [variable]: missing }, "/api/health");
        const body = await problemOf(response, 500, "INTERNAL");
        expect(body.detail).toContain(variable);
      }
    });
  }

  it("accepts a token with the configured iss and aud", async () => {
    const { companyId } = await createCompany();
    const token = await signToken(
      { role: "admin", companyId },
      { issuer: "https://auth.example", audience: "crosscart" },
    );
    const response = await apiWithEnv({ ...DEPLOYED, NODE_ENV }, ROUTE, { headers: bearer(token) });
    expect(response.status).toBe(200);
  });

  for (const [name, options] of [
    ["no iss and no aud", {}],
    ["no aud", { issuer: "https://auth.example" }],
    ["no iss", { audience: "crosscart" }],
    ["another iss", { issuer: "https://evil.example", audience: "crosscart" }],
    ["another aud", { issuer: "https://auth.example", audience: "other-service" }],
  ] as const) {
    it(`refuses a token with ${name} (401)`, async () => {
      const token = await signToken({ role: "admin", companyId: crypto.randomUUID() }, options);
      const response = await apiWithEnv({ ...DEPLOYED, NODE_ENV }, ROUTE, { headers: bearer(token) });
      await problemOf(response, 401, "UNAUTHORIZED");
    });
  }
});

describe("development and test", () => {
  it("run without an issuer or audience", async () => {
    for (const NODE_ENV of ["development", "test"]) {
      const response = await apiWithEnv({ NODE_ENV, JWT_ISSUER: undefined, JWT_AUDIENCE: undefined }, "/api/health");
      expect(response.status).toBe(200);
    }
  });
});
