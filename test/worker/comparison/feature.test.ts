// Comparison is off unless the site enables it: every comparison route on such a site is
// 403 FEATURE_DISABLED (createCompany: the default site has compare on, the second off).
import { describe, expect, it } from "vitest";
import { problemOf } from "../../support/app";
import { createCompany, seedProduct } from "../../support/catalog";
import { addToComparison, MISSING_ID, readComparison } from "../../support/lists";
import { newShopper, type Shopper, send, VARIANTS } from "../../support/sessions";

function everyRoute(shopper: Shopper, productId: string): [string, string, unknown?][] {
  return [
    ["GET", shopper.path("comparison")],
    ["POST", shopper.path("comparison", "/items"), { productId }],
    ["DELETE", shopper.path("comparison", `/items/${MISSING_ID}`)],
    ["POST", shopper.path("comparison", "/share")],
    ["DELETE", shopper.path("comparison", "/share")],
  ];
}

describe.each(VARIANTS)("comparison disabled for the site (%s)", (variant) => {
  it("403 FEATURE_DISABLED on every route for the compare-disabled site (x-site-id); nothing changes", async () => {
    const company = await createCompany();
    const shopper = await newShopper(variant, company);
    const productId = await seedProduct(company.companyId);
    const before = await addToComparison(shopper, productId);
    const offSite = { "x-site-id": company.siteIds[1] };
    for (const [method, path, body] of everyRoute(shopper, productId)) {
      const problem = await problemOf(await send(shopper, method, path, body, offSite), 403, "FEATURE_DISABLED");
      expect(problem.detail, `${method} ${path}`).toMatch(/compare/);
    }
    const after = await readComparison(shopper);
    expect(after.version).toBe(before.version);
    expect(after.shared).toBe(false);
  });

  it("403 FEATURE_DISABLED by default when the company's default site has compare off (the schema default)", async () => {
    const company = await createCompany({ enableCompare: false }, { enableCompare: false });
    const shopper = await newShopper(variant, company);
    const productId = await seedProduct(company.companyId);
    for (const [method, path, body] of everyRoute(shopper, productId)) {
      await problemOf(await send(shopper, method, path, body), 403, "FEATURE_DISABLED");
    }
  });
});
