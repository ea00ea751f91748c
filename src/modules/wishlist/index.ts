// Wishlist routes: for customers at /api/wishlist (JWT) and for anonymous sessions at
// /api/public/wishlist (session token), plus the read-only shared view.
import type { Context } from "hono";
import type { WishlistCommand, WishlistView } from "../../../durable-objects/contract";
import { productSummaries } from "../../catalog/summaries";
import { type Audience, jsonBody, jsonContent, SHOPPER_ERRORS } from "../../lib/openapi";
import type { AppEnv } from "../../types";
import { listRoutes } from "../lists/routes";
import { ListItemParams } from "../lists/schema";
import {
  AddWishlistItemSchema,
  SharedWishlistSchema,
  UpdateWishlistItemSchema,
  WishlistSchema,
  WishlistShareSchema,
} from "./schema";

const display = (summary: Awaited<ReturnType<typeof productSummaries>>[number]) =>
  summary && {
    name: summary.name,
    sku: summary.sku,
    price: summary.price,
    currency: summary.currency,
    imageUrl: summary.imageUrl,
    available: summary.available,
  };

/** The view with each item's current catalog facts (name, price, availability). */
async function withProducts(c: Context<AppEnv>, view: WishlistView) {
  const summaries = await productSummaries(c.var.db, view.companyId, view.items);
  return {
    ...view,
    items: view.items.map((item, index) => ({ ...item, product: display(summaries[index] ?? null) })),
  };
}

const wishlist = listRoutes({
  name: "wishlist",
  feature: "wishlist",
  portalPath: "wishlist",
  schema: WishlistSchema,
  shareSchema: WishlistShareSchema,
  sharedSchema: SharedWishlistSchema,
  summaries: {
    read: "The wishlist, highest priority first",
    remove: "Remove an item",
    share: "Share: a new unguessable link (replacing any previous one)",
    shared: "A shared wishlist (read-only, no customer data, X-Robots-Tag: noindex)",
  },
  read: (stub, call) => stub.getWishlist(call),
  command: (stub, call, command: WishlistCommand) => stub.wishlistCommand(call, command),
  shared: (stub, companyId, tokenHash) => stub.sharedWishlist(companyId, tokenHash),
  show: withProducts,
  shareBody: (link, shown) => ({ ...link, wishlist: shown }),
  reveal: ({ items, itemCount, sharedAt }) => ({
    items: items.map(({ productId, variantId, priority, note, product }) => ({
      productId,
      variantId,
      priority,
      note,
      product,
    })),
    itemCount,
    sharedAt,
  }),
});

function wishlistRouter(audience: Audience) {
  return wishlist
    .router(audience)
    .openapi(
      wishlist.route(audience, {
        method: "post",
        path: "/items",
        summary: "Add a product (adding it again updates its priority/note)",
        request: jsonBody(AddWishlistItemSchema),
        responses: {
          200: jsonContent(WishlistSchema, "The wishlist (the product was there: its priority/note updated)"),
          201: jsonContent(WishlistSchema, "The wishlist"),
          ...SHOPPER_ERRORS,
        },
      }),
      (c) => {
        const body = c.req.valid("json");
        return wishlist.run(c, { type: "add", ...body, variantId: body.variantId ?? null }, body);
      },
    )
    .openapi(
      wishlist.route(audience, {
        method: "patch",
        path: "/items/{itemId}",
        summary: "Change an item's priority or note",
        request: { params: ListItemParams, ...jsonBody(UpdateWishlistItemSchema) },
        responses: wishlist.LIST,
      }),
      (c) => {
        const body = c.req.valid("json");
        return wishlist.run(c, { type: "update", itemId: c.req.valid("param").itemId, ...body }, body);
      },
    );
}

export const customerWishlist = wishlistRouter("customer");
export const publicWishlist = wishlistRouter("public");
