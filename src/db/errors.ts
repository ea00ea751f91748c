// What a failed database call says about Postgres, read off the error wherever it sits in the
// cause chain (drizzle wraps the driver's error, which carries the SQLSTATE). One place for
// the rule, so the API's 503s, the replication consumer's retries and the catalog's conflicts
// agree on what "Postgres refused this" and "Postgres could not be reached" mean.
import { DrizzleQueryError } from "drizzle-orm";

const MAX_DEPTH = 5;

export interface PostgresError {
  /** SQLSTATE, e.g. "23505" */
  code: string;
  /** the violated constraint, on class 23 errors */
  constraint?: string;
}

/** The driver's error carrying Postgres's SQLSTATE, if Postgres answered at all. */
export function postgresErrorOf(error: unknown): PostgresError | undefined {
  for (const link of causeChain(error)) {
    const code = (link as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return link as PostgresError;
  }
  return undefined;
}

/** The SQLSTATE an error (or one of its causes) carries, if any. */
export const sqlStateOf = (error: unknown): string | undefined => postgresErrorOf(error)?.code;

/**
 * SQLSTATEs that say "not now" rather than "never": the connection failed (08), resources ran
 * out (53), the server is shutting down or the query was cancelled (57), a system error (58),
 * a serialization failure or deadlock (40), a lock wait gave up (55P03), the database is not
 * there (3D000: a branch being restored, or the test's missing database).
 */
const UNAVAILABLE_CLASSES = new Set(["08", "40", "53", "57", "58"]);
const UNAVAILABLE_STATES = new Set(["55P03", "3D000"]);
/** Errors from the socket below the driver: ECONNREFUSED, ECONNRESET, ETIMEDOUT, … */
const SYSTEM_ERROR = /^E[A-Z]+$/;

/**
 * Whether `error` means Postgres could not be reached or could not serve right now, so the
 * caller should retry later (503 with Retry-After) rather than see a bug (500). A query that
 * failed without any SQLSTATE failed below Postgres: the connection, not the statement.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined) return UNAVAILABLE_CLASSES.has(sqlState.slice(0, 2)) || UNAVAILABLE_STATES.has(sqlState);
  return causeChain(error).some(
    (link) =>
      link instanceof DrizzleQueryError ||
      SYSTEM_ERROR.test(String((link as { code?: unknown }).code ?? "")) ||
      isDriverConnectionError(link),
  );
}

/** The Neon driver's own connection failures (a Pool's connect timeout, a socket closed mid-query). */
function isDriverConnectionError(link: unknown): boolean {
  const message = link instanceof Error ? link.message : "";
  return /timeout exceeded when trying to connect|Connection terminated|WebSocket|connection (?:closed|refused)/i.test(
    message,
  );
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let link = error; link && typeof link === "object" && chain.length < MAX_DEPTH; link = (link as Error).cause) {
    chain.push(link);
  }
  return chain;
}
