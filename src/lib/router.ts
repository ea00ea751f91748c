import { OpenAPIHono } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import type { AppEnv } from "../types";
import { ApiError, type FieldError } from "./errors";

/** Turns a failed zod parse of one request part into the standard 400 listing every field. */
export function validationError(error: Pick<ZodError, "issues">, target: string): ApiError {
  const part = target === "json" ? "body" : target;
  const errors: FieldError[] = error.issues.map((issue) => ({
    field: [part, ...issue.path.map(String)].join("."),
    // A refused record key says why (e.g. a control character), not only "Invalid key in record".
    message: issue.code === "invalid_key" && issue.issues[0] ? `key ${issue.issues[0].message}` : issue.message,
  }));
  return new ApiError("VALIDATION_FAILED", `The request ${part} is invalid`, { errors });
}

/**
 * Every router of the API is made here, so that every route validates with the same hook
 * (zod failure → 400 problem+json) and contributes to the one OpenAPI document.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
}
