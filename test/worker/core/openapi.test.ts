import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { api } from "../../support/app";

// The document is generated from the same route declarations that serve requests: a route
// declared any other way would be served but missing here (or documented but not served).
// GET /api/dev/dashboard is the local stack's (development only, a 404 elsewhere), not the API's:
// test/worker/analytics/dev-dashboard.test.ts holds it to that.
const UNDOCUMENTED = new Set(["GET /api/openapi.json", "GET /api/docs", "GET /api/dev/dashboard"]);

describe("the OpenAPI document", () => {
  it("documents exactly the routes the app serves, with the same methods", async () => {
    const served = createApp()
      .routes.filter((route) => route.method !== "ALL")
      .map((route) => `${route.method} ${route.path.replace(/\/$/, "") || "/"}`)
      .filter((route) => !UNDOCUMENTED.has(route));
    const document = await (await api("/api/openapi.json")).json<{ paths: Record<string, Record<string, unknown>> }>();
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    expect([...new Set(served)].sort()).toEqual(documented.sort());
  });

  it("says who may call each shopper route: a customer JWT, or the storefront's headers", async () => {
    const document = await (await api("/api/openapi.json")).json<{
      paths: Record<string, Record<string, { security?: unknown[]; parameters?: { in: string; name: string }[] }>>;
    }>();
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const operation of Object.values(methods)) {
        const headers = (operation.parameters ?? []).filter((p) => p.in === "header").map((p) => p.name);
        if (path.startsWith("/api/public/")) expect(headers, path).toContain("x-company-id");
        if (/^\/api\/(cart|wishlist|comparison|cross-site-session)\b/.test(path)) {
          expect(operation.security, path).toEqual([{ bearerAuth: [] }]);
        }
      }
    }
  });
});
