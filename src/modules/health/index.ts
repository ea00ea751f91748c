import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { ApiError } from "../../lib/errors";
import { jsonContent, problemResponses } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
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

export const health = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    summary: "Liveness (and with deep=1, Postgres reachability)",
    request: { query: z.object({ deep: z.enum(["0", "1", "true", "false"]).optional() }) },
    responses: { 200: jsonContent(HealthSchema, "The API is up"), ...problemResponses(400, 503) },
  }),
  async (c) => {
    const { deep } = c.req.valid("query");
    const body: z.infer<typeof HealthSchema> = { status: "ok", version: VERSION, time: new Date().toISOString() };
    if (deep === "1" || deep === "true") {
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
