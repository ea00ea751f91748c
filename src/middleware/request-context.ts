import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { openDatabase } from "../db/client";
import { loadConfig } from "../lib/config";
import { createLogger } from "../lib/logger";
import type { AppEnv } from "../types";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Per-request services: request id (accepted from the caller when well-formed), logger,
 * configuration and a lazily opened database. Ends with one structured log line (never a
 * token or JWT: only route, status, duration, ids and the error code) and a metric.
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
    const line = {
      method: c.req.method,
      route: routePath(c),
      status: c.res.status,
      durationMs: Date.now() - started,
      companyId: c.get("companyId"),
      errorCode: c.get("errorCode"),
    };
    logger.info("request", line);
    // The same facts as a metric (Workers Analytics Engine) where the binding exists; the
    // runbook's latency and error-rate alerts are queries over this dataset.
    c.env.METRICS?.writeDataPoint({
      indexes: [line.companyId ?? "none"],
      blobs: [line.route, line.method, String(line.status), line.errorCode ?? "", line.companyId ?? ""],
      doubles: [line.durationMs, line.status],
    });
  }
});
