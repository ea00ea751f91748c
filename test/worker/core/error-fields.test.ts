// errorFields: the one way anything thrown becomes log data — name, message, stack, causes —
// and never a SQL parameter or a token, whatever shape the error comes in.
import { DrizzleQueryError, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { companies, customers } from "../../../src/db/schema";
import { errorFields, errorText, REDACTED } from "../../../src/lib/error-fields";
import { createLogger } from "../../../src/lib/logger";
import { type TestDb, withDatabase } from "../../support/db";

const SESSION_TOKEN = "ab12".repeat(16);
const SHARE_TOKEN = `${"0f".repeat(32)}${"c3".repeat(32)}`;
const JWT =
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEiLCJjb21wYW55SWQiOiJjMSJ9.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/** What a failed query threw, with the values it was sent. */
async function failedQuery(run: (db: TestDb) => Promise<unknown>): Promise<DrizzleQueryError> {
  try {
    await withDatabase(run);
  } catch (error) {
    expect(error).toBeInstanceOf(DrizzleQueryError);
    return error as DrizzleQueryError;
  }
  throw new Error("the query was expected to fail");
}

/** Fails the test, naming the value, if any of `values` appears anywhere in `fields`. */
function expectNoneOf(fields: unknown, values: unknown[]): void {
  const logged = JSON.stringify(fields);
  for (const value of values) expect(logged, `leaked ${String(value)}`).not.toContain(String(value));
}

describe("errorFields of a real failed query (drizzle over the test Postgres)", () => {
  it("keeps the parameterized SQL and the driver's cause, drops every parameter", async () => {
    const slug = `slug-${crypto.randomUUID()}`;
    const note = "Customer asked to ship to 12 Baker Street";
    await withDatabase((db) => db.insert(companies).values({ id: crypto.randomUUID(), name: "Taken", slug }));
    // The slug is taken: Postgres refuses, and its `detail` ("Key (slug)=(…)") quotes the value.
    const error = await failedQuery((db) => db.insert(companies).values({ id: crypto.randomUUID(), name: note, slug }));
    expect(error.message).toContain(slug); // what String(error) used to log

    const fields = errorFields(error);
    expect(fields.message).toMatch(/^Failed query: insert into "companies" .*values \(\$1, \$2, \$3/);
    expect(fields.message).not.toContain("params:");
    expect(fields.stack).toMatch(/^Error: Failed query: insert into "companies"/);
    expect(fields.stack).toContain("error-fields.test");
    expect(fields.cause).toEqual([
      expect.objectContaining({
        message: 'duplicate key value violates unique constraint "companies_slug_key"',
        code: "23505",
      }),
    ]);
    expectNoneOf(fields, error.params);
  });

  it("redacts a parameter that the driver's own message quotes back", async () => {
    const customerRef = "customer-4711-not-a-uuid";
    const error = await failedQuery((db) =>
      db.insert(customers).values({ companyId: customerRef, email: "shopper@example.test" }),
    );
    expect(String(error.cause)).toContain(customerRef); // Postgres: invalid input syntax for type uuid: "…"

    const fields = errorFields(error);
    expect(fields.cause?.[0]?.message).toBe(`invalid input syntax for type uuid: "${REDACTED}"`);
    expect(fields.cause?.[0]?.code).toBe("22P02");
    expectNoneOf(fields, error.params);
  });

  it("masks literals inlined into the SQL (sql.raw), which a placeholder would have kept out", async () => {
    const error = await failedQuery((db) =>
      db.execute(sql`select ${sql.raw(`'${SESSION_TOKEN}'`)}::int, ${"a note of the shopper"}::int`),
    );
    const fields = errorFields(error);
    expect(fields.message).toBe("Failed query: select '?'::int, $1::int");
    expectNoneOf(fields, [SESSION_TOKEN, "a note of the shopper"]);
  });

  it("the logger writes the same fields for an `error`, so nothing reaches the log line", async () => {
    const secret = "order-2024-000123-private";
    const error = await failedQuery((db) => db.execute(sql`select ${secret}::uuid`));
    const lines: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    try {
      createLogger({ requestId: "r1" }).error("request failed", { code: "INTERNAL", error });
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secret);
    const logged = JSON.parse(lines[0] as string);
    expect(logged).toMatchObject({ level: "error", msg: "request failed", requestId: "r1", code: "INTERNAL" });
    expect(logged.error).toEqual(JSON.parse(JSON.stringify(errorFields(error))));
  });
});

describe("errorFields", () => {
  it("an Error: name, message, stack (its frames)", () => {
    const fields = errorFields(new TypeError("no such product"));
    expect(fields).toEqual({ name: "TypeError", message: "no such product", stack: expect.any(String) });
    expect(fields.stack).toMatch(/^TypeError: no such product\n\s+at /);
    expect(fields.stack).toContain("error-fields.test");
  });

  it("the cause chain, outermost first, as a flat list", () => {
    const root = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const middle = new Error("pool could not connect", { cause: root });
    const fields = errorFields(new Error("catalog unavailable", { cause: middle }));
    expect(fields.message).toBe("catalog unavailable");
    expect(fields.cause).toEqual([
      expect.objectContaining({ name: "Error", message: "pool could not connect" }),
      expect.objectContaining({ message: "connect ECONNREFUSED 127.0.0.1:5432", code: "ECONNREFUSED" }),
    ]);
    expect(fields.cause?.[1]?.cause).toBeUndefined();
  });

  it("bounds the chain (five causes) and stops at a cycle", () => {
    let deep: Error = new Error("level 0");
    for (let level = 1; level < 20; level++) deep = new Error(`level ${level}`, { cause: deep });
    expect(errorFields(deep).cause?.map((cause) => cause.message)).toEqual([
      "level 18",
      "level 17",
      "level 16",
      "level 15",
      "level 14",
    ]);

    const a = new Error("a");
    const b = new Error("b", { cause: a });
    a.cause = b;
    expect(errorFields(a).cause?.map((cause) => cause.message)).toEqual(["b"]);
  });

  it("anything else thrown: strings, numbers, plain objects, error-shaped objects, null", () => {
    expect(errorFields("session unavailable")).toEqual({ name: "non-Error string", message: "session unavailable" });
    expect(errorFields(42)).toEqual({ name: "non-Error number", message: "42" });
    expect(errorFields(null)).toEqual({ name: "non-Error object", message: "null" });
    expect(errorFields({ status: 503, reason: "overloaded" })).toEqual({
      name: "non-Error object",
      message: '{"status":503,"reason":"overloaded"}',
    });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(errorFields(circular)).toEqual({ name: "non-Error object", message: "[object Object]" });
    // e.g. an error rebuilt on this side of an RPC, or one from another realm
    expect(errorFields({ name: "RpcError", message: "session gone", cause: "evicted" })).toEqual({
      name: "RpcError",
      message: "session gone",
      cause: [{ name: "non-Error string", message: "evicted" }],
    });
  });

  it("redacts session tokens, share tokens and JWTs in messages, stacks and causes", () => {
    const error = new Error(`token ${SESSION_TOKEN} unknown`, {
      cause: new Error(`share ${SHARE_TOKEN} revoked; Authorization: Bearer ${JWT}`),
    });
    const fields = errorFields(error);
    expect(fields.message).toBe(`token ${REDACTED} unknown`);
    expect(fields.stack).toMatch(/^Error: token \[redacted\] unknown\n/);
    expect(fields.cause?.[0]?.message).toBe(`share ${REDACTED} revoked; Authorization: Bearer ${REDACTED}`);
    expectNoneOf(fields, [SESSION_TOKEN, SHARE_TOKEN, JWT, JWT.split(".")[1]]);
    expectNoneOf(errorFields(`merge of ${SESSION_TOKEN.toUpperCase()} failed`), [SESSION_TOKEN.toUpperCase()]);
  });

  it("drops the parameters of a drizzle message wherever it ends up: a String(error), a wrapping error's message", () => {
    const drizzle = new DrizzleQueryError(
      'update "carts" set "note" = $1 where "id" = $2',
      ["leave at the back door", "7d9c0a52-1f0e-4b7e-9a57-2a3c4f5e6d7a"],
      new Error("canceling statement due to statement timeout"),
    );
    const fromString = errorFields(String(drizzle));
    expect(fromString.message).toBe('Error: Failed query: update "carts" set "note" = $1 where "id" = $2');

    const wrapped = errorFields(new Error(`replication failed: ${drizzle.message}`, { cause: drizzle }));
    expect(wrapped.message).toBe('replication failed: Failed query: update "carts" set "note" = $1 where "id" = $2');
    expect(wrapped.cause?.map((cause) => cause.message)).toEqual([
      'Failed query: update "carts" set "note" = $1 where "id" = $2',
      "canceling statement due to statement timeout",
    ]);
    expectNoneOf([fromString, wrapped], drizzle.params);
  });

  it("a stack whose message changed after it was taken still loses its first line", () => {
    const error = new Error(`Failed query: select 1\nparams: ${SESSION_TOKEN.slice(0, 40)},secret-note`);
    error.message = "rewritten";
    const fields = errorFields(error);
    expect(fields.stack).toMatch(/^Error: rewritten\n\s+at /);
    expectNoneOf(fields, ["secret-note", "params:"]);
  });

  it("is idempotent: fields it made pass through (the logger may see them again)", () => {
    const fields = errorFields(new Error("once"));
    expect(errorFields(fields)).toBe(fields);
  });
});

describe("errorText (for the scripts' terminal output)", () => {
  it("one line per error in the chain, the stack on request, nothing secret", () => {
    const error = new Error(`seeding ${SESSION_TOKEN}`, {
      cause: Object.assign(new Error('relation "products" does not exist'), { code: "42P01" }),
    });
    expect(errorText(error)).toBe(
      `Error: seeding ${REDACTED}\n  caused by Error: relation "products" does not exist [42P01]`,
    );
    expect(errorText(error, { stack: true })).toMatch(
      /^Error: seeding \[redacted\]\n\s+at [\s\S]*\n {2}caused by Error: relation "products" does not exist \[42P01\]$/,
    );
    expect(errorText("plain")).toBe("non-Error string: plain");
  });
});
