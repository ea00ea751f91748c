import { swaggerUI } from "@hono/swagger-ui";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { isDatabaseUnavailable } from "./db/errors";
import { ApiError, type ErrorCode } from "./lib/errors";
import { PROBLEM_CONTENT_TYPE, problem } from "./lib/problem";
import { createRouter } from "./lib/router";
import { authenticate, requireRole } from "./middleware/auth";
import { requireJsonBody } from "./middleware/json-body";
import { publicSession } from "./middleware/public-session";
import { rateLimitByIp } from "./middleware/rate-limit";
import { requestContext } from "./middleware/request-context";
import { customerShopper } from "./middleware/shopper";
import { analytics } from "./modules/analytics";
import { customerCart, publicCart } from "./modules/cart";
import { catalog } from "./modules/catalog";
import { customerComparison, publicComparison } from "./modules/comparison";
import { conversion } from "./modules/conversion";
import { customerSessions, live, publicSessions } from "./modules/cross-site";
import { deepHealthIsAdminOnly, health } from "./modules/health";
import { privacy } from "./modules/privacy";
import { replication } from "./modules/replication";
import { site } from "./modules/site";
import { customerWishlist, publicWishlist } from "./modules/wishlist";
import type { AppEnv } from "./types";
import { VERSION } from "./version";

const MAX_BODY_BYTES = 64 * 1024;

// Statuses Hono itself raises (malformed JSON, wrong method…) mapped into our closed set.
const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: "VALIDATION_FAILED",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
  503: "UNAVAILABLE",
};

/** A signed-in customer's routes: a JWT, then that customer's shopper session. */
const CUSTOMER_PREFIXES = ["/api/cart", "/api/wishlist", "/api/comparison", "/api/cross-site-session"];

/** Every router, by where it is mounted (in the order of the OpenAPI document). */
/** A Postgres outage is usually a failover or a cold start: seconds, not minutes. */
const DATABASE_RETRY_AFTER_SECONDS = 2;

const ROUTERS = {
  "/api/health": health,
  "/api/public/site": site,
  "/api/cart": customerCart,
  "/api/public/cart": publicCart,
  "/api/wishlist": customerWishlist,
  "/api/public/wishlist": publicWishlist,
  "/api/comparison": customerComparison,
  "/api/public/comparison": publicComparison,
  "/api/cross-site-session": customerSessions,
  "/api/public/session": publicSessions,
  "/api/live": live,
  "/api/catalog": catalog,
  "/api/analytics/ecommerce": analytics,
  "/api/admin/replication": replication,
  "/api/platform/carts": conversion,
  "/api/privacy": privacy,
};

export function createApp() {
  const app = createRouter();

  app.use("*", requestContext);
  app.use(
    "/api/*",
    cors({
      origin: (origin, c: Context<AppEnv>) => {
        const allowed = c.var.config.corsOrigins;
        return allowed.includes("*") || allowed.includes(origin) ? origin : null;
      },
      allowHeaders: [
        "Authorization",
        "Content-Type",
        "Idempotency-Key",
        "If-Match",
        "x-company-id",
        "x-site-id",
        "x-session-token",
        "x-request-id",
      ],
      exposeHeaders: ["ETag", "x-request-id", "Retry-After"],
      maxAge: 600,
    }),
  );
  app.use("/api/*", rateLimitByIp);
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError("PAYLOAD_TOO_LARGE", `The request body is larger than ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );
  app.use("/api/*", requireJsonBody);

  for (const prefix of CUSTOMER_PREFIXES) {
    app.use(prefix, authenticate, customerShopper);
    app.use(`${prefix}/*`, authenticate, customerShopper);
  }
  app.use("/api/health", deepHealthIsAdminOnly);
  app.use("/api/analytics/*", authenticate, requireRole("admin"));
  app.use("/api/admin/*", authenticate, requireRole("admin"));
  app.use("/api/catalog/*", authenticate, requireRole("admin", "service"));
  app.use("/api/platform/*", authenticate, requireRole("service"));
  app.use("/api/privacy/customers/*", authenticate, requireRole("admin", "service"));
  app.use("/api/privacy/requests", authenticate, requireRole("admin"));
  app.use("/api/public/*", publicSession);

  for (const [path, router] of Object.entries(ROUTERS)) app.route(path, router);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.doc31("/api/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "crosscart",
      version: VERSION,
      description:
        "Carts, wishlists, product comparisons and cross-site shopper sessions at the edge. Errors are RFC 9457 problem+json.",
    },
  });
  // Swagger UI's script and styles are static assets of this Worker (public/vendor/swagger-ui-dist/),
  // not a CDN's, so the page works offline; the online validator badge is off for the same reason.
  app.get(
    "/api/docs",
    swaggerUI({ url: "/api/openapi.json", baseUrl: "/vendor", validatorUrl: "none", title: "crosscart API" }),
  );

  // Development only (the local stack of `npm run dev` and the e2e tests): the demo admin's
  // token for the dashboard's plain URL. Not in the OpenAPI document; in test, staging and
  // production it is the same 404 as any unknown route, whatever the variables say.
  app.get("/api/dev/dashboard", (c) => {
    const { NODE_ENV, DEV_DASHBOARD_TOKEN } = c.var.config;
    if (NODE_ENV !== "development" || !DEV_DASHBOARD_TOKEN) {
      return renderProblem(c, new ApiError("NOT_FOUND", `No route for GET ${new URL(c.req.url).pathname}`));
    }
    c.header("Cache-Control", "no-store");
    return c.json({ token: DEV_DASHBOARD_TOKEN });
  });

  app.notFound((c) =>
    renderProblem(c, new ApiError("NOT_FOUND", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`)),
  );

  app.onError((error, c) => {
    let apiError: ApiError;
    if (error instanceof ApiError) {
      apiError = error;
    } else if (error instanceof HTTPException && error.status < 500) {
      apiError = new ApiError(CODE_FOR_STATUS[error.status] ?? "VALIDATION_FAILED", error.message || "Bad request");
    } else if (isDatabaseUnavailable(error)) {
      // An outage, not a bug, whichever route met it: nothing was committed, the caller retries.
      apiError = new ApiError("UNAVAILABLE", "Postgres could not be reached; retry shortly", {
        cause: error,
        headers: { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) },
      });
    } else {
      apiError = new ApiError("INTERNAL", "An unexpected error occurred", { cause: error });
    }
    if (apiError.status >= 500) {
      // The cause, not the generic 500 wrapping it; the logger keeps its own causes (drizzle wraps the driver's).
      c.get("logger")?.error("request failed", {
        code: apiError.code,
        detail: apiError.detail,
        error: apiError.cause ?? error,
      });
    }
    return renderProblem(c, apiError);
  });

  return app;
}

/** The only place an error becomes a response: RFC 9457 problem+json with the request id. */
function renderProblem(c: Context<AppEnv>, error: ApiError): Response {
  const requestId = c.get("requestId") ?? crypto.randomUUID();
  c.set("errorCode", error.code);
  const body = problem(error.code, error.detail, requestId, error.errors, error.extensions);
  return c.body(JSON.stringify(body), error.status, {
    ...error.headers,
    "Content-Type": PROBLEM_CONTENT_TYPE,
    "x-request-id": requestId,
  });
}

export type App = ReturnType<typeof createApp>;
