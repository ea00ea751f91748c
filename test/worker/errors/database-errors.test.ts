// Which failures are outages (503, retry) and which are bugs or refusals (500, 4xx, dead letters).
import { DrizzleQueryError } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable, sqlStateOf } from "../../../src/db/errors";

const postgres = (code: string) => Object.assign(new Error(`postgres ${code}`), { code });
const wrapped = (cause: unknown) => new DrizzleQueryError("select 1", [], cause as Error);

describe("isDatabaseUnavailable", () => {
  it.each([
    ["connection failure 08006", postgres("08006")],
    ["too many connections 53300", postgres("53300")],
    ["admin shutdown 57P01", postgres("57P01")],
    ["statement timeout 57014", postgres("57014")],
    ["deadlock 40P01", postgres("40P01")],
    ["lock timeout 55P03", postgres("55P03")],
    ["database missing 3D000", postgres("3D000")],
    ["socket refused", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })],
    ["socket closed under drizzle", wrapped(new Error("Connection terminated unexpectedly"))],
    ["pool connect timeout", new Error("timeout exceeded when trying to connect")],
  ])("%s: unavailable", (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isDatabaseUnavailable(wrapped(error))).toBe(true);
  });

  it.each([
    ["unique violation 23505", postgres("23505")],
    ["NUL in text 22021", postgres("22021")],
    ["syntax error 42601", postgres("42601")],
    ["a bug", new TypeError("cannot read properties of undefined")],
    ["not an error", "oops"],
  ])("%s: not an outage", (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it("reads the SQLSTATE under drizzle's wrapper", () => {
    expect(sqlStateOf(wrapped(postgres("23505")))).toBe("23505");
    expect(sqlStateOf(new Error("no code"))).toBeUndefined();
  });
});
