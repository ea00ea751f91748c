import type { z } from "@hono/zod-openapi";

// Text the API accepts and may store (docs/design.md decision 36, docs/api.md "Validation").
// Postgres rejects NUL in text (SQLSTATE 22021), and a row it rejects never reaches Postgres
// (at best it is set aside as a dead letter), so control characters are refused at the edge as
// a 400 naming the field: every C0 control (U+0000–U+001F) and DEL (U+007F); multi-line text
// keeps tab, LF and CR.
// Fields with a stricter format of their own (ids, currency, slug, codes) need nothing more.

/** Matches text without any C0 control character or DEL. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it refuses
export const SINGLE_LINE = /^[^\u0000-\u001f\u007f]*$/;
/** Matches text without C0 controls or DEL other than tab, line feed and carriage return. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it refuses
export const MULTI_LINE = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;

export const SINGLE_LINE_MESSAGE = "must not contain control characters (U+0000–U+001F, U+007F)";
export const MULTI_LINE_MESSAGE =
  "must not contain control characters other than tab and newline (U+0000–U+001F, U+007F)";

/**
 * `schema` (a string schema with its own trim, lengths and format) refusing every control
 * character. Applied last, so it sees the value after `.trim()`.
 */
export const singleLineText = <T extends z.ZodString | z.ZodURL>(schema: T): T =>
  schema.regex(SINGLE_LINE, { message: SINGLE_LINE_MESSAGE }) as T;

/** `schema` refusing every control character except tab, line feed and carriage return. */
export const multiLineText = <T extends z.ZodString>(schema: T): T =>
  schema.regex(MULTI_LINE, { message: MULTI_LINE_MESSAGE }) as T;
