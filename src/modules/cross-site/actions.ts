// What the customer and public cross-site routes both do: mint transfer codes and live tickets,
// and mint customers' cross-site tokens (the raw token exists only here and in the response).
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { SessionCall, SessionJurisdiction } from "../../../durable-objects/contract";
import { ApiError } from "../../lib/errors";
import { type Audience, jsonBody, jsonContent, problemResponses, shopperRoute } from "../../lib/openapi";
import { newSessionToken, sha256Hex } from "../../lib/tokens";
import { resolveSite } from "../../middleware/shopper";
import { callSession, newShareToken, sessionStub, unwrap } from "../../session-client";
import type { AppEnv } from "../../types";
import { TicketSchema, TransferCodeSchema, TransferSchema } from "./schema";

export const ERRORS = problemResponses(400, 401, 403, 404, 409, 410, 413, 422, 429, 503);

export const crossSiteRoute = <R extends Omit<RouteConfig, "tags">>(audience: Audience, route: R) =>
  shopperRoute(audience, createRoute({ ...route, tags: ["cross-site session"] }));

/** POST /transfer for `audience`: a code to continue the session on another site. */
export const transferRoute = (audience: Audience, summary: string) =>
  crossSiteRoute(audience, {
    method: "post",
    path: "/transfer",
    summary,
    request: jsonBody(TransferSchema),
    responses: { 200: jsonContent(TransferCodeSchema, "The code and the target URL"), ...ERRORS },
  });

/** POST /ticket for `audience`: a ticket to open the live-sync WebSocket. */
export const ticketRoute = (audience: Audience) =>
  crossSiteRoute(audience, {
    method: "post",
    path: "/ticket",
    summary: "A 30-second ticket to open the live-sync WebSocket",
    responses: { 200: jsonContent(TicketSchema, "The ticket"), ...ERRORS },
  });

/**
 * A new cross-site token for a customer: minted here, its digest (with the configured
 * lifetime) handed to the customer's object, the raw token returned once. Only its digest is
 * kept anywhere.
 */
export async function mintCrossSiteToken(c: Context<AppEnv>) {
  const token = newSessionToken();
  const days = c.var.config.CROSS_SITE_TOKEN_TTL_DAYS;
  return { token, fresh: { digest: await sha256Hex(token), ttlMs: days * 86_400_000 } };
}

/**
 * Routes a customer's cross-site token: its own object (named by its digest) becomes a link to
 * the customer's. The link opens nothing by itself: the customer's object checks the token on
 * every call.
 */
export async function linkCrossSiteToken(
  env: Env,
  customer: { companyId: string; customerId: string; jurisdiction?: SessionJurisdiction | undefined },
  digest: string,
) {
  const { companyId, customerId, jurisdiction } = customer;
  // The link lives in the customer's jurisdiction: the token's requests reach it with the company's residency.
  const tokenAddress = { kind: "anonymous", companyId, tokenHash: digest, jurisdiction } as const;
  const { linked } = await sessionStub(env, tokenAddress).link({ companyId, customerId });
  if (!linked) throw new ApiError("INTERNAL", "The cross-site token could not be linked");
}

/** Issues a customer's cross-site token: 201 with the session and the token, shown this once. */
export async function issueCrossSiteToken(c: Context<AppEnv>, call: SessionCall) {
  if (call.address.kind !== "customer") throw new ApiError("FORBIDDEN", "Only customers have a cross-site session");
  const { token, fresh } = await mintCrossSiteToken(c);
  const { body } = unwrap(await sessionStub(c.env, call.address).issueCrossSiteToken(call, fresh));
  await linkCrossSiteToken(c.env, call.address, fresh.digest);
  return { ...body.session, sessionToken: token, sessionTokenExpiresAt: body.expiresAt };
}

/** A one-time transfer code for continuing on `targetSiteId`, and the target's URL carrying it. */
export async function createTransfer(
  c: Context<AppEnv>,
  call: SessionCall,
  targetSiteId: string,
  sessionToken: string | undefined,
) {
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
export async function issueTicket(c: Context<AppEnv>, call: SessionCall) {
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
