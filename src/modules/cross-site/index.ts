// Cross-site sessions: one shopper session shared by all of a company's sites.
// Customers: /api/cross-site-session (JWT). Anonymous shoppers: /api/public/session.
// Live sync: /api/live?ticket=… (a WebSocket; the ticket keeps long-lived tokens out of URLs).
import type { Context } from "hono";
import type { SessionCall } from "../../../durable-objects/contract";
import { ApiError } from "../../lib/errors";
import { bearerAuth, jsonBody, jsonContent, problemResponses, publicSessionHeaders } from "../../lib/openapi";
import { createRouter, validate } from "../../lib/router";
import { newSessionToken, sha256Hex } from "../../lib/tokens";
import { resolveSite } from "../../middleware/shopper";
import { callSession, newShareToken, sessionStub, sharedSessionStub, unwrap } from "../../session-client";
import { mergeGuestIntoCustomer } from "../../session-client/merge";
import type { AppEnv } from "../../types";
import { sessionCall } from "../shopper-call";
import {
  ClaimResultSchema,
  ClaimSchema,
  CrossSiteSessionSchema,
  SessionMergeResultSchema,
  SessionMergeSchema,
  TicketSchema,
  TransferCodeSchema,
  TransferSchema,
} from "./schema";

const ERRORS = problemResponses(400, 401, 403, 404, 409, 410, 413, 422, 429, 503);

/** The customer's cross-site session, created if needed, with its token linked to the customer's object. */
async function ensureCrossSiteSession(c: Context<AppEnv>, call: SessionCall) {
  if (call.address.kind !== "customer") throw new ApiError("FORBIDDEN", "Only customers have a cross-site session");
  const { status, body } = unwrap(await sessionStub(c.env, call.address).crossSiteSession(call, newSessionToken()));
  const token = body.sessionToken as string;
  const tokenAddress = {
    kind: "anonymous",
    companyId: call.address.companyId,
    tokenHash: await sha256Hex(token),
  } as const;
  const { linked } = await sessionStub(c.env, tokenAddress).link({
    companyId: call.address.companyId,
    customerId: call.address.customerId,
  });
  if (!linked) throw new ApiError("INTERNAL", "The cross-site token could not be linked");
  return { status, session: body, token };
}

/** A one-time transfer code for continuing on `targetSiteId`, and the target's URL carrying it. */
async function createTransfer(c: Context<AppEnv>, call: SessionCall, targetSiteId: string, sessionToken: string) {
  const target = resolveSite(c.var.shopper.company, targetSiteId);
  let code = "";
  unwrap(
    await callSession(c.env, call, async (stub, routed) => {
      code = newShareToken(stub);
      return stub.createTransfer(routed, { codeHash: await sha256Hex(code), targetSiteId: target.id, sessionToken });
    }),
  );
  const url = new URL(target.baseUrl ?? "https://invalid.example");
  url.searchParams.set("crosscart_transfer", code);
  c.header("Cache-Control", "no-store");
  return c.json({ code, url: url.toString(), expiresInSeconds: 120, targetSiteId: target.id }, 200);
}

/** A live-sync ticket for the session this request acts on. */
async function issueTicket(c: Context<AppEnv>, call: SessionCall) {
  let ticket = "";
  const { body } = unwrap(
    await callSession(c.env, call, async (stub, routed) => {
      ticket = newShareToken(stub);
      return stub.issueTicket(routed, await sha256Hex(ticket));
    }),
  );
  c.header("Cache-Control", "no-store");
  return c.json({ ticket, url: `/api/live?ticket=${ticket}`, expiresInSeconds: body.expiresInSeconds }, 200);
}

// ── /api/cross-site-session (customer JWT) ──────────────────────────────────────

export const customerSessions = createRouter();
const customerDoc = (spec: Parameters<typeof customerSessions.openAPIRegistry.registerPath>[0]) =>
  customerSessions.openAPIRegistry.registerPath({ ...spec, tags: ["cross-site session"], security: bearerAuth });

customerDoc({
  method: "get",
  path: "/",
  summary: "The customer's cross-site session (404 until created)",
  responses: { 200: jsonContent(CrossSiteSessionSchema, "The session"), ...ERRORS },
});
customerSessions.get("/", async (c) => {
  const call = await sessionCall(c);
  const { body } = unwrap(await sessionStub(c.env, call.address).crossSiteSession(call));
  c.header("Cache-Control", "no-store");
  return c.json(body, 200);
});

customerDoc({
  method: "post",
  path: "/",
  summary: "Create (or return) the customer's cross-site session with its token",
  responses: {
    201: jsonContent(CrossSiteSessionSchema, "Created"),
    200: jsonContent(CrossSiteSessionSchema, "Existing"),
    ...ERRORS,
  },
});
customerSessions.post("/", async (c) => {
  const { status, session } = await ensureCrossSiteSession(c, await sessionCall(c));
  c.header("Cache-Control", "no-store");
  return c.json(session, status as 200 | 201);
});

customerDoc({
  method: "post",
  path: "/transfer",
  summary: "A one-time code (120 s) to continue on another site of the company",
  request: jsonBody(TransferSchema),
  responses: { 200: jsonContent(TransferCodeSchema, "The code and the target URL"), ...ERRORS },
});
customerSessions.post("/transfer", validate("json", TransferSchema), async (c) => {
  const body = c.req.valid("json");
  const call = await sessionCall(c, { body });
  const { token } = await ensureCrossSiteSession(c, call);
  return createTransfer(c, call, body.targetSiteId, token);
});

