// Every change to a cart, one route each. Customers change their own cart; public routes name
// the cart in the path (`/{id}/items`…). Each handler turns its validated input into one command.
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ZodObject } from "zod";
import type { CartView, Outcome } from "../../../durable-objects/contract";
import type { CartCommand } from "../../domain/cart/commands";
import { type Audience, jsonBody, jsonContent, SHOPPER_ERRORS, shopperRoute } from "../../lib/openapi";
import type { createRouter } from "../../lib/router";
import { callSession, unwrap } from "../../session-client";
import type { AppEnv } from "../../types";
import { sessionCall } from "../shopper-call";
import {
  AddBundleSchema,
  AddItemSchema,
  ApplyDiscountSchema,
  BundleGroupParams,
  CartIdParams,
  CartSchema,
  CodeParams,
  ConvertCartSchema,
  ItemParams,
  SavedParams,
  UpdateItemSchema,
} from "./schema";

/** Sends a cart with its version as ETag (the value If-Match takes back). */
export function sendCart<S extends 200 | 201>(c: Context<AppEnv>, outcome: Outcome<CartView>) {
  const { status, body } = unwrap(outcome);
  c.header("ETag", `"${body.version}"`);
  c.header("Cache-Control", "no-store");
  // The session answers 201 exactly where the route declares it (additions), else 200.
  return c.json(body, status as S);
}

/** Applies one command to the cart the request names (public routes) or implies (customers). */
async function change<S extends 200 | 201>(c: Context<AppEnv>, command: CartCommand, body?: unknown) {
  // Public routes validated `id` as a UUID (CartIdParams); a customer's path has none.
  const call = await sessionCall(c, { body, cartId: c.req.param("id") });
  return sendCart<S>(c, await callSession(c.env, call, (stub, routed) => stub.cartCommand(routed, command)));
}

const CART = { 200: jsonContent(CartSchema, "The cart"), ...SHOPPER_ERRORS };
const CART_CREATED = { 201: jsonContent(CartSchema, "The cart"), ...SHOPPER_ERRORS };

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

export function cartChanges(router: ReturnType<typeof createRouter>, audience: Audience) {
  const route = <R extends Omit<RouteConfig, "tags">>(spec: R) =>
    shopperRoute(audience, createRoute(namingCart(audience, { ...spec, tags: ["cart"] })));

  return router
    .openapi(
      route({
        method: "post",
        path: "/items",
        summary: "Add an item (an existing product+variant line grows)",
        request: jsonBody(AddItemSchema),
        responses: CART_CREATED,
      }),
      (c) => {
        const body = c.req.valid("json");
        const { productId, variantId, quantity } = body;
        return change(c, { type: "addItem", productId, variantId: variantId ?? null, quantity }, body);
      },
    )
    .openapi(
      route({
        method: "patch",
        path: "/items/{itemId}",
        summary: "Change an item's quantity",
        request: { params: ItemParams, ...jsonBody(UpdateItemSchema) },
        responses: CART,
      }),
      (c) => {
        const body = c.req.valid("json");
        return change(c, { type: "updateItem", itemId: c.req.valid("param").itemId, quantity: body.quantity }, body);
      },
    )
    .openapi(
      route({
        method: "delete",
        path: "/items/{itemId}",
        summary: "Remove an item",
        request: { params: ItemParams },
        responses: CART,
      }),
      (c) => change(c, { type: "removeItem", itemId: c.req.valid("param").itemId }),
    )
    .openapi(
      route({
        method: "post",
        path: "/items/{itemId}/save",
        summary: "Move an item to saved-for-later",
        request: { params: ItemParams },
        responses: CART,
      }),
      (c) => change(c, { type: "saveForLater", itemId: c.req.valid("param").itemId }),
    )
    .openapi(
      route({
        method: "post",
        path: "/saved/{savedItemId}/restore",
        summary: "Move a saved item back into the cart",
        request: { params: SavedParams },
        responses: CART,
      }),
      (c) => change(c, { type: "restoreSaved", savedItemId: c.req.valid("param").savedItemId }),
    )
    .openapi(
      route({
        method: "delete",
        path: "/saved/{savedItemId}",
        summary: "Delete a saved item",
        request: { params: SavedParams },
        responses: CART,
      }),
      (c) => change(c, { type: "removeSaved", savedItemId: c.req.valid("param").savedItemId }),
    )
    .openapi(
      route({
        method: "post",
        path: "/bundles",
        summary: "Add a bundle (all its lines, atomically, under one bundleGroupId)",
        request: jsonBody(AddBundleSchema),
        responses: CART_CREATED,
      }),
      (c) => {
        const body = c.req.valid("json");
        return change(c, { type: "addBundle", bundleId: body.bundleId, quantity: body.quantity }, body);
      },
    )
    .openapi(
      route({
        method: "delete",
        path: "/bundles/{bundleGroupId}",
        summary: "Remove a bundle (every line of the group)",
        request: { params: BundleGroupParams },
        responses: CART,
      }),
      (c) => change(c, { type: "removeBundle", bundleGroupId: c.req.valid("param").bundleGroupId }),
    )
    .openapi(
      route({
        method: "post",
        path: "/discount",
        summary: "Apply a discount code",
        request: jsonBody(ApplyDiscountSchema),
        responses: CART,
      }),
      (c) => {
        const body = c.req.valid("json");
        return change(c, { type: "applyDiscount", code: body.code }, body);
      },
    )
    .openapi(
      route({
        method: "delete",
        path: "/discount/{code}",
        summary: "Remove a discount code",
        request: { params: CodeParams },
        responses: CART,
      }),
      (c) => change(c, { type: "removeDiscount", code: c.req.valid("param").code }),
    )
    .openapi(
      route({
        method: "post",
        path: "/convert",
        summary: "Mark the cart CONVERTED for an order (idempotent by orderId)",
        request: jsonBody(ConvertCartSchema),
        responses: CART,
      }),
      (c) => {
        const body = c.req.valid("json");
        return change(c, { type: "convert", orderId: body.orderId }, body);
      },
    );
}
