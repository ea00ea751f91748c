import { createMiddleware } from "hono/factory";
import type { SessionAddress } from "../../durable-objects/contract";
import { ApiError } from "../lib/errors";
import type { AppEnv } from "../types";

/** The limiters' period (wrangler.toml); a refused client may retry after it. */
const RETRY_AFTER_SECONDS = 60;

const tooManyRequests = (what: string) =>
  new ApiError("RATE_LIMITED", `Too many requests for this ${what}; retry after ${RETRY_AFTER_SECONDS} s`, {
    headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
  });

// Loopback callers are the local stack (wrangler dev, the benchmark); in production every
// request carries the client's address in CF-Connecting-IP.
const LOOPBACK = new Set(["127.0.0.1", "::1"]);

/** Per client IP, on every API request. */
export const rateLimitByIp = createMiddleware<AppEnv>(async (c, next) => {
  const ip = c.req.header("cf-connecting-ip");
  if (ip && !LOOPBACK.has(ip)) {
    const { success } = await c.env.IP_RATE_LIMITER.limit({ key: `ip:${ip}` });
    if (!success) throw tooManyRequests("address");
  }
  await next();
});

/** Per shopper session; called by sessionCall, the one door to every session. */
export async function rateLimitSession(env: Env, address: SessionAddress): Promise<void> {
  const key = address.kind === "anonymous" ? `s:${address.tokenHash}` : `c:${address.companyId}:${address.customerId}`;
  const { success } = await env.SESSION_RATE_LIMITER.limit({ key });
  if (!success) throw tooManyRequests("session");
}
