// Daily at 03:00 (runbook §6.1), a safety net: each session expires itself on its alarm (final
// state replicated, live state cleared). This job finds only sessions whose replica rows are
// still live well past their expiry — carts ACTIVE or ABANDONED, cross_site_sessions ACTIVE,
// `expires_at` more than EXPIRY_GRACE_MS ago — and nudges their sessions, at most
// SAFETY_NET_CALL_BUDGET per run. Each session's Durable Object re-checks its own activity,
// replicates its final state and clears itself (docs/design.md, "Lifecycle jobs"). Rows that
// name no session are expired set-based (expire-unreachable-rows.ts).
import { and, eq, inArray, sql } from "drizzle-orm";
import { carts, crossSiteSessions } from "../db/schema";
import { DEFAULT_CART_EXPIRATION_DAYS } from "../domain/lifecycle";
import { sessionStub } from "../session-client";
import { sessionObjectName } from "../session-client/address";
import { expireUnreachableRows } from "./expire-unreachable-rows";
import { addressIn } from "./replica-rows";
import type { Job, JobContext } from "./runtime";
import { skip, withCallCap } from "./runtime";
import { type KeysetBounds, sweep } from "./sweep";

/**
 * How long past `expires_at` before the net steps in: a day. The session's alarm expires it on
 * time; its final state reaches Postgres within seconds, or within about an hour of queue
 * retries when Postgres was down. A row still live a day later means the alarm or its
 * replication evidently failed, and a day-old expiry is still well inside the 30 days before
 * retention deletes the row.
 */
export const EXPIRY_GRACE_MS = 86_400_000;

interface Candidate {
  id: string;
  kind: "cart" | "session";
  companyId: string;
  customerId: string | null;
  sessionTokenHash: string | null;
  /** activity after this keeps the session alive */
  idleBefore: string;
}

interface CandidateRow extends Record<string, unknown> {
  id: string;
  kind: "cart" | "session";
  company_id: string;
  customer_id: string | null;
  session_token_hash: string | null;
  idle_before: Date | string;
}

type ExpireResult = { expired: boolean; reason?: string };

export const cleanupExpiredSessions: Job = {
  name: "cleanupExpiredSessions",
  run: async (ctx: JobContext) => {
    // First the rows no session can be reached for (set-based), so the sweep reads only the rest.
    await expireUnreachableRows(ctx, new Date(ctx.now.getTime() - EXPIRY_GRACE_MS).toISOString());
    await withCallCap(ctx, ctx.safetyNetCalls, expireOverdue);
  },
};

function expireOverdue(ctx: JobContext): Promise<void> {
  // A session can be due twice (its cart row and its cross-site row): once it is over, its
  // answer serves the other row too instead of a second call.
  const calls = new Map<string, Promise<ExpireResult>>();
  return sweep<Candidate>(ctx, {
    page: (bounds, limit) => dueSessions(ctx, bounds, limit),
    visit: async (candidate) => {
      const address = await addressIn(ctx, candidate);
      if (!address) return false;
      const name = sessionObjectName(address);
      const earlier = await calls.get(name);
      const reused = earlier !== undefined && isOver(earlier);
      let result: ExpireResult;
      if (reused) {
        result = earlier;
      } else {
        const call = sessionStub(ctx.env, address).expire(candidate.idleBefore);
        calls.set(name, call);
        result = await call;
      }
      if (result.reason?.startsWith("replication pending")) throw new Error(result.reason);
      const newlyExpired = result.expired && result.reason === undefined;
      // The session replicates its own rows; a row still saying otherwise (the session is
      // already over, or has no live state at all) is brought in line here, so it leaves
      // the candidate set.
      const rowUpdated =
        isOver(result) && (candidate.kind === "session" || !newlyExpired) && (await markRowExpired(ctx, candidate));
      if (rowUpdated || (newlyExpired && !reused)) ctx.counts.changed += 1;
      else skip(ctx, reused ? "same session" : (result.reason ?? "unchanged"));
      if (rowUpdated && !newlyExpired) ctx.extra.rowsOnlyExpired = Number(ctx.extra.rowsOnlyExpired ?? 0) + 1;
      return false;
    },
    describe: (candidate) => ({ kind: candidate.kind, id: candidate.id, companyId: candidate.companyId }),
  });
}

