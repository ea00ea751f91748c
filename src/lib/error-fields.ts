// The one way anything thrown becomes log data. Logs leave the Worker (Workers Logs, tail,
// log drains), so what an error carries is reduced to what explains it — name, message, stack,
// the cause chain — and never the data it was about: drizzle puts every SQL parameter of a
// failed query into its message (token hashes, customer ids, notes), Postgres echoes a bad
// value back in its own, and tokens end up in messages that mention them.
import { DrizzleQueryError } from "drizzle-orm";

export type ErrorFields = {
  name: string;
  message: string;
  /** the frames, under a first line rebuilt from the cleaned message */
  stack?: string;
  /** a Postgres SQLSTATE ("23505") or a system error code ("ECONNREFUSED") */
  code?: string;
  /** what caused this error, then what caused that, … (at most MAX_CAUSES) */
  cause?: ErrorFields[];
};

const MAX_CAUSES = 5;
export const REDACTED = "[redacted]";

/** Session, share and hashed tokens (64 hex and longer) and JWTs (their header starts `{"`, base64url `eyJ`). */
const SECRET_PATTERNS = [/[0-9a-f]{64,}/gi, /eyJ[\w-]+\.[\w-]+\.[\w-]*/g];
/** Drizzle's "Failed query: <sql>\nparams: <values>" (DrizzleQueryError): the values run to the end. */
const DRIZZLE_PARAMS = /\nparams: [\s\S]*$/;
const FAILED_QUERY = /(Failed query: )([\s\S]*)$/;
/**
 * A quoted literal inlined into SQL (`'…'`, `E'…'`, `$tag$…$tag$`): the way a text value gets
 * in without a placeholder (`sql.raw`, `inlineParams`). Drizzle's own SQL is parameterized, so
 * masking these leaves it whole.
 */
const SQL_LITERALS = /'(?:[^']|'')*'|\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g;
/**
 * Parameters shorter than this are not searched for in messages: they are numbers, flags and
 * short words that would shred the message, and identify no one.
 */
const MIN_PARAM_LENGTH = 4;
/** A V8 stack frame line ("    at fn (file:1:2)", "    at file:1:2", "    at async Promise.all (index 0)"). */
const FRAME = /^\s+at (?:.+ \(.*\)|\S+:\d+:\d+)$/;

/** What errorFields returned: passed through unchanged, so a second call (e.g. by the logger) is harmless. */
const made = new WeakSet<object>();

/**
 * `{ name, message, stack, code, cause: [...] }` for anything thrown, safe to log: drizzle's
 * parameters are dropped (and any of their values that Postgres echoes back is redacted),
 * literals inlined into the failed SQL are masked, and tokens and JWTs are redacted.
 */
export function errorFields(error: unknown): ErrorFields {
  if (typeof error === "object" && error !== null && made.has(error)) return error as ErrorFields;
  const chain = causeChain(error);
  const clean = cleaner(chain);
  const [top, ...causes] = chain.map((link) => describe(link, clean));
  const fields: ErrorFields = { ...(top as ErrorFields), ...(causes.length ? { cause: causes } : {}) };
  made.add(fields);
  return fields;
}

/**
 * errorFields as text for a terminal (the scripts): "name: message", or the stack with
 * `stack: true`, then one "caused by" line per cause.
 */
export function errorText(error: unknown, options: { stack?: boolean } = {}): string {
  const fields = errorFields(error);
  const line = (link: ErrorFields) => `${link.name}: ${link.message}${link.code ? ` [${link.code}]` : ""}`;
  const head = options.stack && fields.stack ? fields.stack : line(fields);
  return [head, ...(fields.cause ?? []).map((cause) => `  caused by ${line(cause)}`)].join("\n");
}

/** The error and its causes, stopping at MAX_CAUSES and at a cause seen before (a cycle). */
function causeChain(error: unknown): unknown[] {
  const chain = [error];
  let current = error;
  while (chain.length <= MAX_CAUSES && isErrorLike(current) && current.cause !== undefined) {
    current = current.cause;
    if (chain.includes(current)) break;
    chain.push(current);
  }
  return chain;
}

/**
 * Redacts tokens and, where a failed drizzle query is in the chain, every value it was sent:
 * a cause (the driver's error) may quote one ('invalid input syntax for type uuid: "…"').
 */
function cleaner(chain: unknown[]): (text: string) => string {
  const values = chain
    .flatMap((link) => (link instanceof DrizzleQueryError ? link.params : []))
    .filter((value): value is string => typeof value === "string" && value.length >= MIN_PARAM_LENGTH)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let cleaned = text
      .replace(DRIZZLE_PARAMS, "")
      .replace(FAILED_QUERY, (_, lead: string, query: string) => lead + query.replace(SQL_LITERALS, "'?'"));
    for (const value of values) cleaned = cleaned.split(value).join(REDACTED);
    for (const pattern of SECRET_PATTERNS) cleaned = cleaned.replace(pattern, REDACTED);
    return cleaned;
  };
}

function describe(link: unknown, clean: (text: string) => string): Omit<ErrorFields, "cause"> {
  if (!isErrorLike(link)) return { name: `non-Error ${typeof link}`, message: clean(textOf(link)) };
  const name = typeof link.name === "string" ? link.name : "Error";
  const message = clean(link.message);
  const frames = typeof link.stack === "string" ? framesOf(link.stack, link.message) : "";
  const code = "code" in link && typeof link.code === "string" ? link.code : undefined;
  return {
    name,
    message,
    ...(frames ? { stack: `${name}: ${message}${clean(frames)}` } : {}),
    ...(code ? { code } : {}),
  };
}

/**
 * The stack without its first line(s), which repeat the message as it was — parameters and
 * all. V8 starts a stack with "<name>: <message>"; where the message has changed since, the
 * frames are picked out line by line.
 */
function framesOf(stack: string, message: string): string {
  if (message) {
    const afterName = stack.indexOf(`: ${message}`);
    if (afterName >= 0) return stack.slice(afterName + 2 + message.length);
    if (stack.startsWith(message)) return stack.slice(message.length);
  }
  return stack
    .split("\n")
    .filter((line) => FRAME.test(line))
    .map((line) => `\n${line}`)
    .join("");
}

type ErrorLike = { name?: unknown; message: string; stack?: unknown; cause?: unknown };

/** An Error, or an object shaped like one (from another realm, or rebuilt after crossing RPC). */
function isErrorLike(value: unknown): value is ErrorLike {
  return (
    value instanceof Error ||
    (typeof value === "object" && value !== null && typeof (value as { message?: unknown }).message === "string")
  );
}

function textOf(value: unknown): string {
  if (typeof value !== "object" || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
