// Calling the Worker as a storefront or an admin would: requests through the real entrypoint,
// signed JWTs, and parsers that assert the status and the body's schema together.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { SignJWT } from "jose";
import { expect } from "vitest";
import { z } from "zod";
import { createApp } from "../../src/app";
import { ProblemSchema } from "../../src/lib/openapi";
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

export const jsonHeaders = { "content-type": "application/json" };

/** Sends a request with these headers; a JSON body when given. */
export function request(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  return api(path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : jsonHeaders) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

// ── Tokens ───────────────────────────────────────────────────────────────────

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

export const customerToken = (companyId: string, customerId: string) =>
  signToken({ companyId, role: "customer", customerId, sub: `customer-${customerId}` });

/** A token for the company in this role (a customer gets a fresh customer id). */
export const tokenFor = (companyId: string, role = "service") =>
  signToken({ companyId, role, ...(role === "customer" ? { customerId: crypto.randomUUID() } : {}) });

/** A catalog feed write: PUT /api/catalog/{resource} with a JSON body, as the token's holder. */
export const putCatalog = (resource: string, body: unknown, token?: string) =>
  request("PUT", `/api/catalog/${resource}`, token ? bearer(token) : {}, body);

// ── Responses ────────────────────────────────────────────────────────────────

export type Problem = z.infer<typeof ProblemSchema>;

/** A problem document with the `version` a 412 carries. */
export const VersionProblemSchema = ProblemSchema.extend({ version: z.number().int() });

/** Asserts the status and a JSON content type, and parses the body with the route's schema. */
export async function bodyOf<T extends z.ZodType>(response: Response, status: number, schema: T): Promise<z.infer<T>> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return schema.parse(JSON.parse(text));
}

/** Asserts a problem+json response with this status (and code) and parses it. */
export async function problemOf(response: Response, status: number, code?: Problem["code"]): Promise<Problem> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = ProblemSchema.parse(JSON.parse(text));
  if (code) expect(problem.code).toBe(code);
  return problem;
}
