import { z } from "zod";
import { ApiError } from "./errors";

// Unset variables arrive as undefined in production and as "" from .dev.vars templates.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const ConfigSchema = z
  .object({
    NODE_ENV: optional(z.enum(["development", "test", "staging", "production"])).default("production"),
    DATABASE_URL: z
      .string({ error: "DATABASE_URL is required (a Postgres connection string)" })
      .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// connection string"),
    DATABASE_WS_PROXY: optional(z.string()),
    JWT_SECRET: optional(z.string().min(32, "JWT_SECRET must be at least 32 characters")),
    JWKS_URL: optional(z.url({ error: "JWKS_URL must be an https URL" })),
    JWT_ISSUER: optional(z.string()),
    JWT_AUDIENCE: optional(z.string()),
    COMPANY_PORTAL_URL: optional(z.url()).default("http://localhost:3003"),
    CORS_ORIGINS: optional(z.string()).default("*"),
    /** A customer's cross-site token expires this long after its last use (sliding). */
    CROSS_SITE_TOKEN_TTL_DAYS: optional(
      z.coerce
        .number({ error: "CROSS_SITE_TOKEN_TTL_DAYS must be a number of days" })
        .int("CROSS_SITE_TOKEN_TTL_DAYS must be a whole number of days")
        .min(1, "CROSS_SITE_TOKEN_TTL_DAYS must be 1 to 365")
        .max(365, "CROSS_SITE_TOKEN_TTL_DAYS must be 1 to 365"),
    ).default(30),
  })
  .refine((config) => config.JWT_SECRET || config.JWKS_URL, {
    message: "JWT_SECRET or JWKS_URL is required to verify tokens",
    path: ["JWT_SECRET"],
  });

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
