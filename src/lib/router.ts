import { OpenAPIHono } from "@hono/zod-openapi";
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { ZodError, z } from "zod";
import type { AppEnv } from "../types";
import { ApiError, type FieldError } from "./errors";

/** Turns a failed zod parse of one request part into the standard 400 listing every field. */
export function validationError(error: Pick<ZodError, "issues">, target: string): ApiError {
  const part = target === "json" ? "body" : target;
  const errors: FieldError[] = error.issues.map((issue) => ({
    field: [part, ...issue.path.map(String)].join("."),
    message: issue.message,
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

/**
 * `zValidator` with the API's hook, for routes registered without `openapi()` (whose
 * OpenAPI entry is added with `openAPIRegistry.registerPath` from the same schema).
 */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw validationError(result.error as Pick<ZodError, "issues">, target);
  });
