// The wishlist's pure core: ordering, add-twice, limits, update/remove, merge.
import { describe, expect, it } from "vitest";
import {
  addToWishlist,
  MAX_WISHLIST_ITEMS,
  mergeWishlists,
  orderWishlist,
  removeFromWishlist,
  updateWishlistItem,
  type WishlistItem,
  type WishlistState,
} from "../../src/domain/wishlist";
import { expectDomainError } from "../support/domain";

const T0 = new Date("2026-01-01T00:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const ids = (prefix = "id") => {
  let next = 0;
  return () => `${prefix}-${++next}`;
};

function item(productId: string, spec: Partial<WishlistItem> = {}): WishlistItem {
  return {
    id: `item-${productId}`,
    productId,
    variantId: null,
    priority: 0,
    note: null,
    siteId: "site-a",
    addedAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    ...spec,
  };
}

const products = (state: WishlistState) => orderWishlist(state.items).map((entry) => entry.productId);

describe("orderWishlist", () => {
  it("puts higher priority first, then earlier additions first", () => {
    const items = [
      item("late-low", { priority: 1, addedAt: at(3).toISOString() }),
      item("high", { priority: 9, addedAt: at(4).toISOString() }),
      item("early-low", { priority: 1, addedAt: at(1).toISOString() }),
      item("none", { priority: 0, addedAt: at(0).toISOString() }),
    ];
    expect(orderWishlist(items).map((entry) => entry.productId)).toEqual(["high", "early-low", "late-low", "none"]);
  });

  it("keeps the order of addition for ties added in the same millisecond (whatever the ids)", () => {
    // Ids are random UUIDs: they must not decide between two items added at the same instant.
    const items = [item("first", { id: "ffff" }), item("second", { id: "0000" }), item("third", { id: "8888" })];
    expect(orderWishlist(items).map((entry) => entry.productId)).toEqual(["first", "second", "third"]);
  });

  it("does not change its input", () => {
    const items = [item("a", { priority: 1 }), item("b", { priority: 2 })];
    orderWishlist(items);
    expect(items.map((entry) => entry.productId)).toEqual(["a", "b"]);
  });
});

describe("addToWishlist", () => {
  it("adds with default priority 0 and no note, remembering the site and time", () => {
    const {
      state,
      item: added,
      created,
    } = addToWishlist({ items: [] }, { productId: "p1", variantId: null }, "s1", T0, ids());
    expect(created).toBe(true);
    expect(added).toEqual({
      id: "id-1",
      productId: "p1",
      variantId: null,
      priority: 0,
      note: null,
      siteId: "s1",
      addedAt: T0.toISOString(),
      updatedAt: T0.toISOString(),
    });
    expect(state.items).toEqual([added]);
  });

  it("adding the same product+variant again updates priority and note, never duplicates", () => {
    const first = addToWishlist(
      { items: [] },
      { productId: "p1", variantId: "v1", priority: 2, note: "gift" },
      "s1",
      T0,
      ids(),
    );
    const again = addToWishlist(first.state, { productId: "p1", variantId: "v1", priority: 7 }, "s2", at(60), ids("x"));
    expect(again.created).toBe(false);
    expect(again.state.items).toHaveLength(1);
    expect(again.item).toMatchObject({
      id: first.item.id,
      priority: 7,
      note: "gift",
      siteId: "s1",
      addedAt: T0.toISOString(),
      updatedAt: at(60).toISOString(),
    });
    const cleared = addToWishlist(again.state, { productId: "p1", variantId: "v1", note: null }, "s1", at(61), ids());
    expect(cleared.item).toMatchObject({ priority: 7, note: null });
  });

  it("another variant of the same product is another item", () => {
    const one = addToWishlist({ items: [] }, { productId: "p1", variantId: null }, null, T0, ids());
    const two = addToWishlist(one.state, { productId: "p1", variantId: "v1" }, null, T0, ids("y"));
    expect(two.created).toBe(true);
    expect(two.state.items).toHaveLength(2);
  });

  it(`refuses item ${MAX_WISHLIST_ITEMS + 1} with WISHLIST_LIMIT, but still updates an existing one`, () => {
    const full: WishlistState = {
      items: Array.from({ length: MAX_WISHLIST_ITEMS }, (_, index) => item(`p${index}`, { id: `i${index}` })),
    };
    expectDomainError(
      () => addToWishlist(full, { productId: "extra", variantId: null }, null, T0, ids()),
      "WISHLIST_LIMIT",
    );
    const updated = addToWishlist(full, { productId: "p10", variantId: null, priority: 50 }, null, T0, ids());
    expect(updated.created).toBe(false);
    expect(updated.state.items).toHaveLength(MAX_WISHLIST_ITEMS);
    expect(products(updated.state)[0]).toBe("p10");
  });
});

