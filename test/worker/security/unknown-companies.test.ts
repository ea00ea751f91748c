// Finding 4 (the audit's 5th): unauthenticated callers cannot make Postgres work for them.
// An unknown company id costs one query, then is remembered as unknown (for as long as a known
// company is remembered); a flood of random ids can only push out other unknown ids, never a
// real company; the deep health check (which queries Postgres) is for admins.
import { describe, expect, it } from "vitest";
import { findCompany } from "../../../src/catalog/lookup";
import type { Database } from "../../../src/db/client";
import { IsolateCache } from "../../../src/lib/isolate-cache";
import { api, apiWithEnv, bearer, problemOf, signToken } from "../../support/app";
import { createCompany } from "../../support/catalog";

const DEAD_DATABASE = { DATABASE_URL: "postgres://nobody:x@127.0.0.1:1/none" };

/** A database handle that must not be used. */
const unreachable = (): Database => {
  throw new Error("Postgres was asked");
};

/** A "Postgres" that knows no company, counting its queries (the company query is the only one a miss makes). */
function emptyDatabase() {
  const counter = { queries: 0 };
  const db = () =>
    ({
      select: () => ({
        from: () => ({
          where: async () => {
            counter.queries += 1;
            return [];
          },
        }),
      }),
    }) as unknown as Database;
  return { db, counter };
}

describe("unknown company ids", () => {
  it("after the first miss, the same unknown id is a 404 without Postgres", async () => {
    const unknown = crypto.randomUUID();
    await problemOf(await api("/api/public/cart", { headers: { "x-company-id": unknown } }), 404, "NOT_FOUND");
    const again = await apiWithEnv(DEAD_DATABASE, "/api/public/cart", { headers: { "x-company-id": unknown } });
    await problemOf(again, 404, "NOT_FOUND");
    // The same id in another letter case is the same id.
    const upper = await apiWithEnv(DEAD_DATABASE, "/api/public/cart", {
      headers: { "x-company-id": unknown.toUpperCase() },
    });
    await problemOf(upper, 404, "NOT_FOUND");
  });

  it("a flood of random company ids does not push a real company out of the cache", async () => {
    const company = await createCompany();
    const warm = await api("/api/public/site", { headers: { "x-company-id": company.companyId } });
    expect(warm.status).toBe(200);

    const { db, counter } = emptyDatabase();
    const flood = Array.from({ length: 20_000 }, () => crypto.randomUUID());
    for (let start = 0; start < flood.length; start += 500) {
      await Promise.all(flood.slice(start, start + 500).map((id) => findCompany(db, id)));
    }
    expect(counter.queries).toBe(flood.length);

    // The real company is still served from memory: no Postgres needed.
    expect((await findCompany(unreachable, company.companyId))?.id).toBe(company.companyId);
    const served = await apiWithEnv(DEAD_DATABASE, "/api/public/site", {
      headers: { "x-company-id": company.companyId },
    });
    expect(served.status, await served.text()).toBe(200);
    // The most recent unknown ids are remembered too.
    const last = flood.at(-1) as string;
    expect(await findCompany(unreachable, last)).toBeNull();
  });

  it("an unknown id that keeps being asked for stays remembered while the flood passes (LRU)", async () => {
    const { db, counter } = emptyDatabase();
    const pinned = crypto.randomUUID();
    expect(await findCompany(db, pinned)).toBeNull();
    for (let round = 0; round < 40; round += 1) {
      await Promise.all(Array.from({ length: 500 }, () => findCompany(db, crypto.randomUUID())));
      expect(await findCompany(unreachable, pinned)).toBeNull();
    }
    expect(counter.queries).toBe(1 + 40 * 500);
  });
});

describe("IsolateCache with a separate bound for misses", () => {
  it("misses live missTtlMs, are bounded by maxMisses, and never evict a value", () => {
    const cache = new IsolateCache<string | null>(30_000, 3, { missTtlMs: 30_000, maxMisses: 5 });
    const t0 = Date.now();
    cache.set("real", "value", t0);
    for (let index = 0; index < 100; index += 1) cache.set(`miss-${index}`, null, t0);
    expect(cache.get("real", t0)).toBe("value");
    expect(cache.get("miss-99", t0 + 29_000)).toBeNull();
    expect(cache.get("miss-0", t0)).toBeUndefined();
  });

  it("a key that turns out to exist replaces its miss", () => {
    const cache = new IsolateCache<string | null>(30_000, 3, { missTtlMs: 30_000, maxMisses: 5 });
    cache.set("k", null);
    cache.set("k", "found");
    for (let index = 0; index < 10; index += 1) cache.set(`miss-${index}`, null);
    expect(cache.get("k")).toBe("found");
  });
});

describe("GET /api/health?deep=1", () => {
  it("is admin-only: 401 without a token, 403 for other roles", async () => {
    const company = await createCompany();
    await problemOf(await api("/api/health?deep=1"), 401, "UNAUTHORIZED");
    await problemOf(await api("/api/health?deep=true"), 401, "UNAUTHORIZED");
    for (const role of ["service", "customer"]) {
      const token = await signToken({ role, companyId: company.companyId, customerId: crypto.randomUUID() });
      await problemOf(await api("/api/health?deep=1", { headers: bearer(token) }), 403, "FORBIDDEN");
    }
  });

  it("answers an admin with the Postgres check", async () => {
    const company = await createCompany();
    const token = await signToken({ role: "admin", companyId: company.companyId });
    const response = await api("/api/health?deep=1", { headers: bearer(token) });
    expect(response.status).toBe(200);
    const body = await response.json<{ checks: { postgres: { status: string } } }>();
    expect(body.checks.postgres.status).toBe("ok");
  });

  it("the plain liveness check stays open and never touches Postgres", async () => {
    for (const deep of ["", "?deep=0", "?deep=false"]) {
      const response = await apiWithEnv(DEAD_DATABASE, `/api/health${deep}`);
      expect(response.status).toBe(200);
    }
  });
});
