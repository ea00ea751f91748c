// Sites with enableWishlist=false: every wishlist route answers 403 FEATURE_DISABLED.
// Each test makes a fresh company whose sites carry the flag from the start: company and
// site settings are cached per isolate for 30 s.
import { describe, expect, it } from "vitest";
import { problemOf } from "../../support/app";
import { createCompany, seedProduct } from "../../support/catalog";
import { addToWishlist, MISSING_ID, readWishlist } from "../../support/lists";
import { newShopper, type Shopper, send, VARIANTS } from "../../support/sessions";

/** Every wishlist route of the shopper's variant, with a plausible body. */
function everyRoute(shopper: Shopper, productId: string): [string, string, unknown?][] {
  return [
    ["GET", shopper.path("wishlist")],
    ["POST", shopper.path("wishlist", "/items"), { productId }],
    ["PATCH", shopper.path("wishlist", `/items/${MISSING_ID}`), { priority: 1 }],
    ["DELETE", shopper.path("wishlist", `/items/${MISSING_ID}`)],
    ["POST", shopper.path("wishlist", "/share")],
    ["DELETE", shopper.path("wishlist", "/share")],
  ];
}

describe.each(VARIANTS)("wishlist disabled for the site (%s)", (variant) => {
  it("403 FEATURE_DISABLED on every route when no site of the company has wishlists", async () => {
    const company = await createCompany({ enableWishlist: false }, { enableWishlist: false });
    const shopper = await newShopper(variant, company);
    const productId = await seedProduct(company.companyId);
    for (const [method, path, body] of everyRoute(shopper, productId)) {
      const problem = await problemOf(await send(shopper, method, path, body), 403, "FEATURE_DISABLED");
      expect(problem.detail, `${method} ${path}`).toMatch(/wishlist/);
    }
  });

  it("follows the site the request is on (x-site-id): one site on, the other off", async () => {
    const company = await createCompany({ enableWishlist: true }, { enableWishlist: false });
    const shopper = await newShopper(variant, company);
    const productId = await seedProduct(company.companyId);
    const wishlist = await addToWishlist(shopper, { productId });
    const offSite = { "x-site-id": company.siteIds[1] };
    for (const [method, path, body] of everyRoute(shopper, productId)) {
      await problemOf(await send(shopper, method, path, body, offSite), 403, "FEATURE_DISABLED");
    }
    const after = await readWishlist(shopper);
    expect(after.version).toBe(wishlist.version);
  });

  it("the shared view is disabled on a site without wishlists too", async () => {
    const company = await createCompany({ enableWishlist: true }, { enableWishlist: false });
    const shopper = await newShopper(variant, company);
    await addToWishlist(shopper, { productId: await seedProduct(company.companyId) });
    const share = await send(shopper, "POST", shopper.path("wishlist", "/share"));
    expect(share.status).toBe(200);
    const { token } = (await share.json()) as { token: string };
    const viewer = { headers: { "x-company-id": company.companyId, "x-site-id": company.siteIds[1] } };
    await problemOf(await send(viewer, "GET", `/api/public/wishlist/shared/${token}`), 403, "FEATURE_DISABLED");
  });
});