describe("updateWishlistItem / removeFromWishlist", () => {
  const state: WishlistState = { items: [item("a", { id: "ia", note: "keep" }), item("b", { id: "ib" })] };

  it("changes only what is given", () => {
    const priorityOnly = updateWishlistItem(state, "ia", { priority: 5 }, at(9));
    expect(priorityOnly.items[0]).toMatchObject({ priority: 5, note: "keep", updatedAt: at(9).toISOString() });
    const noteOnly = updateWishlistItem(state, "ia", { note: null }, at(9));
    expect(noteOnly.items[0]).toMatchObject({ priority: 0, note: null });
    expect(state.items[0]?.priority).toBe(0);
  });

  it("NOT_FOUND for an unknown item id", () => {
    expectDomainError(() => updateWishlistItem(state, "nope", { priority: 1 }, T0), "NOT_FOUND");
    expectDomainError(() => removeFromWishlist(state, "nope"), "NOT_FOUND");
  });

  it("removes exactly the item", () => {
    expect(removeFromWishlist(state, "ia").items.map((entry) => entry.id)).toEqual(["ib"]);
  });
});

describe("mergeWishlists", () => {
  it("is the union; an item on both keeps the higher priority and the target's note", () => {
    const target: WishlistState = {
      items: [item("both", { id: "t1", priority: 1, note: "mine" }), item("target-only", { id: "t2", priority: 3 })],
    };
    const guest: WishlistState = {
      items: [
        item("both", { id: "g1", priority: 8, note: "guest note" }),
        item("guest-only", { id: "g2", priority: 2, note: "from guest" }),
      ],
    };
    const { state, diff } = mergeWishlists(target, guest, at(5), ids("m"));
    expect(state.items).toHaveLength(3);
    expect(state.items.find((entry) => entry.productId === "both")).toMatchObject({
      id: "t1",
      priority: 8,
      note: "mine",
    });
    expect(state.items.find((entry) => entry.productId === "guest-only")).toMatchObject({
      id: "m-1",
      priority: 2,
      note: "from guest",
    });
    expect(diff).toEqual({
      added: [{ productId: "guest-only", variantId: null }],
      priorityRaised: [{ productId: "both", variantId: null, from: 1, to: 8 }],
      dropped: [],
    });
    expect(products(state)).toEqual(["both", "target-only", "guest-only"]);
  });

  it("a lower guest priority changes nothing; a target without a note takes the guest's", () => {
    const target: WishlistState = { items: [item("p", { id: "t", priority: 5 })] };
    const lower = mergeWishlists(target, { items: [item("p", { priority: 2, note: "n" })] }, T0, ids());
    expect(lower.state.items).toEqual(target.items);
    expect(lower.diff.priorityRaised).toEqual([]);
    const higher = mergeWishlists(target, { items: [item("p", { priority: 6, note: "n" })] }, T0, ids());
    expect(higher.state.items[0]).toMatchObject({ priority: 6, note: "n" });
  });

  it("is idempotent: merging the same guest twice adds nothing the second time", () => {
    const guest: WishlistState = { items: [item("g", { priority: 4 })] };
    const once = mergeWishlists({ items: [] }, guest, T0, ids());
    const twice = mergeWishlists(once.state, guest, T0, ids("again"));
    expect(twice.state).toEqual(once.state);
    expect(twice.diff).toEqual({ added: [], priorityRaised: [], dropped: [] });
  });

  it(`stops at ${MAX_WISHLIST_ITEMS} items and reports the guest items dropped, highest priority kept`, () => {
    const target: WishlistState = {
      items: Array.from({ length: MAX_WISHLIST_ITEMS - 1 }, (_, index) => item(`t${index}`, { id: `t${index}` })),
    };
    const guest: WishlistState = { items: [item("low", { priority: 1 }), item("high", { priority: 9 })] };
    const { state, diff } = mergeWishlists(target, guest, T0, ids());
    expect(state.items).toHaveLength(MAX_WISHLIST_ITEMS);
    expect(diff.added).toEqual([{ productId: "high", variantId: null }]);
    expect(diff.dropped).toEqual([{ productId: "low", variantId: null, reason: "LIMIT" }]);
  });
});
