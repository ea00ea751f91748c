// Wishlist routes: for customers at /api/wishlist (JWT) and for anonymous sessions at
// /api/public/wishlist (session token), plus the read-only shared view.
import type { Context } from "hono";
import type { Outcome, WishlistCommand, WishlistView } from "../../../durable-objects/contract";
import { productSummaries } from "../../catalog/summaries";
import { ApiError } from "../../lib/errors";
import { bearerAuth, jsonBody, jsonContent, problemResponses, publicSessionHeaders } from "../../lib/openapi";
import { createRouter, validate } from "../../lib/router";
import { sha256Hex } from "../../lib/tokens";
import { requireFeature } from "../../middleware/shopper";
import { callSession, newShareToken, sharedSessionStub, unwrap } from "../../session-client";
import type { AppEnv } from "../../types";
import { sessionCall } from "../shopper-call";
import {
  AddWishlistItemSchema,
  SharedWishlistSchema,
  ShareTokenParams,
  UpdateWishlistItemSchema,
  WishlistItemParams,
  WishlistSchema,
  WishlistShareSchema,
} from "./schema";

const ERRORS = problemResponses(400, 401, 403, 404, 409, 412, 413, 422, 429, 503);

/** The view with each item's current catalog facts (name, price, availability). */
async function withProducts(c: Context<AppEnv>, view: WishlistView) {
  const summaries = await productSummaries(c.var.db, view.companyId, view.items);
  return {
    ...view,
    items: view.items.map((item, index) => ({ ...item, product: display(summaries[index] ?? null) })),
  };
}

const display = (summary: Awaited<ReturnType<typeof productSummaries>>[number]) =>
  summary && {
    name: summary.name,
    sku: summary.sku,
    price: summary.price,
    currency: summary.currency,
    imageUrl: summary.imageUrl,
    available: summary.available,
  };

async function send(c: Context<AppEnv>, outcome: Outcome<WishlistView>) {
  const { status, body } = unwrap(outcome);
  c.header("ETag", `"${body.version}"`);
  c.header("Cache-Control", "no-store");
  return c.json(await withProducts(c, body), status as 200);
}

async function run(c: Context<AppEnv>, command: WishlistCommand, body?: unknown) {
  const call = await sessionCall(c, { body });
  return send(c, await callSession(c.env, call, (stub, routed) => stub.wishlistCommand(routed, command)));
}

export function wishlistRouter(variant: "customer" | "public") {
  const router = createRouter();
  const doc = (spec: Parameters<typeof router.openAPIRegistry.registerPath>[0]) =>
    router.openAPIRegistry.registerPath({
      ...spec,
      tags: ["wishlist"],
      ...(variant === "customer" ? { security: bearerAuth } : {}),
      request: { ...(variant === "public" ? { headers: publicSessionHeaders } : {}), ...spec.request },
    });
  const wishlistResponse = (status: 200 | 201 = 200) => ({
    [status]: jsonContent(WishlistSchema, "The wishlist"),
    ...ERRORS,
  });

  router.use("*", requireFeature("wishlist"));

  doc({ method: "get", path: "/", summary: "The wishlist, highest priority first", responses: wishlistResponse() });
  router.get("/", async (c) => {
    const call = await sessionCall(c);
    return send(c, await callSession(c.env, call, (stub, routed) => stub.getWishlist(routed)));
  });

  doc({
    method: "post",
    path: "/items",
    summary: "Add a product (adding it again updates its priority/note)",
    request: jsonBody(AddWishlistItemSchema),
    responses: wishlistResponse(201),
  });
  router.post("/items", validate("json", AddWishlistItemSchema), (c) => {
    const body = c.req.valid("json");
    return run(c, { type: "add", ...body, variantId: body.variantId ?? null }, body);
  });

  doc({
    method: "patch",
    path: "/items/{itemId}",
    summary: "Change an item's priority or note",
    request: { params: WishlistItemParams, ...jsonBody(UpdateWishlistItemSchema) },
    responses: wishlistResponse(),
  });
  router.patch(
    "/items/:itemId",
    validate("param", WishlistItemParams),
    validate("json", UpdateWishlistItemSchema),
    (c) => {
      const body = c.req.valid("json");
      return run(c, { type: "update", itemId: c.req.valid("param").itemId, ...body }, body);
    },
  );

  doc({
    method: "delete",
    path: "/items/{itemId}",
    summary: "Remove an item",
    request: { params: WishlistItemParams },
    responses: wishlistResponse(),
  });
  router.delete("/items/:itemId", validate("param", WishlistItemParams), (c) =>
    run(c, { type: "remove", itemId: c.req.valid("param").itemId }),
  );

  doc({
    method: "post",
    path: "/share",
    summary: "Share: a new unguessable link (replacing any previous one)",
    responses: { 200: jsonContent(WishlistShareSchema, "The share token and URL"), ...ERRORS },
  });
  router.post("/share", async (c) => {
    // Without the Idempotency-Key: a replay would send the stored view with a token minted
    // here and never stored (a dead link). Each share retires the previous link, so a retry
    // is safe as it is: it answers with a link that works.
    const { idempotency: _, ...call } = await sessionCall(c);
    // The token names the object that holds the list, so it is minted for the routed stub.
    let token = "";
    const outcome = await callSession(c.env, call, async (stub, routed) => {
      token = newShareToken(stub);
      return stub.wishlistCommand(routed, { type: "share", tokenHash: await sha256Hex(token) });
    });
    const { body } = unwrap(outcome);
    c.header("Cache-Control", "no-store");
    const url = `${c.var.config.COMPANY_PORTAL_URL}/wishlist/${token}`;
    return c.json({ token, url, wishlist: await withProducts(c, body) }, 200);
  });

  doc({
    method: "delete",
    path: "/share",
    summary: "Stop sharing (the link 404s at once)",
    responses: wishlistResponse(),
  });
  router.delete("/share", (c) => run(c, { type: "unshare" }));

  return router;
}

export const customerWishlist = wishlistRouter("customer");
export const publicWishlist = wishlistRouter("public");

publicWishlist.openAPIRegistry.registerPath({
  method: "get",
  path: "/shared/{token}",
  tags: ["wishlist"],
  summary: "A shared wishlist (read-only, no customer data, X-Robots-Tag: noindex)",
  request: { headers: publicSessionHeaders, params: ShareTokenParams },
  responses: { 200: jsonContent(SharedWishlistSchema, "The shared wishlist"), ...ERRORS },
});
publicWishlist.get("/shared/:token", validate("param", ShareTokenParams), async (c) => {
  const { token } = c.req.valid("param");
  c.header("X-Robots-Tag", "noindex");
  c.header("Cache-Control", "no-store");
  const stub = sharedSessionStub(c.env, token);
  if (!stub) throw new ApiError("NOT_FOUND", "Shared wishlist not found");
  const { body } = unwrap(await stub.sharedWishlist(c.var.shopper.company.id, await sha256Hex(token)));
  const view = await withProducts(c, body);
  return c.json(
    {
      items: view.items.map(({ productId, variantId, priority, note, product }) => ({
        productId,
        variantId,
        priority,
        note,
        product,
      })),
      itemCount: view.itemCount,
      sharedAt: view.sharedAt,
    },
    200,
  );
});
