import { describe, expect, it } from "vitest";
import { ProblemSchema } from "../../../src/lib/openapi";
import { apiWithEnv } from "../../support/app";

describe("configuration", () => {
  it("a missing DATABASE_URL is a 500 that names it", async () => {
    const response = await apiWithEnv({ DATABASE_URL: undefined }, "/api/health");
    expect(response.status).toBe(500);
    const body = ProblemSchema.parse(await response.json());
    expect(body.code).toBe("INTERNAL");
    expect(body.detail).toContain("DATABASE_URL");
  });

  it("neither JWT_SECRET nor JWKS_URL is a 500 that names them", async () => {
    const response = await apiWithEnv({ JWT_SECRET: "", JWKS_URL: undefined }, "/api/health");
    expect(response.status).toBe(500);
    expect(ProblemSchema.parse(await response.json()).detail).toMatch(/JWT_SECRET or JWKS_URL/);
  });

  it("a short JWT_SECRET is refused", async () => {
    const response = await apiWithEnv({ JWT_SECRET: "short" }, "/api/health");
    expect(response.status).toBe(500);
    expect(ProblemSchema.parse(await response.json()).detail).toContain("JWT_SECRET");
  });

  it("the problem never echoes the secret's value", async () => {
    const response = await apiWithEnv({ DATABASE_URL: "mysql://user:hunter2@db/x" }, "/api/health");
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("hunter2");
  });
});