/** The session has ended, or has no live state at all. */
const isOver = (result: ExpireResult) => result.expired || result.reason === "no session";

/**
 * Both kinds in one keyset over id. Carts go idle after their site's cartExpirationDays (the
 * rule their `expires_at` came from); a cross-site session after the lifetime its own row
 * records (`expires_at - last_activity_at`).
 */
async function dueSessions(ctx: JobContext, bounds: KeysetBounds, limit: number): Promise<Candidate[]> {
  const now = ctx.now.toISOString();
  const dueBefore = new Date(ctx.now.getTime() - EXPIRY_GRACE_MS).toISOString();
  const after = bounds.after ?? null;
  const until = bounds.until ?? null;
  const result = await ctx.db.execute<CandidateRow>(sql`
    SELECT id, kind, company_id, customer_id, session_token_hash, idle_before FROM (
      SELECT c.id, 'cart' AS kind, c.company_id, c.customer_id, c.session_token_hash,
             ${now}::timestamptz - make_interval(days => coalesce(s.cart_expiration_days, ${DEFAULT_CART_EXPIRATION_DAYS})) AS idle_before
        FROM carts c
        LEFT JOIN sites s ON s.id = c.site_id AND s.company_id = c.company_id
       WHERE c.status IN ('ACTIVE', 'ABANDONED')
         AND c.expires_at < ${dueBefore}::timestamptz
         AND (c.customer_id IS NOT NULL OR c.session_token_hash IS NOT NULL)
         AND (${after}::uuid IS NULL OR c.id > ${after}::uuid)
         AND (${until}::uuid IS NULL OR c.id <= ${until}::uuid)
      UNION ALL
      SELECT x.id, 'session' AS kind, x.company_id, x.customer_id, x.session_token_hash,
             ${now}::timestamptz - (x.expires_at - x.last_activity_at) AS idle_before
        FROM cross_site_sessions x
       WHERE x.status = 'ACTIVE'
         AND x.expires_at < ${dueBefore}::timestamptz
         -- a row recording no lifetime at all is left to its cart's expiry
         AND x.expires_at > x.last_activity_at
         AND (x.customer_id IS NOT NULL OR x.session_token_hash IS NOT NULL)
         AND (${after}::uuid IS NULL OR x.id > ${after}::uuid)
         AND (${until}::uuid IS NULL OR x.id <= ${until}::uuid)
    ) due
    ORDER BY id
    LIMIT ${limit}`);
  return result.rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    companyId: row.company_id,
    customerId: row.customer_id,
    sessionTokenHash: row.session_token_hash,
    idleBefore: new Date(row.idle_before).toISOString(),
  }));
}

/**
 * Only the row's status: its version stays, so whatever the session replicates later still
 * lands (and says EXPIRED too).
 */
async function markRowExpired(ctx: JobContext, candidate: Candidate): Promise<boolean> {
  if (candidate.kind === "cart") {
    const updated = await ctx.db
      .update(carts)
      .set({ status: "EXPIRED" })
      .where(and(eq(carts.id, candidate.id), inArray(carts.status, ["ACTIVE", "ABANDONED"])))
      .returning({ id: carts.id });
    return updated.length > 0;
  }
  const updated = await ctx.db
    .update(crossSiteSessions)
    .set({
      status: "EXPIRED",
      expiredAt: sql`coalesce(${crossSiteSessions.expiredAt}, ${ctx.now.toISOString()}::timestamptz)`,
    })
    .where(and(eq(crossSiteSessions.id, candidate.id), eq(crossSiteSessions.status, "ACTIVE")))
    .returning({ id: crossSiteSessions.id });
  return updated.length > 0;
}
