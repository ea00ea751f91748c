// /api/public/session (anonymous, x-session-token): a storefront's session, carried to the
// company's other sites by one-time transfer codes.
import { ApiError } from "../../lib/errors";
import { jsonBody, jsonContent } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { sha256Hex } from "../../lib/tokens";
import { callSession, jurisdictionFor, sessionStub, sharedSessionStub, unwrap } from "../../session-client";
import { openAnonymousSession, sessionCall } from "../shopper-call";
import {
  createTransfer,
  crossSiteRoute,
  ERRORS,
  issueTicket,
  linkCrossSiteToken,
  mintCrossSiteToken,
  ticketRoute,
  transferRoute,
} from "./actions";
import { ClaimResultSchema, ClaimSchema, CrossSiteSessionSchema } from "./schema";

export const publicSessions = createRouter()
  .openapi(
    crossSiteRoute("public", {
      method: "post",
      path: "/",
      summary: "Create an anonymous session (or return the one whose token is sent)",
      responses: {
        201: jsonContent(CrossSiteSessionSchema, "A new session, with its sessionToken"),
        200: jsonContent(CrossSiteSessionSchema, "The session the token sent names"),
        ...ERRORS,
      },
    }),
    async (c) => {
      const { shopper } = c.var;
      c.header("Cache-Control", "no-store");
      if (shopper.sessionToken) {
        const call = await sessionCall(c);
        const outcome = await callSession(c.env, call, (stub, routed) => stub.sessionInfo(routed));
        if (outcome.ok) return c.json(outcome.body, 200);
      }
      const { sessionToken, call } = await openAnonymousSession(c, undefined);
      // The token's first use: the object creates the session as openAnonymousSession built it.
      const { body } = unwrap(await sessionStub(c.env, call.address).sessionInfo(call));
      return c.json({ ...body, sessionToken }, 201);
    },
  )
  .openapi(
    crossSiteRoute("public", {
      method: "get",
      path: "/",
      summary: "The session the token names",
      responses: { 200: jsonContent(CrossSiteSessionSchema, "The session"), ...ERRORS },
    }),
    async (c) => {
      const call = await sessionCall(c);
      c.header("Cache-Control", "no-store");
      return c.json(unwrap(await callSession(c.env, call, (stub, routed) => stub.sessionInfo(routed))).body, 200);
    },
  )
  .openapi(transferRoute("public", "A one-time code (120 s) to continue this session on another site"), async (c) => {
    const body = c.req.valid("json");
    const call = await sessionCall(c, { body });
    // sessionCall has checked that the token is there.
    return createTransfer(c, call, body.targetSiteId, c.var.shopper.sessionToken as string);
  })
  .openapi(
    crossSiteRoute("public", {
      method: "post",
      path: "/claim",
      summary: "Redeem a transfer code on the target site (x-site-id) for the session token",
      request: jsonBody(ClaimSchema),
      responses: { 200: jsonContent(ClaimResultSchema, "The session token for this site's storage"), ...ERRORS },
    }),
    async (c) => {
      const { code } = c.req.valid("json");
      const { company, site } = c.var.shopper;
      c.header("Cache-Control", "no-store");
      const stub = sharedSessionStub(c.env, code);
      if (!stub) throw new ApiError("NOT_FOUND", "Transfer code not found or expired");
      // A customer's session answers a claim with a fresh cross-site token, minted here.
      const { token, fresh } = await mintCrossSiteToken(c);
      const { body } = unwrap(await stub.claimTransfer(company.id, await sha256Hex(code), site, fresh));
      if (body.sessionToken) return c.json({ sessionToken: body.sessionToken, session: body.session }, 200);
      const { customerId } = body.session;
      if (!customerId || !body.issuedTokenExpiresAt) throw new ApiError("INTERNAL", "The claim yielded no token");
      const jurisdiction = jurisdictionFor(company.dataResidency);
      await linkCrossSiteToken(c.env, { companyId: company.id, customerId, jurisdiction }, fresh.digest);
      const session = { ...body.session, sessionTokenExpiresAt: body.issuedTokenExpiresAt };
      return c.json({ sessionToken: token, session }, 200);
    },
  )
  .openapi(ticketRoute("public"), async (c) => issueTicket(c, await sessionCall(c)));
