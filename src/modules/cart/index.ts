// Cart routes. One implementation, mounted twice: for signed-in customers at /api/cart
// (customer JWT) and for anonymous sessions at /api/public/cart (session token), where
// routes that change a cart name it in the path.
import type { CartView, Outcome, RpcError } from "../../../durable-objects/contract";
import { ApiError } from "../../lib/errors";
import { type Audience, jsonBody, jsonContent, SHOPPER_ERRORS } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { requireFeature } from "../../middleware/shopper";
import { callSession } from "../../session-client";
import { mergeGuest, openAnonymousSession, sessionCall } from "../shopper-call";
import { bundleAndDiscountRoutes } from "./bundles-discounts";
import { CART, cartRoute, sendCart } from "./change";
import { itemRoutes } from "./items";
import { CartSchema, CreateCartSchema, CreatedCartSchema, MergeCartSchema, MergeResultSchema } from "./schema";

/**
 * The cart routes both audiences share: reading the cart and every change to it. Converting is
 * not one of them: it is the commerce platform's act (src/modules/conversion).
 */
function cartRouter(audience: Audience) {
  const router = createRouter();
  router.use("*", requireFeature("cart"));
  router.openapi(
    cartRoute(audience)({
      method: "get",
      path: "/",
      summary: audience === "customer" ? "The customer's cart" : "The session's cart",
      responses: CART,
    }),
    async (c) => {
      const call = await sessionCall(c);
      return sendCart(c, await callSession(c.env, call, (stub, routed) => stub.getCart(routed)));
    },
  );
  return bundleAndDiscountRoutes(itemRoutes(router, audience), audience);
}

/** /api/cart: the signed-in customer's cart, plus merge of a guest cart. */
export const customerCart = cartRouter("customer").openapi(
  cartRoute("customer")({
    method: "post",
    path: "/merge",
    summary: "Merge a guest cart into the customer's cart (strategies max|sum|replace, dryRun)",
    request: jsonBody(MergeCartSchema),
    responses: { 200: jsonContent(MergeResultSchema, "The merged cart and what changed"), ...SHOPPER_ERRORS },
  }),
  async (c) => {
    // The guest session is merged whole (its wishlist and comparison too): once frozen it
    // can no longer be used, so leaving anything behind would lose it.
    const body = c.req.valid("json");
    const result = await mergeGuest(c, body);
    c.header("ETag", `"${result.cart.version}"`);
    const { cart, diff, dryRun, alreadyMerged } = result;
    return c.json({ cart, diff, dryRun, alreadyMerged }, 200);
  },
);

/** /api/public/cart: anonymous sessions, identified by x-session-token. */
export const publicCart = cartRouter("public").openapi(
  cartRoute("public")({
    method: "post",
    path: "/",
    summary: "Create a session and its cart (or return the cart of the session token sent)",
    request: jsonBody(CreateCartSchema),
    responses: {
      200: jsonContent(CartSchema, "The existing session's cart"),
      201: jsonContent(CreatedCartSchema, "A new session: its cart and sessionToken"),
      ...SHOPPER_ERRORS,
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const { shopper } = c.var;
    if (body.currency && body.currency !== shopper.site.currency) {
      throw new ApiError("CURRENCY_MISMATCH", `This site sells in ${shopper.site.currency}`);
    }
    if (shopper.sessionToken) {
      const call = await sessionCall(c, { body });
      // Only read here: a token the server never issued must not become a session (session
      // fixation); every session token comes from openAnonymousSession() below.
      const outcome: Outcome<CartView> = await callSession(c.env, call, (stub, routed) => stub.getCart(routed));
      // A token whose session has expired or was merged, or never existed, starts a new session.
      const failure = "error" in outcome ? (outcome.error as RpcError) : undefined;
      const startOver = failure && ["SESSION_EXPIRED", "SESSION_MERGED", "NOT_FOUND"].includes(failure.code);
      if (!startOver) return sendCart<200>(c, outcome);
    }
    const { sessionToken, cart } = await openAnonymousSession(c, body.currency);
    c.header("ETag", `"${cart.version}"`);
    c.header("Cache-Control", "no-store");
    return c.json({ ...cart, sessionToken }, 201);
  },
);
