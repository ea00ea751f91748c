// Ops' view of replication dead letters (docs/operations.md, "Replication dead letters"): list a
// company's and replay them. Mounted behind `authenticate` + `requireRole("admin")`; an admin
// sees and replays only their own company's letters.
import { createRoute, z } from "@hono/zod-openapi";
import { bearerAuth, jsonBody, jsonContent, problemResponses } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { listDeadLetters, markReplayed } from "../../replication/dead-letters";
import { sessionStubById } from "../../session-client";

const tags = ["replication"];

const DeadLetterSchema = z
  .object({
    resource: z.string().openapi({ description: "session, cart, wishlist, comparison, or message" }),
    resourceId: z.string(),
    sessionId: z.string().nullable(),
    objectId: z.string().nullable().openapi({ description: "the ShopperSession Durable Object's id" }),
    version: z.int(),
    reason: z.string().openapi({ description: "refused, invalid-message or retries-exhausted" }),
    sqlState: z.string().nullable(),
    count: z.int(),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    replayedAt: z.string().nullable(),
  })
  .openapi("ReplicationDeadLetter");

/** Each replay is one Durable Object call per session: bounded per request. */
const MAX_REPLAY = 100;

export const replication = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/dead-letters",
      tags,
      summary: "The company's replication dead letters, most recently seen first",
      security: bearerAuth,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: {
        200: jsonContent(z.object({ deadLetters: z.array(DeadLetterSchema) }), "The letters"),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const rows = await listDeadLetters(c.var.db(), c.var.auth.companyId, c.req.valid("query").limit);
      const iso = (date: Date | null) => date?.toISOString() ?? null;
      const deadLetters = rows.map((row) => ({
        resource: row.resource,
        resourceId: row.resourceId,
        sessionId: row.sessionId,
        objectId: row.objectId,
        version: row.version,
        reason: row.reason,
        sqlState: row.sqlState,
        count: row.count,
        firstSeenAt: row.firstSeenAt.toISOString(),
        lastSeenAt: row.lastSeenAt.toISOString(),
        replayedAt: iso(row.replayedAt),
      }));
      c.header("Cache-Control", "no-store");
      return c.json({ deadLetters }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/dead-letters/replay",
      tags,
      summary: "Ask the sessions behind the company's dead letters to send their state again",
      description:
        "Each session puts everything it holds back on the replication queue at its current version; Postgres keeps only what is newer. A letter goes once its resource is written; one refused again is counted again.",
      security: bearerAuth,
      request: jsonBody(z.object({ limit: z.int().min(1).max(MAX_REPLAY).default(MAX_REPLAY) })),
      responses: {
        200: jsonContent(
          z.object({ sessions: z.int(), resources: z.int(), unreachable: z.int() }),
          "What was sent again",
        ),
        ...problemResponses(400, 401, 403, 415),
      },
    }),
    async (c) => {
      const { companyId } = c.var.auth;
      const letters = await listDeadLetters(c.var.db(), companyId, 500);
      const objectIds = [...new Set(letters.flatMap((letter) => (letter.objectId ? [letter.objectId] : [])))].slice(
        0,
        c.req.valid("json").limit,
      );
      let resources = 0;
      const replayed: string[] = [];
      for (const objectId of objectIds) {
        const stub = sessionStubById(c.env, objectId);
        if (!stub) continue;
        resources += (await stub.resendReplicas()).resources;
        replayed.push(objectId);
      }
      await markReplayed(c.var.db(), companyId, replayed);
      return c.json({ sessions: replayed.length, resources, unreachable: objectIds.length - replayed.length }, 200);
    },
  );
