import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ProblemSchema } from "../../../src/lib/openapi";
import { apiWithEnv, bearer, signToken } from "../../support/app";
import { createCompany } from "../../support/catalog";

describe("rate limits", () => {
  it("a session over its limit gets 429 RATE_LIMITED with Retry-After", async () => {
    const { companyId } = await createCompany();
    const token = await signToken({ role: "customer", companyId, customerId: crypto.randomUUID() });
    const limited = { SESSION_RATE_LIMITER: env.TIGHT_SESSION_LIMITER };
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      statuses.push((await apiWithEnv(limited, "/api/cart", { headers: bearer(token) })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await apiWithEnv(limited, "/api/cart", { headers: bearer(token) });
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(ProblemSchema.parse(await refused.json()).code).toBe("RATE_LIMITED");
    // Another session is not affected.
    const other = await signToken({ role: "customer", companyId, customerId: crypto.randomUUID() });
    expect((await apiWithEnv(limited, "/api/cart", { headers: bearer(other) })).status).toBe(200);
  });

  it("a client IP over its limit gets 429; loopback (the local stack) is not limited", async () => {
    const limited = { IP_RATE_LIMITER: env.TIGHT_IP_LIMITER };
    const from = (ip: string) => apiWithEnv(limited, "/api/health", { headers: { "cf-connecting-ip": ip } });
    const statuses = [];
    for (let attempt = 0; attempt < 4; attempt++) statuses.push((await from("203.0.113.7")).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await from("203.0.113.8")).status).toBe(200);
    for (let attempt = 0; attempt < 5; attempt++) expect((await from("127.0.0.1")).status).toBe(200);
  });
});
