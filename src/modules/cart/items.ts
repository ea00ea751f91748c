// Cart lines: add, change, remove, and move to and from saved-for-later.
import { type Audience, jsonBody } from "../../lib/openapi";
import { CART, CART_CREATED, type CartRouter, change, changeRoute } from "./change";
import { AddItemSchema, ItemParams, SavedParams, UpdateItemSchema } from "./schema";

/** The routes that change a cart's lines and saved items. */
export function itemRoutes(router: CartRouter, audience: Audience) {
  const route = changeRoute(audience);
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
    );
}
