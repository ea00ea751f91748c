import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { openDatabase } from "../db/client";
import { loadConfig } from "../lib/config";
import { createLogger } from "../lib/logger";
import type { AppEnv } from "../types";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Per-request services: request id (accepted from the caller when well-formed), logger,
 * configuration and a lazily opened database. Ends with one structured log line.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  const incoming = c.req.header("x-request-id");
  const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
  const logger = createLogger({ requestId });
  c.set("requestId", requestId);
  c.set("logger", logger);

  let close: (() => Promise<void>) | undefined;
  try {
    const config = loadConfig(c.env as unknown as Record<string, unknown>);
    c.set("config", config);
    let database: ReturnType<typeof openDatabase> | undefined;
    c.set("db", () => {
      database ??= openDatabase({ databaseUrl: config.DATABASE_URL, wsProxy: config.DATABASE_WS_PROXY });
      close = database.close;
      return database.db;
    });
    await next();
  } finally {
    c.header("x-request-id", requestId);
    if (close) c.executionCtx.waitUntil(close());
    logger.info("request", {
      method: c.req.method,
      route: routePath(c),
      status: c.res.status,
      durationMs: Date.now() - started,
      companyId: c.get("companyId"),
    });
  }
});
