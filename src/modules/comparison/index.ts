// Product comparison routes: for customers at /api/comparison (JWT) and for anonymous
// sessions at /api/public/comparison (session token), plus the shared side-by-side view.
import type { Context } from "hono";
import type { ComparisonCommand, ComparisonView, Outcome } from "../../../durable-objects/contract";
import { type ProductSummary, productSummaries } from "../../catalog/summaries";
import { attributeTable } from "../../domain/comparison";
import { ApiError } from "../../lib/errors";
import { bearerAuth, jsonBody, jsonContent, problemResponses, publicSessionHeaders } from "../../lib/openapi";
import { createRouter, validate } from "../../lib/router";
import { sha256Hex } from "../../lib/tokens";
import { requireFeature } from "../../middleware/shopper";
import { callSession, newShareToken, sharedSessionStub, unwrap } from "../../session-client";
import type { AppEnv } from "../../types";
import { sessionCall } from "../shopper-call";
import { ShareTokenParams } from "../wishlist/schema";
import {
  AddComparisonItemSchema,
  ComparisonItemParams,
  ComparisonSchema,
  ComparisonShareSchema,
  SharedComparisonSchema,
} from "./schema";

const ERRORS = problemResponses(400, 401, 403, 404, 409, 412, 413, 422, 429, 503);

const display = ({ attributes: _, ...summary }: ProductSummary) => summary;

/** The view with each product's catalog facts and the attribute table a compare page renders. */
async function withProducts(c: Context<AppEnv>, view: ComparisonView) {
  const summaries = await productSummaries(c.var.db, view.companyId, view.items);
  const attributes = attributeTable(
    view.items.map((item, index) => ({
      productId: item.productId,
      variantId: item.variantId,
      name: summaries[index]?.name ?? "",
      attributes: summaries[index]?.attributes ?? {},
    })),
  );
  const items = view.items.map((item, index) => {
    const summary = summaries[index];
    return { ...item, product: summary ? display(summary) : null };
  });
  return { ...view, items, attributes };
}

async function send(c: Context<AppEnv>, outcome: Outcome<ComparisonView>) {
  const { status, body } = unwrap(outcome);
  c.header("ETag", `"${body.version}"`);
  c.header("Cache-Control", "no-store");
  return c.json(await withProducts(c, body), status as 200);
}

async function run(c: Context<AppEnv>, command: ComparisonCommand, body?: unknown) {
  const call = await sessionCall(c, { body });
  return send(c, await callSession(c.env, call, (stub, routed) => stub.comparisonCommand(routed, command)));
}

export function comparisonRouter(variant: "customer" | "public") {
  const router = createRouter();
  const doc = (spec: Parameters<typeof router.openAPIRegistry.registerPath>[0]) =>
    router.openAPIRegistry.registerPath({
      ...spec,
      tags: ["comparison"],
      ...(variant === "customer" ? { security: bearerAuth } : {}),
      request: { ...(variant === "public" ? { headers: publicSessionHeaders } : {}), ...spec.request },
    });
  const comparisonResponse = (status: 200 | 201 = 200) => ({
    [status]: jsonContent(ComparisonSchema, "The comparison"),
    ...ERRORS,
  });

  router.use("*", requireFeature("compare"));

  doc({
    method: "get",
    path: "/",
    summary: "The comparison, with the attribute table",
    responses: comparisonResponse(),
  });
  router.get("/", async (c) => {
    const call = await sessionCall(c);
    return send(c, await callSession(c.env, call, (stub, routed) => stub.getComparison(routed)));
  });

  doc({
    method: "post",
    path: "/items",
    summary: "Add a product (at most the site's maxCompareItems; 409 COMPARE_LIMIT_REACHED)",
    request: jsonBody(AddComparisonItemSchema),
    responses: comparisonResponse(201),
  });
  router.post("/items", validate("json", AddComparisonItemSchema), (c) => {
    const body = c.req.valid("json");
    return run(c, { type: "add", productId: body.productId, variantId: body.variantId ?? null }, body);
  });

  doc({
    method: "delete",
    path: "/items/{itemId}",
    summary: "Remove a product",
    request: { params: ComparisonItemParams },
    responses: comparisonResponse(),
  });
  router.delete("/items/:itemId", validate("param", ComparisonItemParams), (c) =>
    run(c, { type: "remove", itemId: c.req.valid("param").itemId }),
  );

  doc({
    method: "post",
    path: "/share",
    summary: "Share: a link to COMPANY_PORTAL_URL/compare/{token} (replacing any previous one)",
    responses: { 200: jsonContent(ComparisonShareSchema, "The share token and URL"), ...ERRORS },
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
      return stub.comparisonCommand(routed, { type: "share", tokenHash: await sha256Hex(token) });
    });
    const { body } = unwrap(outcome);
    c.header("Cache-Control", "no-store");
    const url = `${c.var.config.COMPANY_PORTAL_URL}/compare/${token}`;
    return c.json({ token, url, comparison: await withProducts(c, body) }, 200);
  });

  doc({
    method: "delete",
    path: "/share",
    summary: "Stop sharing (the link 404s at once)",
    responses: comparisonResponse(),
  });
  router.delete("/share", (c) => run(c, { type: "unshare" }));

  return router;
}

export const customerComparison = comparisonRouter("customer");
export const publicComparison = comparisonRouter("public");

// Like every comparison route, the shared view follows the viewing site's enableCompare flag.
publicComparison.openAPIRegistry.registerPath({
  method: "get",
  path: "/shared/{token}",
  tags: ["comparison"],
  summary: "A shared comparison: the products' attributes side by side (X-Robots-Tag: noindex)",
  request: { headers: publicSessionHeaders, params: ShareTokenParams },
  responses: { 200: jsonContent(SharedComparisonSchema, "The shared comparison"), ...ERRORS },
});
publicComparison.get("/shared/:token", validate("param", ShareTokenParams), async (c) => {
  const { token } = c.req.valid("param");
  c.header("X-Robots-Tag", "noindex");
  c.header("Cache-Control", "no-store");
  const stub = sharedSessionStub(c.env, token);
  if (!stub) throw new ApiError("NOT_FOUND", "Shared comparison not found");
  const { body } = unwrap(await stub.sharedComparison(c.var.shopper.company.id, await sha256Hex(token)));
  const view = await withProducts(c, body);
  return c.json(
    {
      products: view.items.map(({ productId, variantId, product }) => ({ productId, variantId, product })),
      attributes: view.attributes,
      sharedAt: view.sharedAt,
    },
    200,
  );
});
