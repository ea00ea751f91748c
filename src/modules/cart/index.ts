// Cart routes. One implementation, mounted twice: for signed-in customers at /api/cart
// (customer JWT) and for anonymous sessions at /api/public/cart (session token), where
// routes that change a cart name it in the path.
import type { z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodObject } from "zod";
import type { CartView, Outcome, RpcError } from "../../../durable-objects/contract";
import type { CartCommand } from "../../domain/cart/commands";
import { ApiError } from "../../lib/errors";
import { bearerAuth, jsonBody, jsonContent, problemResponses, publicSessionHeaders } from "../../lib/openapi";
import { createRouter, validate } from "../../lib/router";
import { newSessionToken, sha256Hex } from "../../lib/tokens";
import { requireFeature } from "../../middleware/shopper";
import { callSession, sessionStub, unwrap } from "../../session-client";
import { mergeGuestIntoCustomer } from "../../session-client/merge";
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
  CreateCartSchema,
  CreatedCartSchema,
  ItemParams,
  MergeCartSchema,
  MergeResultSchema,
  SavedParams,
  UpdateItemSchema,
} from "./schema";

type Variant = "customer" | "public";

const ERRORS = problemResponses(400, 401, 403, 404, 409, 412, 413, 422, 429, 503);

/** Sends a cart with its version as ETag (the value If-Match takes back). */
function sendCart(c: Context<AppEnv>, outcome: Outcome<CartView>): Response {
  const { status, body } = unwrap(outcome);
  c.header("ETag", `"${body.version}"`);
  c.header("Cache-Control", "no-store");
  return c.json(body, status as ContentfulStatusCode);
}

interface CartOperation<B extends z.ZodType | undefined> {
  method: "post" | "patch" | "delete";
  /** OpenAPI-style path below the cart (`/items/{itemId}`) */
  path: string;
  summary: string;
  params?: ZodObject;
  body?: B;
  created?: boolean;
  command: (body: B extends z.ZodType ? z.infer<B> : undefined, params: Record<string, string>) => CartCommand;
}
const operation = <B extends z.ZodType | undefined = undefined>(spec: CartOperation<B>) => spec;

/** Every change to a cart, as data: one table drives the handlers and the OpenAPI document. */
const OPERATIONS = [
  operation({
    method: "post",
    path: "/items",
    summary: "Add an item (an existing product+variant line grows)",
    body: AddItemSchema,
    created: true,
    command: (body) => ({
      type: "addItem",
      productId: body.productId,
      variantId: body.variantId ?? null,
      quantity: body.quantity,
    }),
  }),
  operation({
    method: "patch",
    path: "/items/{itemId}",
    summary: "Change an item's quantity",
    params: ItemParams,
    body: UpdateItemSchema,
    command: (body, params) => ({ type: "updateItem", itemId: params.itemId as string, quantity: body.quantity }),
  }),
  operation({
    method: "delete",
    path: "/items/{itemId}",
    summary: "Remove an item",
    params: ItemParams,
    command: (_, params) => ({ type: "removeItem", itemId: params.itemId as string }),
  }),
  operation({
    method: "post",
    path: "/items/{itemId}/save",
    summary: "Move an item to saved-for-later",
    params: ItemParams,
    command: (_, params) => ({ type: "saveForLater", itemId: params.itemId as string }),
  }),
  operation({
    method: "post",
    path: "/saved/{savedItemId}/restore",
    summary: "Move a saved item back into the cart",
    params: SavedParams,
    command: (_, params) => ({ type: "restoreSaved", savedItemId: params.savedItemId as string }),
  }),
  operation({
    method: "delete",
    path: "/saved/{savedItemId}",
    summary: "Delete a saved item",
    params: SavedParams,
    command: (_, params) => ({ type: "removeSaved", savedItemId: params.savedItemId as string }),
  }),
  operation({
    method: "post",
    path: "/bundles",
    summary: "Add a bundle (all its lines, atomically, under one bundleGroupId)",
    body: AddBundleSchema,
    created: true,
    command: (body) => ({ type: "addBundle", bundleId: body.bundleId, quantity: body.quantity }),
  }),
  operation({
    method: "delete",
    path: "/bundles/{bundleGroupId}",
    summary: "Remove a bundle (every line of the group)",
    params: BundleGroupParams,
    command: (_, params) => ({ type: "removeBundle", bundleGroupId: params.bundleGroupId as string }),
  }),
  operation({
    method: "post",
    path: "/discount",
    summary: "Apply a discount code",
    body: ApplyDiscountSchema,
    command: (body) => ({ type: "applyDiscount", code: body.code }),
  }),
  operation({
    method: "delete",
    path: "/discount/{code}",
    summary: "Remove a discount code",
    params: CodeParams,
    command: (_, params) => ({ type: "removeDiscount", code: params.code as string }),
  }),
  operation({
    method: "post",
    path: "/convert",
    summary: "Mark the cart CONVERTED for an order (idempotent by orderId)",
    body: ConvertCartSchema,
    command: (body) => ({ type: "convert", orderId: body.orderId }),
  }),
];

