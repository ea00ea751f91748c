// GET /api/dev/dashboard: the demo admin's token for the dashboard's plain URL, on the local
// stack only (NODE_ENV=development with DEV_DASHBOARD_TOKEN). Everywhere else — test, staging,
// production, even with the variable set by mistake — it is the 404 of an unknown route, and
// the OpenAPI document never lists it.
import { describe, expect, it } from "vitest";
import { api, apiWithEnv } from "../../support/app";

const TOKEN = "header.payload.signature";
const DEPLOYED = {
  DEV_DASHBOARD_TOKEN: TOKEN,
  JWT_ISSUER: "https://auth.example",
  JWT_AUDIENCE: "crosscart",
  CORS_ORIGINS: "https://shop.example",
};

describe("GET /api/dev/dashboard (development only)", () => {
  it("hands the dashboard the demo admin's token in development", async () => {
    const response = await apiWithEnv({ NODE_ENV: "development", DEV_DASHBOARD_TOKEN: TOKEN }, "/api/dev/dashboard");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ token: TOKEN });
  });

  it.each(["staging", "production"])("is absent in %s, even with DEV_DASHBOARD_TOKEN set", async (NODE_ENV) => {
    const response = await apiWithEnv({ ...DEPLOYED, NODE_ENV }, "/api/dev/dashboard");
    expect(response.status).toBe(404);
    const body = await response.text();
    expect(body).not.toContain(TOKEN);
    expect(JSON.parse(body)).toMatchObject({ code: "NOT_FOUND" });
  });

  it("is absent in test and in development without the variable, and never in the API document", async () => {
    expect((await apiWithEnv({ NODE_ENV: "test", DEV_DASHBOARD_TOKEN: TOKEN }, "/api/dev/dashboard")).status).toBe(404);
    // Unset explicitly: `npm run dev` writes the variable into .dev.vars, which the tests load too.
    const withoutToken = { NODE_ENV: "development", DEV_DASHBOARD_TOKEN: undefined };
    expect((await apiWithEnv(withoutToken, "/api/dev/dashboard")).status).toBe(404);
    const document = (await (await api("/api/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((path) => path.includes("/dev/"))).toEqual([]);
  });
});
