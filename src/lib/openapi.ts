import { type RouteConfig, z } from "@hono/zod-openapi";
import { ERROR_CODES } from "./errors";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(ERROR_CODES),
    requestId: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

const problemContent = { "application/problem+json": { schema: ProblemSchema } };

/** Standard error responses for route definitions, by status. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, { description: "Problem", content: problemContent }]));

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A required JSON request body, for route definitions. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { "application/json": { schema } } },
});

export const bearerAuth = [{ bearerAuth: [] }];
export const publicSessionHeaders = z.object({
  "x-company-id": z.string().openapi({ description: "The storefront's company id", format: "uuid" }),
  "x-site-id": z
    .string()
    .optional()
    .openapi({ description: "The storefront's site id (else the company's default site)" }),
  "x-session-token": z.string().optional().openapi({ description: "The shopper's session token (64 lowercase hex)" }),
});

/** Who a shopper route serves: signed-in customers (JWT) or anonymous sessions (storefront headers). */
export type Audience = "customer" | "public";

/**
 * A shopper route as its audience calls it: customers with a bearer JWT, public routes with
 * the storefront's headers (checked again here, after `publicSession` has resolved them).
 */
export function shopperRoute<R extends RouteConfig>(audience: Audience, route: R): R {
  if (audience === "customer") return { ...route, security: bearerAuth };
  return { ...route, request: { headers: publicSessionHeaders, ...route.request } };
}

/** The errors any route acting on a shopper's cart, wishlist or comparison may answer. */
export const SHOPPER_ERRORS = problemResponses(400, 401, 403, 404, 409, 412, 413, 422, 429, 503);
