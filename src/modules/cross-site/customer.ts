// /api/cross-site-session (customer JWT): the customer's one session across the company's sites.
import { jsonBody, jsonContent } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { sessionStub, unwrap } from "../../session-client";
import { mergeGuest, sessionCall } from "../shopper-call";
import {
  createTransfer,
  crossSiteRoute,
  ERRORS,
  issueCrossSiteToken,
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
      summary: "The customer's cross-site session and its live tokens (never a token; 404 until one was issued)",
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
      summary: "Issue a new cross-site token (shown once; expires 30 days after its last use)",
      description:
        "Each call issues another token; earlier ones stay valid until they expire or are revoked. " +
        "A repeated Idempotency-Key issues a fresh token and revokes the one the first call issued.",
      responses: { 201: jsonContent(CrossSiteSessionSchema, "The session, with the new sessionToken"), ...ERRORS },
    }),
    async (c) => {
      const issued = await issueCrossSiteToken(c, await sessionCall(c));
      c.header("Cache-Control", "no-store");
      return c.json(issued, 201);
    },
  )
  .openapi(
    crossSiteRoute("customer", {
      method: "delete",
      path: "/",
      summary: "Revoke every cross-site token of the customer (their sites then get 401)",
      responses: { 204: { description: "Every cross-site token is revoked" }, ...ERRORS },
    }),
    async (c) => {
      const call = await sessionCall(c);
      unwrap(await sessionStub(c.env, call.address).revokeCrossSiteTokens(call));
      return c.body(null, 204);
    },
  )
  .openapi(
    transferRoute("customer", "A one-time code (120 s) to continue on another site of the company"),
    async (c) => {
      const body = c.req.valid("json");
      // The claim issues a fresh cross-site token: the code holds none.
      return createTransfer(c, await sessionCall(c, { body }), body.targetSiteId, undefined);
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
      const result = await mergeGuest(c, body);
      const { cart, wishlist, comparison, dryRun, alreadyMerged } = result;
      const diff = { cart: result.diff, wishlist: result.wishlistDiff, comparison: result.comparisonDiff };
      return c.json({ cart, wishlist, comparison, diff, dryRun, alreadyMerged }, 200);
    },
  )
  .openapi(ticketRoute("customer"), async (c) => issueTicket(c, await sessionCall(c)));
