import { describe, expect, it } from "vitest";
import { ProblemSchema } from "../../../src/lib/openapi";
import { api, apiWithEnv, bearer, signToken } from "../../support/app";

// The deep check is admin-only (test/worker/security/unknown-companies.test.ts); the company
// need not exist for the token to be an admin's.
const adminHeaders = async () => bearer(await signToken({ role: "admin", companyId: crypto.randomUUID() }));

describe("GET /api/health", () => {
  it("answers 200 with the version, without touching Postgres", async () => {
    const response = await apiWithEnv({ DATABASE_URL: "postgres://nobody:x@127.0.0.1:1/none" }, "/api/health");
    expect(response.status).toBe(200);
    const body = await response.json<{ status: string; version: string }>();
    expect(body.status).toBe("ok");
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("with deep=1 checks Postgres (for an admin)", async () => {
    const response = await api("/api/health?deep=1", { headers: await adminHeaders() });
    expect(response.status).toBe(200);
    const body = await response.json<{ checks: { postgres: { status: string } } }>();
    expect(body.checks.postgres.status).toBe("ok");
  });

  it("with deep=1 is a 503 problem when Postgres is down", async () => {
    const response = await apiWithEnv({ DATABASE_URL: "postgres://nobody:x@127.0.0.1:1/none" }, "/api/health?deep=1", {
      headers: await adminHeaders(),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(ProblemSchema.parse(await response.json()).code).toBe("UNAVAILABLE");
  });

  it("rejects a bad deep value with a 400 naming the field", async () => {
    const response = await api("/api/health?deep=maybe");
    expect(response.status).toBe(400);
    const body = ProblemSchema.parse(await response.json());
    expect(body.errors?.[0]?.field).toBe("query.deep");
  });
});

describe("request id", () => {
  it("echoes a well-formed x-request-id", async () => {
    const response = await api("/api/health", { headers: { "x-request-id": "abc-123" } });
    expect(response.headers.get("x-request-id")).toBe("abc-123");
  });

  it("replaces a malformed one and puts it in problems", async () => {
    const response = await api("/api/nowhere", { headers: { "x-request-id": "bad id with spaces" } });
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ProblemSchema.parse(await response.json()).requestId).toBe(requestId);
  });
});

describe("errors", () => {
  it("an unknown route is a 404 problem", async () => {
    const response = await api("/api/nowhere");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const body = ProblemSchema.parse(await response.json());
    expect(body).toMatchObject({ status: 404, code: "NOT_FOUND", title: "Not found" });
  });

  it("a body over 64 KiB is a 413 problem", async () => {
    const response = await api("/api/catalog/products", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ padding: "x".repeat(70 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(ProblemSchema.parse(await response.json()).code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("runbook §3.3 module checks", () => {
  for (const path of ["/api/cart", "/api/wishlist", "/api/comparison", "/api/cross-site-session"]) {
    it(`unauthenticated GET ${path} is 401 with WWW-Authenticate, never 404`, async () => {
      const response = await api(path);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(ProblemSchema.parse(await response.json()).code).toBe("UNAUTHORIZED");
    });
  }

  it("unauthenticated analytics overview is 401", async () => {
    expect((await api("/api/analytics/ecommerce/overview")).status).toBe(401);
  });
});

describe("CORS", () => {
  it("answers a storefront preflight", async () => {
    const response = await api("/api/public/cart", {
      method: "OPTIONS",
      headers: {
        origin: "https://shop.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-session-token,idempotency-key",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-session-token");
  });

  it("does not allow an origin outside CORS_ORIGINS", async () => {
    const response = await apiWithEnv({ CORS_ORIGINS: "https://shop.example" }, "/api/health", {
      headers: { origin: "https://evil.example" },
    });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("OpenAPI", () => {
  it("serves an OpenAPI 3.1 document with the health route", async () => {
    const response = await api("/api/openapi.json");
    expect(response.status).toBe(200);
    const document = await response.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(document.openapi).toBe("3.1.0");
    expect(document.paths["/api/health"]).toBeDefined();
  });

  it("serves the API reference page", async () => {
    const response = await api("/api/docs");
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("/api/openapi.json");
  });
});
