// /api/cross-site-session (customer JWT): the customer's one session across the company's sites.
import { jsonBody, jsonContent } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { sessionStub, unwrap } from "../../session-client";
import { mergeGuestIntoCustomer } from "../../session-client/merge";
import { sessionCall } from "../shopper-call";
import {
  createTransfer,
  crossSiteRoute,
  ERRORS,
  ensureCrossSiteSession,
  issueTicket,
  ticketRoute,
  transferRoute,
} from "./actions";
import { CrossSiteSessionSchema, SessionMergeResultSchema, SessionMergeSchema } from "./schema";

export const customerSessions = createRouter()
  .openapi(
    crossSiteRoute("customer", {
      method: "get",
      path: "/",
      summary: "The customer's cross-site session (404 until created)",
      responses: { 200: jsonContent(CrossSiteSessionSchema, "The session"), ...ERRORS },
    }),
    async (c) => {
      const call = await sessionCall(c);
      const { body } = unwrap(await sessionStub(c.env, call.address).crossSiteSession(call));
      c.header("Cache-Control", "no-store");
      return c.json(body, 200);
    },
  )
  .openapi(
    crossSiteRoute("customer", {
      method: "post",
      path: "/",
      summary: "Create (or return) the customer's cross-site session with its token",
      responses: {
        201: jsonContent(CrossSiteSessionSchema, "Created"),
        200: jsonContent(CrossSiteSessionSchema, "Existing"),
        ...ERRORS,
      },
    }),
    async (c) => {
      const { status, session } = await ensureCrossSiteSession(c, await sessionCall(c));
      c.header("Cache-Control", "no-store");
      // The session answers 201 when it created the cross-site session, else 200.
      return c.json(session, status as 200 | 201);
    },
  )
  .openapi(
    transferRoute("customer", "A one-time code (120 s) to continue on another site of the company"),
    async (c) => {
      const body = c.req.valid("json");
      const call = await sessionCall(c, { body });
      const { token } = await ensureCrossSiteSession(c, call);
      return createTransfer(c, call, body.targetSiteId, token);
    },
  )
  .openapi(
    crossSiteRoute("customer", {
      method: "post",
      path: "/merge",
      summary: "Merge an anonymous session (cart, wishlist, comparison) into the customer's (dryRun previews)",
      request: jsonBody(SessionMergeSchema),
      responses: { 200: jsonContent(SessionMergeResultSchema, "The merged session and the differences"), ...ERRORS },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const result = await mergeGuestIntoCustomer(c.env, await sessionCall(c, { body }), body);
      const { cart, wishlist, comparison, dryRun, alreadyMerged } = result;
      const diff = { cart: result.diff, wishlist: result.wishlistDiff, comparison: result.comparisonDiff };
      return c.json({ cart, wishlist, comparison, diff, dryRun, alreadyMerged }, 200);
    },
  )
  .openapi(ticketRoute("customer"), async (c) => issueTicket(c, await sessionCall(c)));
