import type { MergeResult, RpcError, SessionCall } from "../../durable-objects/contract";
import type { MergeStrategy } from "../domain/cart";
import { ApiError } from "../lib/errors";
import type { SessionGenesis } from "../lib/session-tokens";
import { sha256Hex } from "../lib/tokens";
import { sessionStub, unwrap } from ".";
import { sessionObjectName } from "./address";

/**
 * Guest → customer merge, used by POST /api/cross-site-session/merge and /api/cart/merge:
 * freeze the guest session (a dry run only reads it), merge its cart, wishlist and comparison
 * into the customer's session (the one `call` addresses) in one step, then have the guest
 * remember that it was merged (a later merge of it adds nothing). Retrying is safe at every point.
 * `guestGenesis`: what the guest's token creates if it was never used (the route vouches for it).
 *
 * The third step runs after the answer (`afterAnswer`, the request's waitUntil): the customer's
 * cart already records the guest (`appliedMerges`), so a retry before it lands adds nothing
 * either, and a confirmation that fails is made again by the next merge of that guest. The
 * shopper does not wait for a third durable write.
 */
export async function mergeGuestIntoCustomer(
  env: Env,
  call: SessionCall,
  body: { sessionToken: string; strategy: MergeStrategy; dryRun: boolean },
  guestGenesis: SessionGenesis | undefined,
  afterAnswer: (confirmation: Promise<unknown>) => void,
): Promise<MergeResult> {
  const guestAddress = {
    kind: "anonymous",
    companyId: call.address.companyId,
    tokenHash: await sha256Hex(body.sessionToken),
    jurisdiction: call.address.jurisdiction,
  } as const;
  const guestCall = { address: guestAddress, site: call.site, genesis: guestGenesis };
  const guest = sessionStub(env, guestAddress);
  const intoSessionName = sessionObjectName(call.address);
  const outcome = body.dryRun
    ? await guest.peekForMerge(guestCall)
    : await guest.freezeForMerge(guestCall, intoSessionName);
  // A customer's cross-site token names a link object, not an anonymous session: there is
  // no guest to merge (and the link must not be followed: it would merge a customer's session).
  const failure = "error" in outcome ? (outcome.error as RpcError) : undefined;
  if (failure?.code === "LINKED") throw new ApiError("NOT_FOUND", "Guest session not found");
  const exported = unwrap(outcome).body;
  const merged = unwrap(
    await sessionStub(env, call.address).mergeGuestSession(call, exported, body.strategy, body.dryRun),
  ).body;
  if (!body.dryRun && !exported.alreadyMerged) {
    afterAnswer(guest.confirmMerge(guestCall, intoSessionName).then(unwrap));
  }
  return merged;
}
