// Bundles (added and removed as one group of lines) and discount codes.
import { type Audience, jsonBody } from "../../lib/openapi";
import { CART, CART_CREATED, type CartRouter, change, changeRoute } from "./change";
import { AddBundleSchema, ApplyDiscountSchema, BundleGroupParams, CodeParams } from "./schema";

/** The routes that add or remove a bundle or a discount code. */
export function bundleAndDiscountRoutes(router: CartRouter, audience: Audience) {
  const route = changeRoute(audience);
  return router
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
    );
}
