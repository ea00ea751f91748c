import { z } from "@hono/zod-openapi";
import { Id } from "../../lib/ids";

export const ListItemParams = z.object({ itemId: Id });
// No shape rules here: a malformed token must be the same 404 as a revoked or unknown one
// (sharedSessionStub checks the shape), not a 400 that tells a prober which it was.
export const ShareTokenParams = z.object({ token: z.string() });
