import { createMiddleware } from "hono/factory";
import { createRemoteJWKSet, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from "jose";
import { z } from "zod";
import type { Config } from "../lib/config";
import { ApiError } from "../lib/errors";
import { Id } from "../lib/ids";
import { hmacKey } from "../lib/tokens";
import type { AppEnv } from "../types";

export const AuthClaimsSchema = z.discriminatedUnion("role", [
  z.object({ role: z.literal("customer"), sub: z.string().min(1), companyId: Id, customerId: Id }),
  z.object({
    role: z.enum(["admin", "service"]),
    sub: z.string().min(1),
    companyId: Id,
    customerId: Id.optional(),
  }),
]);
export type AuthClaims = z.infer<typeof AuthClaimsSchema>;
export type Role = AuthClaims["role"];

// Algorithms are pinned: a token signed any other way (including `alg: none`) is refused.
const SECRET_ALGORITHMS = ["HS256"];
const JWKS_ALGORITHMS = ["RS256", "ES256", "EdDSA"];

// Isolate-lifetime cache of remote key sets: jose fetches and caches the keys itself, on
// first use inside a request, so keeping the getter between requests holds no I/O object.
const keySets = new Map<string, JWTVerifyGetKey>();

const unauthorized = (detail: string, cause?: unknown) =>
  new ApiError("UNAUTHORIZED", detail, {
    headers: { "WWW-Authenticate": 'Bearer realm="crosscart", error="invalid_token"' },
    cause,
  });

export async function verifyToken(token: string, config: Config): Promise<AuthClaims> {
  const options = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, requiredClaims: ["exp", "sub"] };
  let payload: unknown;
  try {
    if (config.JWKS_URL) {
      let keySet = keySets.get(config.JWKS_URL);
      if (!keySet) {
        keySet = createRemoteJWKSet(new URL(config.JWKS_URL));
        keySets.set(config.JWKS_URL, keySet);
      }
      ({ payload } = await jwtVerify(token, keySet, { ...options, algorithms: JWKS_ALGORITHMS }));
    } else {
      // A CryptoKey imported once: given raw bytes, jose would import them on every verification.
      const secret = await hmacKey(config.JWT_SECRET as string, "SHA-256", "verify");
      ({ payload } = await jwtVerify(token, secret, { ...options, algorithms: SECRET_ALGORITHMS }));
    }
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw unauthorized("The token has expired", error);
    if (error instanceof joseErrors.JOSEError) throw unauthorized("The token is not valid", error);
    throw error;
  }
  const claims = AuthClaimsSchema.safeParse(payload);
  if (!claims.success) {
    const missing = claims.error.issues.map((issue) => issue.path.join(".") || "role").join(", ");
    throw unauthorized(`The token's claims are incomplete or malformed (${missing})`);
  }
  return claims.data;
}

/** Requires `Authorization: Bearer <JWT>`; sets `auth` and the log's company id. */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) {
    throw new ApiError("UNAUTHORIZED", "A bearer token is required", {
      headers: { "WWW-Authenticate": 'Bearer realm="crosscart"' },
    });
  }
  const claims = await verifyToken(match[1], c.var.config);
  c.set("auth", claims);
  c.set("companyId", claims.companyId);
  await next();
});

/** 403 unless the authenticated caller has one of `roles`. Mount after `authenticate`. */
export const requireRole = (...roles: Role[]) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!roles.includes(c.var.auth.role)) {
      throw new ApiError("FORBIDDEN", `This route needs the role ${roles.join(" or ")}`);
    }
    await next();
  });
