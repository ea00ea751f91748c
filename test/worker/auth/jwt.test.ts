import { env } from "cloudflare:workers";
import { importJWK, SignJWT, UnsecuredJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { ProblemSchema } from "../../../src/lib/openapi";
import { api, apiWithEnv, bearer, signToken } from "../../support/app";
import { createCompany, type TestCompany } from "../../support/catalog";

// /api/catalog/company needs a valid JWT with role admin or service of an existing company:
// a 200 there proves the token was accepted, a 401 that it was refused.
const ROUTE = "/api/catalog/company";
let company: TestCompany;
beforeAll(async () => {
  company = await createCompany();
});

const admin = () => ({ role: "admin", companyId: company.companyId });

async function expectUnauthorized(response: Response, detail?: RegExp) {
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toMatch(/^Bearer realm="crosscart"/);
  const body = ProblemSchema.parse(await response.json());
  expect(body.code).toBe("UNAUTHORIZED");
  if (detail) expect(body.detail).toMatch(detail);
  return body;
}

describe("JWT authentication (HS256 secret)", () => {
  it("accepts a valid admin token", async () => {
    const response = await api(ROUTE, { headers: bearer(await signToken(admin())) });
    expect(response.status).toBe(200);
  });

  it("refuses a request without a token", async () => {
    await expectUnauthorized(await api(ROUTE), /bearer token is required/);
  });

  it("refuses a non-Bearer scheme", async () => {
    await expectUnauthorized(await api(ROUTE, { headers: { Authorization: "Basic dXNlcjpwYXNz" } }));
  });

  it("refuses garbage", async () => {
    await expectUnauthorized(await api(ROUTE, { headers: bearer("not.a.jwt") }), /not valid/);
  });

  it("refuses alg: none", async () => {
    const unsigned = new UnsecuredJWT({ ...admin(), sub: "u" }).setExpirationTime("1h").encode();
    await expectUnauthorized(await api(ROUTE, { headers: bearer(unsigned) }), /not valid/);
  });

  it("refuses a token signed with another secret", async () => {
    const token = await signToken(admin(), { secret: "another-secret-that-is-also-32-bytes-long!!" });
    await expectUnauthorized(await api(ROUTE, { headers: bearer(token) }), /not valid/);
  });

  it("refuses an expired token", async () => {
    const token = await signToken(admin(), { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    await expectUnauthorized(await api(ROUTE, { headers: bearer(token) }), /expired/);
  });

  it("refuses a token without exp", async () => {
    const token = await signToken(admin(), { expiresIn: null });
    await expectUnauthorized(await api(ROUTE, { headers: bearer(token) }));
  });

  it("refuses an HS512 token even with the right secret (algorithm pinned)", async () => {
    const token = await new SignJWT({ ...admin(), sub: "u" })
      .setProtectedHeader({ alg: "HS512" })
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(env.JWT_SECRET));
    await expectUnauthorized(await api(ROUTE, { headers: bearer(token) }));
  });

  for (const [name, claims] of [
    ["companyId", { role: "admin" }],
    ["a UUID companyId", { role: "admin", companyId: "acme" }],
    ["role", { companyId: "00000000-0000-4000-8000-000000000000" }],
    ["a known role", { role: "root", companyId: "00000000-0000-4000-8000-000000000000" }],
    ["customerId for a customer", { role: "customer", companyId: "00000000-0000-4000-8000-000000000000" }],
  ] as const) {
    it(`refuses a token missing ${name}`, async () => {
      await expectUnauthorized(await api(ROUTE, { headers: bearer(await signToken(claims)) }), /claims/);
    });
  }

  it("refuses a token without sub", async () => {
    const token = await new SignJWT(admin())
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(env.JWT_SECRET));
    await expectUnauthorized(await api(ROUTE, { headers: bearer(token) }));
  });
});

describe("issuer and audience, when configured", () => {
  const configured = { JWT_ISSUER: "https://auth.example", JWT_AUDIENCE: "crosscart" };

  it("accepts the configured iss and aud", async () => {
    const token = await signToken(admin(), { issuer: "https://auth.example", audience: "crosscart" });
    expect((await apiWithEnv(configured, ROUTE, { headers: bearer(token) })).status).toBe(200);
  });

  it("refuses a wrong issuer", async () => {
    const token = await signToken(admin(), { issuer: "https://evil.example", audience: "crosscart" });
    await expectUnauthorized(await apiWithEnv(configured, ROUTE, { headers: bearer(token) }));
  });

  it("refuses a wrong audience", async () => {
    const token = await signToken(admin(), { issuer: "https://auth.example", audience: "someone-else" });
    await expectUnauthorized(await apiWithEnv(configured, ROUTE, { headers: bearer(token) }));
  });

  it("refuses a token with neither", async () => {
    await expectUnauthorized(await apiWithEnv(configured, ROUTE, { headers: bearer(await signToken(admin())) }));
  });
});

describe("remote JWKS", () => {
  const jwksEnv = () => ({ JWKS_URL: env.TEST_JWKS_URL, JWT_SECRET: undefined });
  const signRs256 = async (claims: Record<string, unknown>) =>
    new SignJWT({ sub: "user-1", ...claims })
      .setProtectedHeader({ alg: "RS256", kid: "test-key" })
      .setExpirationTime("1h")
      .sign(await importJWK(JSON.parse(env.TEST_JWKS_PRIVATE_KEY), "RS256"));

  it("accepts an RS256 token signed by a key of the set", async () => {
    const response = await apiWithEnv(jwksEnv(), ROUTE, { headers: bearer(await signRs256(admin())) });
    expect(response.status).toBe(200);
  });

  it("refuses an HS256 token when keys come from JWKS", async () => {
    await expectUnauthorized(await apiWithEnv(jwksEnv(), ROUTE, { headers: bearer(await signToken(admin())) }));
  });
});

describe("roles", () => {
  it("a customer token on an admin/service route is 403", async () => {
    const token = await signToken({ role: "customer", companyId: company.companyId, customerId: crypto.randomUUID() });
    const response = await api(ROUTE, { headers: bearer(token) });
    expect(response.status).toBe(403);
    expect(ProblemSchema.parse(await response.json()).code).toBe("FORBIDDEN");
  });

  it("a customer token on analytics is 403", async () => {
    const token = await signToken({ role: "customer", companyId: company.companyId, customerId: crypto.randomUUID() });
    expect((await api("/api/analytics/ecommerce/overview", { headers: bearer(token) })).status).toBe(403);
  });

  it("a service token is accepted on the catalog", async () => {
    const token = await signToken({ role: "service", companyId: company.companyId });
    expect((await api(ROUTE, { headers: bearer(token) })).status).toBe(200);
  });
});
