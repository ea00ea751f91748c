// What every cart route shares: sending the cart, applying one command, and declaring a route
// for an audience. Customers act on their own cart; public routes that change a cart name it
// in the path (`/{id}/items`…).
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ZodObject } from "zod";
import type { CartView, Outcome } from "../../../durable-objects/contract";
import type { CartCommand } from "../../domain/cart/commands";
import { normalizeId } from "../../lib/ids";
import { type Audience, jsonContent, SHOPPER_ERRORS, shopperRoute } from "../../lib/openapi";
import type { createRouter } from "../../lib/router";
import { callSession, unwrap } from "../../session-client";
import type { AppEnv } from "../../types";
import { sessionCall } from "../shopper-call";
import { CartIdParams, CartSchema } from "./schema";

/** Sends a cart with its version as ETag (the value If-Match takes back). */
export function sendCart<S extends 200 | 201>(c: Context<AppEnv>, outcome: Outcome<CartView>) {
  const { status, body } = unwrap(outcome);
  c.header("ETag", `"${body.version}"`);
  c.header("Cache-Control", "no-store");
  // The session answers 201 exactly where the route declares it (additions), else 200.
  return c.json(body, status as S);
}

/** Applies one command to the cart the request names (public routes) or implies (customers). */
export async function change<S extends 200 | 201>(c: Context<AppEnv>, command: CartCommand, body?: unknown) {
  // Public routes validated `id` as an id (CartIdParams); a customer's path has none.
  const id = c.req.param("id");
  const call = await sessionCall(c, { body, cartId: id === undefined ? undefined : normalizeId(id) });
  return sendCart<S>(c, await callSession(c.env, call, (stub, routed) => stub.cartCommand(routed, command)));
}

export const CART = { 200: jsonContent(CartSchema, "The cart"), ...SHOPPER_ERRORS };
export const CART_CREATED = { 201: jsonContent(CartSchema, "The cart"), ...SHOPPER_ERRORS };

/** Public routes name the cart they change: `/{id}` before the path, `id` in the params. */
function namingCart<R extends RouteConfig>(audience: Audience, route: R): R {
  if (audience === "customer") return route;
  const params = route.request?.params;
  return {
    ...route,
    path: `/{id}${route.path}`,
    request: {
      ...route.request,
      params: params instanceof ZodObject ? CartIdParams.extend(params.shape) : CartIdParams,
    },
  };
}

export type CartRouter = ReturnType<typeof createRouter>;

/** Declares a cart route for `audience`. */
export const cartRoute =
  (audience: Audience) =>
  <R extends Omit<RouteConfig, "tags">>(spec: R) =>
    shopperRoute(audience, createRoute({ ...spec, tags: ["cart"] }));

/** Declares a route that changes a cart: on public routes it names the cart. */
export const changeRoute =
  (audience: Audience) =>
  <R extends Omit<RouteConfig, "tags">>(spec: R) =>
    shopperRoute(audience, createRoute(namingCart(audience, { ...spec, tags: ["cart"] })));
