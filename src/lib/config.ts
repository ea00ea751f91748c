import { z } from "zod";
import { ApiError } from "./errors";

// Unset variables arrive as undefined in production and as "" from .dev.vars templates.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

/** A whole number of `unit` from `min` to `max`, from a string variable; each error names the variable. */
const wholeNumber = (name: string, unit: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number of ${unit}` })
    .int(`${name} must be a whole number of ${unit}`)
    .min(min, `${name} must be ${min} to ${max} ${unit}`)
    .max(max, `${name} must be ${min} to ${max} ${unit}`);

/** Environments that face real shoppers: their issuer, audience and origins must be spelled out. */
const DEPLOYED = new Set(["staging", "production"]);

/** `https://shop.example` or `http://localhost:3000`: a scheme, a host, maybe a port, nothing else. */
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

const ConfigSchema = z
  .object({
    NODE_ENV: optional(z.enum(["development", "test", "staging", "production"])).default("production"),
    DATABASE_URL: z
      .string({ error: "DATABASE_URL is required (a Postgres connection string)" })
      .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// connection string"),
    DATABASE_WS_PROXY: optional(z.string()),
    JWT_SECRET: optional(z.string().min(32, "JWT_SECRET must be at least 32 characters")),
    JWKS_URL: optional(z.url({ error: "JWKS_URL must be an https URL" })),
    /**
     * Signs anonymous session tokens, so the Worker can vouch for one without asking its
     * session (src/lib/session-tokens.ts). Changing it costs only sessions never used yet.
     */
    SESSION_TOKEN_KEY: z
      .string({ error: "SESSION_TOKEN_KEY is required (a random secret of at least 32 characters)" })
      .min(32, "SESSION_TOKEN_KEY must be at least 32 characters"),
    JWT_ISSUER: optional(z.string()),
    JWT_AUDIENCE: optional(z.string()),
    COMPANY_PORTAL_URL: optional(z.url()).default("http://localhost:3003"),
    /** Unset means `*`, which only development and test accept (see the checks below). */
    CORS_ORIGINS: optional(z.string()),
    ANALYTICS_STATEMENT_TIMEOUT_MS: optional(
      wholeNumber("ANALYTICS_STATEMENT_TIMEOUT_MS", "milliseconds", 1, 600_000),
    ).default(5_000),
    /**
     * Development only: the demo admin's JWT that `npm run dev` (and the e2e stack) hand the
     * Worker, so the plain /dashboard URL opens with figures (GET /api/dev/dashboard). Ignored
     * in every other NODE_ENV: that route is a 404 there.
     */
    DEV_DASHBOARD_TOKEN: optional(z.string()),
    /** A customer's cross-site token expires this long after its last use (sliding). */
    CROSS_SITE_TOKEN_TTL_DAYS: optional(wholeNumber("CROSS_SITE_TOKEN_TTL_DAYS", "days", 1, 365)).default(30),
    /**
     * Seconds after a send that moved anything forward until the session sends the same
     * versions once more (the confirming send, design 18). Only where Queues hold messages in
     * memory (`wrangler dev`, the tests: a killed runtime loses them); unset (0, off) where they
     * are Cloudflare's, which keep what they took — there it would double every session's
     * messages and consumer work for nothing (design 102).
     */
    REPLICATION_CONFIRM_AFTER_SECONDS: optional(
      wholeNumber("REPLICATION_CONFIRM_AFTER_SECONDS", "seconds", 0, 3_600),
    ).default(0),
  })
  .superRefine((config, ctx) => {
    if (!config.JWT_SECRET && !config.JWKS_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["JWT_SECRET"],
        message: "JWT_SECRET or JWKS_URL is required to verify tokens",
      });
    }
    const origins = (config.CORS_ORIGINS ?? "*").split(",").map((entry) => entry.trim());
    const bad = origins.filter((origin) => origin !== "*" && !ORIGIN.test(origin));
    if (bad.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["CORS_ORIGINS"],
        message: `CORS_ORIGINS must list origins such as https://shop.example, comma-separated (not: ${bad.join(", ")})`,
      });
    }
    if (!DEPLOYED.has(config.NODE_ENV)) return;
    // A deployed API checks who issued a token and for whom, and names the pages that may
    // call it; leaving any of these to a default would accept too much without saying so.
    for (const name of ["JWT_ISSUER", "JWT_AUDIENCE"] as const) {
      if (!config[name]) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `${name} is required in ${config.NODE_ENV} (tokens must name the expected ${name === "JWT_ISSUER" ? "issuer" : "audience"})`,
        });
      }
    }
    if (!config.CORS_ORIGINS || origins.includes("*")) {
      ctx.addIssue({
        code: "custom",
        path: ["CORS_ORIGINS"],
        message: `CORS_ORIGINS must list the allowed origins explicitly in ${config.NODE_ENV} ('*' is for development only)`,
      });
    }
  })
  .transform(({ CORS_ORIGINS, ...config }) => ({
    ...config,
    /** The allowed origins; `["*"]` (any origin) only outside staging and production. */
    corsOrigins: (CORS_ORIGINS ?? "*").split(",").map((entry) => entry.trim()),
  }));

export type Config = z.infer<typeof ConfigSchema>;

// Isolate-lifetime cache: `env` is the same object for every request of an isolate, so
// the configuration is parsed once per isolate, not per request.
const parsed = new WeakMap<object, Config>();

/** Parses the Worker's bindings; a missing or bad variable is a 500 that names it. */
export function loadConfig(env: Record<string, unknown>): Config {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ApiError("INTERNAL", `Server misconfigured: ${problems.join("; ")}`);
  }
  parsed.set(env, result.data);
  return result.data;
}
