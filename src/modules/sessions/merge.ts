import type { Context } from "hono";
import type { MergeResult } from "../../../durable-objects/shopper-session";
import { sessionCall } from "../../middleware/shopper";
import { sessionObjectName, sha256Hex } from "../../sessions/address";
import { sessionStub, unwrap } from "../../sessions/client";
import type { AppEnv } from "../../types";
import type { MergeStrategy } from "../cart/domain";

/**
 * Guest → customer merge, used by POST /api/cross-site-session/merge and /api/cart/merge:
 * freeze the guest session (a dry run only reads it), then merge its cart, wishlist and
 * comparison into the customer's session in one step. Retrying is safe at every point.
 */
export async function mergeGuestIntoCustomer(
  c: Context<AppEnv>,
  body: { sessionToken: string; strategy: MergeStrategy; dryRun: boolean },
): Promise<MergeResult> {
  const call = await sessionCall(c, { body });
  const guestAddress = {
    kind: "anonymous",
    companyId: call.address.companyId,
    tokenHash: await sha256Hex(body.sessionToken),
  } as const;
  const guestCall = { address: guestAddress, site: call.site };
  const guest = sessionStub(c.env, guestAddress);
  const exported = unwrap(
    body.dryRun
      ? await guest.peekForMerge(guestCall)
      : await guest.freezeForMerge(guestCall, sessionObjectName(call.address)),
  ).body;
  const merged = await sessionStub(c.env, call.address).mergeGuestSession(call, exported, body.strategy, body.dryRun);
  return unwrap(merged).body;
}