export function cartRouter(variant: Variant) {
  const router = createRouter();
  router.use("*", requireFeature("cart"));
  // Public routes that change a cart name it (/{id}/items…); the customer's cart is implied.
  const prefix = variant === "public" ? "/{id}" : "";
  for (const op of OPERATIONS as CartOperation<z.ZodType | undefined>[]) {
    const params = variant === "public" ? CartIdParams.extend(op.params?.shape ?? {}) : op.params;
    const validators = [
      ...(params ? [validate("param", params)] : []),
      ...(op.body ? [validate("json", op.body)] : []),
    ];
    const honoPath = `${prefix}${op.path}`.replace(/\{(\w+)\}/g, ":$1");
    router.on([op.method.toUpperCase()], [honoPath], ...(validators as MiddlewareHandler<AppEnv>[]), async (c) => {
      // The table erases each operation's own types; its validators already ran.
      const valid = (target: string) => c.req.valid(target as never) as unknown;
      const body = op.body ? valid("json") : undefined;
      const path = (params ? valid("param") : {}) as Record<string, string>;
      const call = await sessionCall(c, { body, cartId: path.id });
      return sendCart(
        c,
        await callSession(c.env, call, (stub, routed) => stub.cartCommand(routed, op.command(body, path))),
      );
    });
    router.openAPIRegistry.registerPath({
      method: op.method,
      path: `${prefix}${op.path}`,
      tags: ["cart"],
      summary: op.summary,
      ...(variant === "customer" ? { security: bearerAuth } : {}),
      request: {
        ...(variant === "public" ? { headers: publicSessionHeaders } : {}),
        ...(params ? { params } : {}),
        ...(op.body ? jsonBody(op.body) : {}),
      },
      responses: { [op.created ? 201 : 200]: jsonContent(CartSchema, "The cart"), ...ERRORS },
    });
  }
  return router;
}

/** /api/cart: the signed-in customer's cart, plus merge of a guest cart. */
export const customerCart = cartRouter("customer");
customerCart.openAPIRegistry.registerPath({
  method: "get",
  path: "/",
  tags: ["cart"],
  security: bearerAuth,
  summary: "The customer's cart",
  responses: { 200: jsonContent(CartSchema, "The cart"), ...ERRORS },
});
customerCart.get("/", async (c) => {
  const call = await sessionCall(c);
  return sendCart(c, await callSession(c.env, call, (stub, routed) => stub.getCart(routed)));
});

customerCart.openAPIRegistry.registerPath({
  method: "post",
  path: "/merge",
  tags: ["cart"],
  security: bearerAuth,
  summary: "Merge a guest cart into the customer's cart (strategies max|sum|replace, dryRun)",
  request: jsonBody(MergeCartSchema),
  responses: { 200: jsonContent(MergeResultSchema, "The merged cart and what changed"), ...ERRORS },
});
customerCart.post("/merge", validate("json", MergeCartSchema), async (c) => {
  // The guest session is merged whole (its wishlist and comparison too): once frozen it
  // can no longer be used, so leaving anything behind would lose it.
  const body = c.req.valid("json");
  const result = await mergeGuestIntoCustomer(c.env, await sessionCall(c, { body }), body);
  c.header("ETag", `"${result.cart.version}"`);
  return c.json(
    { cart: result.cart, diff: result.diff, dryRun: result.dryRun, alreadyMerged: result.alreadyMerged },
    200,
  );
});

/** /api/public/cart: anonymous sessions, identified by x-session-token. */
export const publicCart = cartRouter("public");
publicCart.openAPIRegistry.registerPath({
  method: "get",
  path: "/",
  tags: ["cart"],
  summary: "The session's cart",
  request: { headers: publicSessionHeaders },
  responses: { 200: jsonContent(CartSchema, "The cart"), ...ERRORS },
});
publicCart.get("/", async (c) => {
  const call = await sessionCall(c);
  return sendCart(c, await callSession(c.env, call, (stub, routed) => stub.getCart(routed)));
});

publicCart.openAPIRegistry.registerPath({
  method: "post",
  path: "/",
  tags: ["cart"],
  summary: "Create a session and its cart (or return the cart of the session token sent)",
  request: { headers: publicSessionHeaders, ...jsonBody(CreateCartSchema) },
  responses: {
    200: jsonContent(CartSchema, "The existing session's cart"),
    201: jsonContent(CreatedCartSchema, "A new session: its cart and sessionToken"),
    ...ERRORS,
  },
});
publicCart.post("/", validate("json", CreateCartSchema), async (c) => {
  const body = c.req.valid("json");
  const { shopper } = c.var;
  if (body.currency && body.currency !== shopper.site.currency) {
    throw new ApiError("CURRENCY_MISMATCH", `This site sells in ${shopper.site.currency}`);
  }
  if (shopper.sessionToken) {
    const call = await sessionCall(c, { body });
    // Only read here: a token the server never issued must not become a session (session
    // fixation); every session token comes from newSessionToken() below.
    const outcome: Outcome<CartView> = await callSession(c.env, call, (stub, routed) => stub.getCart(routed));
    // A token whose session has expired or was merged, or never existed, starts a new session.
    const failure = "error" in outcome ? (outcome.error as RpcError) : undefined;
    const startOver = failure && ["SESSION_EXPIRED", "SESSION_MERGED", "NOT_FOUND"].includes(failure.code);
    if (!startOver) return sendCart(c, outcome);
  }
  const sessionToken = newSessionToken();
  const address = {
    kind: "anonymous",
    companyId: shopper.company.id,
    tokenHash: await sha256Hex(sessionToken),
  } as const;
  const { body: cart } = unwrap(
    await sessionStub(c.env, address).openCart({ address, site: shopper.site }, body.currency),
  );
  c.header("ETag", `"${cart.version}"`);
  c.header("Cache-Control", "no-store");
  return c.json({ ...cart, sessionToken }, 201);
});
