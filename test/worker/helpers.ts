import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { SignJWT } from "jose";
import { createApp } from "../../src/app";
import { openDatabase } from "../../src/db/client";
import { companies, sites } from "../../src/db/schema";
import { TEST_JWT_SECRET } from "../constants";

export const BASE = "http://crosscart.test";

/** Calls the real Worker entrypoint (same isolate) like a storefront would. */
export function api(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

/** Calls a fresh app with some bindings replaced — for configuration tests. */
export async function apiWithEnv(overrides: Record<string, unknown>, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const response = await createApp().fetch(new Request(`${BASE}${path}`, init), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export interface TokenClaims {
  sub?: string;
  companyId?: string;
  role?: string;
  customerId?: string;
  [claim: string]: unknown;
}

/** A HS256 token signed with the test secret; `exp` 1 h ahead unless `expiresIn: null`. */
export async function signToken(
  claims: TokenClaims,
  options: { secret?: string; expiresIn?: string | number | null; issuer?: string; audience?: string } = {},
): Promise<string> {
  const jwt = new SignJWT({ sub: "user-1", ...claims }).setProtectedHeader({ alg: "HS256" }).setIssuedAt();
  if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? "1h");
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A real Postgres handle for arranging and asserting test data. */
export function testDatabase() {
  return openDatabase({ databaseUrl: env.DATABASE_URL, wsProxy: env.DATABASE_WS_PROXY });
}

export interface TestCompany {
  companyId: string;
  siteIds: [string, string];
}

/** A fresh company with two active sites (the first is the default and has compare enabled). */
export async function createTestCompany(): Promise<TestCompany> {
  const companyId = crypto.randomUUID();
  const siteIds: [string, string] = [crypto.randomUUID(), crypto.randomUUID()];
  const { db, close } = testDatabase();
  try {
    await db.insert(companies).values({ id: companyId, name: "Test Co", slug: `test-${companyId}` });
    await db.insert(sites).values([
      {
        id: siteIds[0],
        companyId,
        name: "Site A",
        domain: "a.test",
        baseUrl: "https://a.test",
        currency: "USD",
        isDefault: true,
        enableCompare: true,
      },
      { id: siteIds[1], companyId, name: "Site B", domain: "b.test", baseUrl: "https://b.test", currency: "USD" },
    ]);
  } finally {
    await close();
  }
  return { companyId, siteIds };
}

/**
 * Takes the test database "down" for real: the WebSocket proxy between the Worker and
 * Postgres drops every connection and refuses new ones until `databaseUp()`.
 */
export async function databaseDown(): Promise<void> {
  await fetch(`http://${env.DATABASE_WS_PROXY}/__outage`, { method: "POST" });
}

export async function databaseUp(): Promise<void> {
  await fetch(`http://${env.DATABASE_WS_PROXY}/__outage`, { method: "DELETE" });
}
