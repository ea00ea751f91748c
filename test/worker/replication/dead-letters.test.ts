// Ops' view of replication dead letters: an admin lists their own company's letters (never
// another's) and replays them; the sessions send their state again and the letters go.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { replicationDeadLetters } from "../../../src/db/schema";
import { bearer, bodyOf, request, tokenFor } from "../../support/app";
import { seedProduct } from "../../support/catalog";
import { withDatabase } from "../../support/db";
import { addToWishlist, wishlistRows } from "../../support/lists";
import { deadLettersFor, poisonWishlist, rewriteWishlistNote } from "../../support/replication";
import { newGuest, replicateNow } from "../../support/sessions";

const LIST = "/api/admin/replication/dead-letters";
const Letters = z.object({
  deadLetters: z.array(
    z.object({ resource: z.string(), resourceId: z.string(), version: z.int(), reason: z.string() }).loose(),
  ),
});
const Replayed = z.object({ sessions: z.int(), resources: z.int(), unreachable: z.int() });

describe("replication dead letters (admin)", () => {
  it("lists the company's letters only; a replay sends the sessions' state again and the letters go", async () => {
    const guest = await newGuest();
    const productId = await seedProduct(guest.companyId);
    const wishlist = await addToWishlist(guest, { productId, note: "fine" });
    await replicateNow(guest);
    const poisoned = await poisonWishlist(guest);
    await replicateNow(guest);
    expect(await deadLettersFor(wishlist.id)).toHaveLength(1);

    const admin = bearer(await tokenFor(guest.companyId, "admin"));
    const listed = await bodyOf(await request("GET", LIST, admin), 200, Letters);
    expect(listed.deadLetters).toEqual([
      expect.objectContaining({ resource: "wishlist", resourceId: wishlist.id, version: poisoned, reason: "refused" }),
    ]);
    // Another company's admin sees none of them, and replays nothing of them.
    const stranger = bearer(await tokenFor(crypto.randomUUID(), "admin"));
    expect((await bodyOf(await request("GET", LIST, stranger), 200, Letters)).deadLetters).toEqual([]);
    expect(await bodyOf(await request("POST", `${LIST}/replay`, stranger, {}), 200, Replayed)).toEqual({
      sessions: 0,
      resources: 0,
      unreachable: 0,
    });

    // The cause is fixed in place (no new version queued); the replay sends it again.
    await rewriteWishlistNote(guest, "fixed", 0, false);
    const replayed = await bodyOf(await request("POST", `${LIST}/replay`, admin, {}), 200, Replayed);
    expect(replayed).toMatchObject({ sessions: 1, unreachable: 0 });
    expect(replayed.resources).toBeGreaterThanOrEqual(2); // the session, its cart, its wishlist
    await replicateNow(guest);

    expect((await wishlistRows(wishlist.id)).wishlist?.version).toBe(poisoned);
    expect(await deadLettersFor(wishlist.id)).toEqual([]);
    expect((await bodyOf(await request("GET", LIST, admin), 200, Letters)).deadLetters).toEqual([]);
  });

  it("a letter whose object id this namespace never minted is counted unreachable and stays", async () => {
    const companyId = crypto.randomUUID();
    const resourceId = crypto.randomUUID();
    await withDatabase((db) =>
      db.insert(replicationDeadLetters).values({
        companyId,
        objectId: "f".repeat(64),
        resource: "cart",
        resourceId,
        version: 3,
        reason: "retries-exhausted",
      }),
    );
    const admin = bearer(await tokenFor(companyId, "admin"));
    expect(await bodyOf(await request("POST", `${LIST}/replay`, admin, {}), 200, Replayed)).toEqual({
      sessions: 0,
      resources: 0,
      unreachable: 1,
    });
    expect(await deadLettersFor(resourceId)).toEqual([expect.objectContaining({ replayed_at: null, count: 1 })]);
  });

  it("is for admins: no token → 401, a service token → 403", async () => {
    const companyId = crypto.randomUUID();
    expect((await request("GET", LIST, {})).status).toBe(401);
    expect((await request("GET", LIST, bearer(await tokenFor(companyId, "service")))).status).toBe(403);
    expect((await request("POST", `${LIST}/replay`, bearer(await tokenFor(companyId, "service")), {})).status).toBe(
      403,
    );
  });
});
