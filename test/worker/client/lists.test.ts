// crosscart/client's wishlist and comparison against the real Worker: read, add, update,
// remove, share, the shared view, stop sharing; and the comparison of a site that has it off.
import { describe, expect, it } from "vitest";
import { CrosscartError } from "../../../src/client";
import { createCompany } from "../../support/catalog";
import { clientFor, newCustomerJwt, twoProducts } from "../../support/client";

describe.each(["guest", "customer"] as const)("client.wishlist and client.comparison (%s)", (audience) => {
  async function shopper() {
    const company = await createCompany();
    const client = clientFor(company);
    if (audience === "customer") await client.session.signIn((await newCustomerJwt(company)).jwt);
    return { company, client, products: await twoProducts(company) };
  }

  it("wishlist: get, add, update, remove, share, shared view, unshare", async () => {
    const { company, client, products } = await shopper();
    const [ten, twentyFive] = products;
    expect((await client.wishlist.get()).items).toEqual([]);
    await client.wishlist.add({ productId: ten, priority: 10 });
    let wishlist = await client.wishlist.add({ productId: twentyFive, priority: 90, note: "for July" });
    expect(wishlist.items.map((item) => item.productId)).toEqual([twentyFive, ten]);

    const low = wishlist.items.find((item) => item.productId === ten);
    wishlist = await client.wishlist.update(low?.id as string, { priority: 100 });
    expect(wishlist.items.map((item) => item.productId)).toEqual([ten, twentyFive]);
    wishlist = await client.wishlist.remove(low?.id as string);
    expect(wishlist.items.map((item) => item.productId)).toEqual([twentyFive]);

    const share = await client.wishlist.share();
    expect(share.wishlist.shared).toBe(true);
    expect(share.url).toContain(share.token);
    // The shared view needs no session: any storefront client of the company can open it.
    const viewer = clientFor(company);
    const shared = await viewer.wishlist.shared(share.token);
    expect(shared.items.map((item) => [item.productId, item.note])).toEqual([[twentyFive, "for July"]]);
    expect(viewer.session.token).toBeNull();

    expect((await client.wishlist.unshare()).shared).toBe(false);
    await expect(viewer.wishlist.shared(share.token)).rejects.toMatchObject({ status: 404, code: "NOT_FOUND" });
  });

  it("comparison: get, add, remove, share, shared view, unshare", async () => {
    const { company, client, products } = await shopper();
    const [ten, twentyFive] = products;
    expect((await client.comparison.get()).items).toEqual([]);
    await client.comparison.add({ productId: ten });
    let comparison = await client.comparison.add({ productId: twentyFive });
    expect(comparison.items.map((item) => item.productId)).toEqual([ten, twentyFive]);
    comparison = await client.comparison.remove(comparison.items[0]?.id as string);
    expect(comparison.itemCount).toBe(1);

    const share = await client.comparison.share();
    const shared = await clientFor(company).comparison.shared(share.token);
    expect(shared.products.map((product) => product.productId)).toEqual([twentyFive]);
    expect((await client.comparison.unshare()).shared).toBe(false);
    await expect(clientFor(company).comparison.shared(share.token)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

it("a site with comparison off: every comparison call is a CrosscartError FEATURE_DISABLED (403)", async () => {
  const company = await createCompany();
  const onSecondSite = clientFor(company, { siteId: company.siteIds[1] });
  const error = await onSecondSite.comparison.get().catch((caught) => caught);
  expect(error).toBeInstanceOf(CrosscartError);
  expect(error).toMatchObject({ name: "CrosscartError", status: 403, code: "FEATURE_DISABLED" });
  expect(await onSecondSite.site()).toMatchObject({
    siteId: company.siteIds[1],
    features: { compare: false, cart: true },
  });
});
