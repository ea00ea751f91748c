// Finding 12 (the audit's 13th): a deployed API names the origins allowed to call it; `*` (any
// web page may read the answers of a shopper's browser) is for development and tests only.
import { describe, expect, it } from "vitest";
import { apiWithEnv, problemOf } from "../../support/app";

const DEPLOYED = { JWT_ISSUER: "https://auth.example", JWT_AUDIENCE: "crosscart" };

describe.each(["staging", "production"])("NODE_ENV=%s", (NODE_ENV) => {
  for (const [name, value] of [
    ["unset", undefined],
    ["empty", ""],
    ["*", "*"],
    ["a list with *", "https://shop.example, *"],
  ] as const) {
    it(`CORS_ORIGINS ${name} is a 500 INTERNAL that names it`, async () => {
      const response = await apiWithEnv({ ...DEPLOYED, NODE_ENV, CORS_ORIGINS: value }, "/api/health");
      const body = await problemOf(response, 500, "INTERNAL");
      expect(body.detail).toContain("CORS_ORIGINS");
    });
  }

  it("an explicit list allows exactly its origins", async () => {
    const env = { ...DEPLOYED, NODE_ENV, CORS_ORIGINS: "https://shop.example, https://b.example" };
    const allowed = await apiWithEnv(env, "/api/health", { headers: { origin: "https://b.example" } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://b.example");
    const other = await apiWithEnv(env, "/api/health", { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("a malformed origin is refused at configuration", async () => {
    const response = await apiWithEnv({ ...DEPLOYED, NODE_ENV, CORS_ORIGINS: "shop.example" }, "/api/health");
    expect((await problemOf(response, 500, "INTERNAL")).detail).toContain("CORS_ORIGINS");
  });
});

describe("development and test", () => {
  it("default to * (any origin)", async () => {
    for (const NODE_ENV of ["development", "test"]) {
      const response = await apiWithEnv({ NODE_ENV, CORS_ORIGINS: undefined }, "/api/health", {
        headers: { origin: "https://anywhere.example" },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBe("https://anywhere.example");
    }
  });
});
