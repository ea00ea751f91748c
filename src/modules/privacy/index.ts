// Data-subject requests (GDPR art. 15 and 17, CCPA; docs/operations.md, "Data-subject
// requests"): export or erase everything stored about one customer of the caller's company,
// and the audit of those requests. Mounted behind `authenticate`; export and erase take an
// admin or service JWT, the audit an admin's. A customer the company has nothing of is a 404,
// as is another company's: the company is always the token's.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError } from "../../lib/errors";
import { bearerAuth, jsonContent, problemResponses } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import type { AppEnv } from "../../types";
import { type AuditEntry, erasedBefore, listRequests, recordRequest, type StoreCounts } from "./audit";
import { streamJson } from "./json-stream";
import {
  CustomerExportSchema,
  CustomerParams,
  ErasureReceiptSchema,
  PrivacyRequestSchema,
  PrivacyRequestsQuery,
} from "./schema";
import { companyJurisdiction } from "./sessions";
import { eraseCustomer, erasedAnything, exportCustomer, foundAnything, type Subject } from "./subject";

const tags = ["privacy"];

/** The request's subject; the company's residency read from Postgres (an inactive company's too). */
async function subjectOf(c: Context<AppEnv>, customerId: string): Promise<Subject> {
  const { companyId } = c.var.auth;
  const jurisdiction = await companyJurisdiction(c.var.db(), companyId);
  return { env: c.env, db: c.var.db(), companyId, customerId, jurisdiction };
}

/** Every request is audited, a 404 too; a request that failed midway is not (it is asked again). */
function audit(c: Context<AppEnv>, entry: Pick<AuditEntry, "customerId" | "action" | "outcome" | "counts">) {
  const { auth } = c.var;
  return recordRequest(c.var.db(), {
    ...entry,
    companyId: auth.companyId,
    actorSub: auth.sub,
    actorRole: auth.role,
    requestId: c.var.requestId,
  });
}

const unknownCustomer = () => new ApiError("NOT_FOUND", "Nothing is stored about this customer");

export const privacy = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/customers/{customerId}/export",
      tags,
      summary: "Everything stored about one customer of the company, as one JSON document",
      description:
        "The customer's live session state (and that of guest sessions merged into it), their Postgres rows (sessions, carts with lines and saved lines, wishlists, comparisons, conversion records, the customer record) and their archived carts in R2. The body is streamed. After an erasure it is empty; a customer the company has nothing of, and never erased, is a 404.",
      security: bearerAuth,
      request: { params: CustomerParams },
      responses: {
        200: jsonContent(CustomerExportSchema, "The customer's data"),
        ...problemResponses(400, 401, 403, 404, 503),
      },
    }),
    async (c) => {
      const subject = await subjectOf(c, c.req.valid("param").customerId);
      const { document, counts } = await exportCustomer(subject);
      const known = foundAnything(counts) || (await erasedBefore(subject.db, subject.companyId, subject.customerId));
      await audit(c, {
        customerId: subject.customerId,
        action: "export",
        outcome: known ? "completed" : "not_found",
        counts,
      });
      if (!known) throw unknownCustomer();
      return new Response(streamJson(document), {
        status: 200,
        headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
      }) as never;
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/customers/{customerId}/erase",
      tags,
      summary: "Erase one customer's data everywhere (anonymizing what analytics count)",
      description:
        "Empties the customer's session objects (and those of merged guest sessions and cross-site token links; live sockets are closed), anonymizes their Postgres rows (customer id, token and share digests, order ids and wishlist notes cleared; the rows still count in analytics), deletes their conversion records and customer record, and removes their archived carts from R2. Replication of an erased session writes nothing again. Idempotent: a repeat answers zeros. The customer's next request starts a fresh session.",
      security: bearerAuth,
      request: { params: CustomerParams },
      responses: {
        200: jsonContent(ErasureReceiptSchema, "What was erased, per store"),
        ...problemResponses(400, 401, 403, 404, 415, 503),
      },
    }),
    async (c) => {
      const subject = await subjectOf(c, c.req.valid("param").customerId);
      const counts = await eraseCustomer(subject);
      const known = erasedAnything(counts) || (await erasedBefore(subject.db, subject.companyId, subject.customerId));
      await audit(c, {
        customerId: subject.customerId,
        action: "erase",
        outcome: known ? "completed" : "not_found",
        counts: counts as StoreCounts,
      });
      if (!known) throw unknownCustomer();
      c.header("Cache-Control", "no-store");
      return c.json(
        { companyId: subject.companyId, customerId: subject.customerId, erasedAt: new Date().toISOString(), ...counts },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/requests",
      tags,
      summary: "The company's data-subject requests, newest first (admin JWT)",
      security: bearerAuth,
      request: { query: PrivacyRequestsQuery },
      responses: {
        200: jsonContent(z.object({ requests: z.array(PrivacyRequestSchema) }), "The audit"),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { customerId, limit } = c.req.valid("query");
      const rows = await listRequests(c.var.db(), c.var.auth.companyId, customerId, limit);
      const requests = rows.map((row) => ({
        id: row.id,
        customerId: row.customerId,
        action: row.action as "export" | "erase",
        outcome: row.outcome as "completed" | "not_found",
        actorSub: row.actorSub,
        actorRole: row.actorRole,
        requestId: row.requestId,
        counts: row.counts,
        requestedAt: row.requestedAt.toISOString(),
      }));
      c.header("Cache-Control", "no-store");
      return c.json({ requests }, 200);
    },
  );
