// Conversion is the commerce platform's act, never a shopper's (docs/design.md, "Security"): a
// service JWT of the cart's company marks a cart CONVERTED for an order. Postgres holds the one
// conversion per order (cart_conversions) and says which session object holds the cart; that
// object makes the change, and replication carries it to the cart's own row.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { CartView } from "../../../durable-objects/contract";
import { findCompany } from "../../catalog/lookup";
import type { CartConversion } from "../../db/schema";
import { ApiError } from "../../lib/errors";
import { bearerAuth, jsonBody, jsonContent, problemResponses } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { resolveSite } from "../../middleware/shopper";
import { callSession, jurisdictionFor, unwrap } from "../../session-client";
import type { AppEnv } from "../../types";
import { CartIdParams, ConvertCartSchema } from "../cart/schema";
import { claimOrder, completeClaim, existingConversions, ownerOfCart, type Transaction } from "./conversions";

export const ConversionSchema = z
  .object({
    cartId: z.string(),
    orderId: z.string(),
    status: z.literal("CONVERTED"),
    siteId: z.string().nullable(),
    customerId: z.string().nullable(),
    currency: z.string(),
    grandTotal: z.int().openapi({ description: "minor units" }),
    itemCount: z.int(),
    convertedAt: z.string(),
  })
  .openapi("CartConversion");

const receiptOf = (row: CartConversion) => ({
  cartId: row.cartId,
  orderId: row.orderId,
  status: "CONVERTED" as const,
  siteId: row.siteId,
  customerId: row.customerId,
  currency: row.currency,
  grandTotal: row.grandTotal,
  itemCount: row.itemCount,
  convertedAt: row.convertedAt.toISOString(),
});

export const conversion = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/{id}/convert",
    tags: ["cart"],
    summary: "Mark a cart CONVERTED for an order (service JWT of the cart's company)",
    description:
      "The commerce platform's act once the order exists. The same cart and order again answer the same receipt; an order id that converted another cart of the company, or a cart converted for another order, is a 409. A cart is known here once replicated, seconds after its first change.",
    security: bearerAuth,
    request: { params: CartIdParams, ...jsonBody(ConvertCartSchema) },
    responses: {
      200: jsonContent(ConversionSchema, "The conversion receipt"),
      ...problemResponses(400, 401, 403, 404, 409, 410, 415, 422, 503),
    },
  }),
  async (c) => {
    const { companyId } = c.var.auth;
    const { id: cartId } = c.req.valid("param");
    const { orderId } = c.req.valid("json");
    // Postgres failing mid-way rolls the claim back: the app's 503 tells the platform to retry.
    const row = await c.var.db().transaction(async (tx) => {
      if (!(await claimOrder(tx, companyId, orderId, cartId))) return repeated(tx, companyId, orderId, cartId);
      const cart = await convertInSession(c, tx, cartId, orderId);
      const receipt = {
        companyId,
        orderId,
        cartId,
        siteId: cart.siteId,
        customerId: cart.customerId,
        currency: cart.currency,
        grandTotal: cart.totals.grandTotal,
        itemCount: cart.totals.itemCount,
        // The object stamped updatedAt when it converted (the same instant as convertedAt).
        convertedAt: new Date(cart.updatedAt),
      };
      await completeClaim(tx, receipt);
      return receipt;
    });
    c.header("Cache-Control", "no-store");
    return c.json(receiptOf(row), 200);
  },
);

/** A conversion already recorded: the same receipt for the same cart and order, else a 409. */
async function repeated(tx: Transaction, companyId: string, orderId: string, cartId: string) {
  const rows = await existingConversions(tx, companyId, orderId, cartId);
  const same = rows.find((row) => row.orderId === orderId && row.cartId === cartId);
  if (same) return same;
  if (rows.some((row) => row.orderId === orderId)) {
    throw new ApiError("CONFLICT", `The order ${orderId} already converted another cart`);
  }
  throw new ApiError("CONFLICT", "The cart was converted for another order");
}

/** Asks the session object holding the cart to convert it; its refusal rolls the claim back. */
async function convertInSession(c: Context<AppEnv>, tx: Transaction, cartId: string, orderId: string) {
  const { companyId } = c.var.auth;
  const owner = await ownerOfCart(tx, companyId, cartId);
  if (!owner) throw new ApiError("NOT_FOUND", "Cart not found");
  const company = await findCompany(c.var.db, companyId);
  if (!company) throw new ApiError("NOT_FOUND", "Company not found");
  const site = resolveSite(company, owner.siteId ?? undefined);
  const address = { ...owner.address, jurisdiction: jurisdictionFor(company.dataResidency) };
  const outcome = await callSession(c.env, { address, site, cartId }, (stub, call) => stub.convertCart(call, orderId));
  const { body } = unwrap<CartView>(outcome);
  return body;
}
