import { z } from "@hono/zod-openapi";

/**
 * The one id rule of the API (docs/design.md, Security): an id is 8-4-4-4-12 hexadecimal
 * digits in any letter case (what Postgres' uuid type and the catalog feed accept; RFC 4122
 * UUIDs are the usual kind, but the version and variant digits are not checked), and is
 * lower-cased where it enters, so `ABC…` and `abc…` name the same thing everywhere: paths,
 * queries, headers, bodies, JWT claims and the catalog.
 */
export const idSchema = (message = "must be a UUID (8-4-4-4-12 hexadecimal digits)") =>
  z
    .guid({ error: message })
    .overwrite(normalizeId)
    .openapi({ format: "uuid", example: "b0000000-0000-4000-8000-000000000001" });

/** An id in its one spelling (lower case); for a value already checked by `idSchema`. */
export function normalizeId(id: string): string {
  return id.toLowerCase();
}

export const Id = idSchema();
