// /api/live?ticket=…: the live-sync WebSocket. Browsers cannot set headers on a WebSocket, so
// the only credential is the short-lived, single-use ticket, which also names the session's object.
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import { problemResponses } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { sha256Hex } from "../../lib/tokens";
import { sharedSessionStub } from "../../session-client";

export const live = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["cross-site session"],
    summary: "The live-sync WebSocket (Upgrade: websocket), opened with a ticket from POST …/ticket",
    // No shape rules: a malformed ticket is the same 404 as an expired or unknown one.
    request: { query: z.object({ ticket: z.string().optional() }) },
    responses: {
      101: { description: "Switching to the WebSocket: a message each time the session changes" },
      ...problemResponses(400, 404, 429),
    },
  }),
  async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError("VALIDATION_FAILED", "This endpoint is a WebSocket (send Upgrade: websocket)");
    }
    const ticket = c.req.valid("query").ticket ?? "";
    const stub = sharedSessionStub(c.env, ticket);
    if (!stub) throw new ApiError("NOT_FOUND", "Ticket not found or expired");
    const url = `https://session/live?ticketHash=${await sha256Hex(ticket)}`;
    const response = await stub.fetch(url, { headers: { upgrade: "websocket" } });
    if (response.status !== 101) throw new ApiError("NOT_FOUND", "Ticket not found or expired");
    return response;
  },
);
