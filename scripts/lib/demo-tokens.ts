// Long-lived demo JWTs for local development: an admin, the demo customer and a service
// caller of the demo company, signed HS256 with the local dev secret that `npm run dev`
// writes into .dev.vars. Never use this secret (or these tokens) anywhere real.
import { SignJWT } from "jose";
import { DEMO_COMPANY_ID, DEMO_CUSTOMER_ID } from "./demo-data.ts";

export const DEV_JWT_SECRET = "crosscart-local-dev-secret-do-not-use-in-production";
/** Signs anonymous session tokens on local stacks (SESSION_TOKEN_KEY). */
export const DEV_SESSION_TOKEN_KEY = "crosscart-local-dev-session-key-do-not-use-in-production";

export const DEMO_ADMIN_SUBJECT = "demo-admin";
export const DEMO_SERVICE_SUBJECT = "demo-service";

const TEN_YEARS_SECONDS = 10 * 365 * 24 * 60 * 60;

export interface DemoTokens {
  admin: string;
  customer: string;
  service: string;
}

export interface MintOptions {
  companyId?: string;
  customerId?: string;
  /** added as `iss` when the API is configured with JWT_ISSUER */
  issuer?: string;
  /** added as `aud` when the API is configured with JWT_AUDIENCE */
  audience?: string;
  /** seconds since the epoch; default now */
  issuedAt?: number;
}

export async function mintDemoTokens(secret: string = DEV_JWT_SECRET, options: MintOptions = {}): Promise<DemoTokens> {
  const companyId = options.companyId ?? DEMO_COMPANY_ID;
  const customerId = options.customerId ?? DEMO_CUSTOMER_ID;
  const key = new TextEncoder().encode(secret);
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);

  const sign = (sub: string, claims: Record<string, string>) => {
    const jwt = new SignJWT({ companyId, ...claims })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(sub)
      .setIssuedAt(iat)
      .setExpirationTime(iat + TEN_YEARS_SECONDS);
    if (options.issuer) jwt.setIssuer(options.issuer);
    if (options.audience) jwt.setAudience(options.audience);
    return jwt.sign(key);
  };

  const [admin, customer, service] = await Promise.all([
    sign(DEMO_ADMIN_SUBJECT, { role: "admin" }),
    sign(customerId, { role: "customer", customerId }),
    sign(DEMO_SERVICE_SUBJECT, { role: "service" }),
  ]);
  return { admin, customer, service };
}