customerDoc({
  method: "post",
  path: "/merge",
  summary: "Merge an anonymous session (cart, wishlist, comparison) into the customer's (dryRun previews)",
  request: jsonBody(SessionMergeSchema),
  responses: { 200: jsonContent(SessionMergeResultSchema, "The merged session and the differences"), ...ERRORS },
});
customerSessions.post("/merge", validate("json", SessionMergeSchema), async (c) => {
  const body = c.req.valid("json");
  const result = await mergeGuestIntoCustomer(c.env, await sessionCall(c, { body }), body);
  return c.json(
    {
      cart: result.cart,
      wishlist: result.wishlist,
      comparison: result.comparison,
      diff: { cart: result.diff, wishlist: result.wishlistDiff, comparison: result.comparisonDiff },
      dryRun: result.dryRun,
      alreadyMerged: result.alreadyMerged,
    },
    200,
  );
});

customerDoc({
  method: "post",
  path: "/ticket",
  summary: "A 30-second ticket to open the live-sync WebSocket",
  responses: { 200: jsonContent(TicketSchema, "The ticket"), ...ERRORS },
});
customerSessions.post("/ticket", async (c) => issueTicket(c, await sessionCall(c)));

// ── /api/public/session (anonymous, x-session-token) ────────────────────────────

export const publicSessions = createRouter();
const publicDoc = (spec: Parameters<typeof publicSessions.openAPIRegistry.registerPath>[0]) =>
  publicSessions.openAPIRegistry.registerPath({
    ...spec,
    tags: ["cross-site session"],
    request: { headers: publicSessionHeaders, ...spec.request },
  });

publicDoc({
  method: "post",
  path: "/",
  summary: "Create an anonymous session (or return the one whose token is sent)",
  responses: { 201: jsonContent(CrossSiteSessionSchema, "A new session, with its sessionToken"), ...ERRORS },
});
publicSessions.post("/", async (c) => {
  const { shopper } = c.var;
  c.header("Cache-Control", "no-store");
  if (shopper.sessionToken) {
    const call = await sessionCall(c);
    const outcome = await callSession(c.env, call, (stub, routed) => stub.sessionInfo(routed));
    if (outcome.ok) return c.json(outcome.body, 200);
  }
  const sessionToken = newSessionToken();
  const address = {
    kind: "anonymous",
    companyId: shopper.company.id,
    tokenHash: await sha256Hex(sessionToken),
  } as const;
  unwrap(await sessionStub(c.env, address).openCart({ address, site: shopper.site }, undefined));
  const { body } = unwrap(await sessionStub(c.env, address).sessionInfo({ address, site: shopper.site }));
  return c.json({ ...body, sessionToken }, 201);
});

publicDoc({
  method: "get",
  path: "/",
  summary: "The session the token names",
  responses: { 200: jsonContent(CrossSiteSessionSchema, "The session"), ...ERRORS },
});
publicSessions.get("/", async (c) => {
  const call = await sessionCall(c);
  c.header("Cache-Control", "no-store");
  return c.json(unwrap(await callSession(c.env, call, (stub, routed) => stub.sessionInfo(routed))).body, 200);
});

publicDoc({
  method: "post",
  path: "/transfer",
  summary: "A one-time code (120 s) to continue this session on another site",
  request: jsonBody(TransferSchema),
  responses: { 200: jsonContent(TransferCodeSchema, "The code and the target URL"), ...ERRORS },
});
publicSessions.post("/transfer", validate("json", TransferSchema), async (c) => {
  const body = c.req.valid("json");
  const call = await sessionCall(c, { body });
  return createTransfer(c, call, body.targetSiteId, c.var.shopper.sessionToken as string);
});

publicDoc({
  method: "post",
  path: "/claim",
  summary: "Redeem a transfer code on the target site (x-site-id) for the session token",
  request: jsonBody(ClaimSchema),
  responses: { 200: jsonContent(ClaimResultSchema, "The session token for this site's storage"), ...ERRORS },
});
publicSessions.post("/claim", validate("json", ClaimSchema), async (c) => {
  const { code } = c.req.valid("json");
  const { company, site } = c.var.shopper;
  c.header("Cache-Control", "no-store");
  const stub = sharedSessionStub(c.env, code);
  if (!stub) throw new ApiError("NOT_FOUND", "Transfer code not found or expired");
  const { body } = unwrap(await stub.claimTransfer(company.id, await sha256Hex(code), site));
  return c.json(body, 200);
});

publicDoc({
  method: "post",
  path: "/ticket",
  summary: "A 30-second ticket to open the live-sync WebSocket",
  responses: { 200: jsonContent(TicketSchema, "The ticket"), ...ERRORS },
});
publicSessions.post("/ticket", async (c) => issueTicket(c, await sessionCall(c)));

// ── /api/live?ticket=… ──────────────────────────────────────────────────────────

/**
 * The live-sync WebSocket. Browsers cannot set headers on a WebSocket, so the only
 * credential is the short-lived, single-use ticket, which also names the session's object.
 */
export const live = createRouter();
live.get("/", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("VALIDATION_FAILED", "This endpoint is a WebSocket (send Upgrade: websocket)");
  }
  const ticket = c.req.query("ticket") ?? "";
  const stub = sharedSessionStub(c.env, ticket);
  if (!stub) throw new ApiError("NOT_FOUND", "Ticket not found or expired");
  const url = `https://session/live?ticketHash=${await sha256Hex(ticket)}`;
  const response = await stub.fetch(url, { headers: { upgrade: "websocket" } });
  if (response.status !== 101) throw new ApiError("NOT_FOUND", "Ticket not found or expired");
  return response;
});
