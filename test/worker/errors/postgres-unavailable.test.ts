// Postgres out of reach is an outage, not a bug: every route that must reach it answers 503
// UNAVAILABLE with Retry-After (the caller retries), never a 500 — whatever the route.
import { describe, expect, it } from "vitest";
import { apiWithEnv, bearer, jsonHeaders, problemOf, tokenFor } from "../../support/app";
import { createCompany } from "../../support/catalog";
import { unreachableDatabase } from "../../support/replication";

const customerId = crypto.randomUUID();

describe("Postgres unreachable", () => {
  const routes: { name: string; role: string; method: string; path: string; body?: unknown }[] = [
    { name: "privacy export", role: "service", method: "GET", path: `/api/privacy/customers/${customerId}/export` },
    { name: "privacy erase", role: "service", method: "POST", path: `/api/privacy/customers/${customerId}/erase` },
    { name: "privacy audit", role: "admin", method: "GET", path: "/api/privacy/requests" },
    { name: "dead letters", role: "admin", method: "GET", path: "/api/admin/replication/dead-letters" },
    {
      name: "dead-letter replay",
      role: "admin",
      method: "POST",
      path: "/api/admin/replication/dead-letters/replay",
      body: {},
    },
  ];

  // A database that is not there (Postgres answers with SQLSTATE 3D000), and a port nothing
  // listens on (no answer from Postgres at all: the socket fails).
  const outages = {
    "no such database": () => unreachableDatabase().DATABASE_URL,
    "connection refused": () => unreachableDatabase().DATABASE_URL.replace(/:(\d+)\//, ":1/"),
  };

  for (const [outage, databaseUrl] of Object.entries(outages))
    for (const route of routes) {
      it(`${outage}, ${route.name}: 503 UNAVAILABLE with Retry-After`, async () => {
        const { companyId } = await createCompany();
        const token = await tokenFor(companyId, route.role);
        const response = await apiWithEnv({ DATABASE_URL: databaseUrl() }, route.path, {
          method: route.method,
          headers: { ...bearer(token), ...(route.body === undefined ? {} : jsonHeaders) },
          ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
        });
        const problem = await problemOf(response, 503, "UNAVAILABLE");
        expect(problem.detail).toMatch(/Postgres/);
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      });
    }
});
