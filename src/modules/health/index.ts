import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { ApiError } from "../../lib/errors";
import { bearerAuth, jsonContent, problemResponses } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { authenticate, requireRole } from "../../middleware/auth";
import type { AppEnv } from "../../types";
import { VERSION } from "../../version";

const HealthSchema = z
  .object({
    status: z.literal("ok"),
    version: z.string(),
    time: z.string(),
    checks: z.object({ postgres: z.object({ status: z.literal("ok"), latencyMs: z.number() }) }).optional(),
  })
  .openapi("Health");

const DEEP_CHECK_TIMEOUT_MS = 3_000;

const isDeep = (deep: string | undefined) => deep === "1" || deep === "true";

/**
 * The deep check opens a Postgres connection: it is for admins (a JWT with role admin), so an
 * anonymous caller cannot make the API open connections at will. Plain liveness stays open
 * (load balancers and the runbook's health-check script call it without a token).
 */
export const deepHealthIsAdminOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (!isDeep(c.req.query("deep"))) {
    await next();
    return;
  }
  await authenticate(c, async () => {
    await requireRole("admin")(c, next);
  });
});

export const health = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    summary: "Liveness (and with deep=1, for admins, Postgres reachability)",
    description: "Open to anyone; `deep=1` (or `true`) needs an admin JWT and also checks that Postgres answers.",
    security: [{}, ...bearerAuth],
    request: { query: z.object({ deep: z.enum(["0", "1", "true", "false"]).optional() }) },
    responses: { 200: jsonContent(HealthSchema, "The API is up"), ...problemResponses(400, 401, 403, 503) },
  }),
  async (c) => {
    const { deep } = c.req.valid("query");
    const body: z.infer<typeof HealthSchema> = { status: "ok", version: VERSION, time: new Date().toISOString() };
    if (isDeep(deep)) {
      const started = Date.now();
      try {
        await Promise.race([
          c.var.db().execute(sql`select 1`),
          new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), DEEP_CHECK_TIMEOUT_MS)),
        ]);
      } catch (error) {
        throw new ApiError("UNAVAILABLE", "Postgres is not reachable", { cause: error });
      }
      body.checks = { postgres: { status: "ok", latencyMs: Date.now() - started } };
    }
    c.header("Cache-Control", "no-store");
    return c.json(body, 200);
  },
);
