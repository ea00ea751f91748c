import { createMiddleware } from "hono/factory";
import { ApiError } from "../lib/errors";
import type { AppEnv } from "../types";

/** `application/json`, any letter case, optionally with parameters such as `; charset=utf-8`. */
const JSON_MEDIA_TYPE = /^application\/json\s*(;.*)?$/i;

const MUTATIONS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** A request carries a body when it says so (Content-Length > 0, or chunked), or has a stream. */
function hasBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null) return Number(length) > 0;
  return request.headers.has("transfer-encoding") || request.body !== null;
}

/**
 * A mutation with a body must send it as `application/json`: anything else (a form, text/plain,
 * a `+json` variant, no type at all) is a 415 before any handler reads it. A cross-site form
 * can send a body only as a form or text/plain without a CORS preflight; refusing those keeps
 * such a form from making changes with every field defaulted. Bodiless calls (DELETE, a POST
 * that takes nothing) need no Content-Type.
 */
export const requireJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (MUTATIONS.has(c.req.method) && hasBody(c.req.raw)) {
    const type = c.req.header("content-type");
    if (!type || !JSON_MEDIA_TYPE.test(type.trim())) {
      throw new ApiError(
        "UNSUPPORTED_MEDIA_TYPE",
        "A request body must be JSON, sent with Content-Type: application/json (charset optional)",
      );
    }
  }
  await next();
});
