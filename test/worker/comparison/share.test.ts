// POST/DELETE comparison share and the shared side-by-side view
// GET /api/public/comparison/shared/:token.
import { describe, expect, it } from "vitest";
import { ComparisonShareSchema, SharedComparisonSchema } from "../../../src/modules/comparison/schema";
import { api, bodyOf, type Problem, problemOf } from "../../support/app";
import { createCompany, seedProducts } from "../../support/catalog";
import { addToComparison, comparisonOf, readComparison, SHARE_TOKEN } from "../../support/lists";
import { newShopper, type Shopper, send, VARIANTS } from "../../support/sessions";

const share = async (shopper: Shopper, headers: Record<string, string> = {}) =>
  bodyOf(
    await send(shopper, "POST", shopper.path("comparison", "/share"), undefined, headers),
    200,
    ComparisonShareSchema,
  );
const viewShared = (companyId: string, token: string) =>
  api(`/api/public/comparison/shared/${token}`, { headers: { "x-company-id": companyId } });
const anonymous404 = ({ requestId: _, ...rest }: Problem) => rest;

/** Three products with overlapping attributes, compared and shared. */
async function sharedComparisonOf(shopper: Shopper) {
  const productIds = (await seedProducts(shopper.companyId, [
    { name: "Alpha", price: 1000, attributes: { color: "red", weight: 1 } },
    { name: "Beta", price: 2000, attributes: { color: "blue", waterproof: true } },
    { name: "Gamma", price: 3000, attributes: {} },
  ])) as [string, string, string];
  for (const id of productIds) await addToComparison(shopper, id);
  return { shared: await share(shopper), productIds };
}

describe.each(VARIANTS)("POST comparison share (%s)", (variant) => {
  it("happy: a token and the portal /compare/ URL; the comparison shows it is shared", async () => {
    const shopper = await newShopper(variant, await createCompany());
    const { shared } = await sharedComparisonOf(shopper);
    expect(shared.token).toMatch(SHARE_TOKEN);
    expect(shared.url).toBe(`http://localhost:3003/compare/${shared.token}`);
    expect(shared.comparison).toMatchObject({ shared: true, itemCount: 3 });
    expect(await readComparison(shopper)).toMatchObject({ shared: true, sharedAt: shared.comparison.sharedAt });
  });

  it("happy: the shared view puts the products' attributes side by side, noindex, no customer data", async () => {
    const shopper = await newShopper(variant, await createCompany());
    const { shared, productIds } = await sharedComparisonOf(shopper);
    const response = await viewShared(shopper.companyId, shared.token);
    expect(response.headers.get("x-robots-tag")).toBe("noindex");
    const text = await response.clone().text();
    const view = await bodyOf(response, 200, SharedComparisonSchema);
    expect(view.products.map(({ productId, product }) => [productId, product?.name, product?.price])).toEqual([
      [productIds[0], "Alpha", 1000],
      [productIds[1], "Beta", 2000],
      [productIds[2], "Gamma", 3000],
    ]);
    expect(view.attributes).toEqual([
      { key: "color", values: ["red", "blue", null] },
      { key: "waterproof", values: [null, true, null] },
      { key: "weight", values: [1, null, null] },
    ]);
    expect(view.sharedAt).toBe(shared.comparison.sharedAt);
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(["attributes", "products", "sharedAt"]);
    for (const secret of ["customerId", "sessionId", "companyId", "siteId", "version"])
      expect(text).not.toContain(secret);
    for (const value of [
      shared.comparison.id,
      shared.comparison.sessionId,
      shopper.companyId,
      shared.comparison.customerId,
    ]) {
      if (value) expect(text).not.toContain(value);
    }
  });

  it("a share retried with the same Idempotency-Key answers with a link that works", async () => {
    const shopper = await newShopper(variant, await createCompany());
    await sharedComparisonOf(shopper);
    const key = { "Idempotency-Key": `share-${crypto.randomUUID()}` };
    await share(shopper, key);
    const retried = await share(shopper, key);
    expect((await viewShared(shopper.companyId, retried.token)).status).toBe(200);
  });
});

describe.each(VARIANTS)("DELETE comparison share (%s)", (variant) => {
  it("revokes: the old link 404s at once; sharing again gives a new working token", async () => {
    const shopper = await newShopper(variant, await createCompany());
    const { shared } = await sharedComparisonOf(shopper);
    const revoked = await comparisonOf(await send(shopper, "DELETE", shopper.path("comparison", "/share")), 200);
    expect(revoked).toMatchObject({ shared: false, sharedAt: null, itemCount: 3 });
    await problemOf(await viewShared(shopper.companyId, shared.token), 404, "NOT_FOUND");
    const again = await share(shopper);
    expect(again.token).not.toBe(shared.token);
    expect((await viewShared(shopper.companyId, again.token)).status).toBe(200);
    await problemOf(await viewShared(shopper.companyId, shared.token), 404, "NOT_FOUND");
  });
});

describe("GET /api/public/comparison/shared/:token — errors and security", () => {
  it("revoked, replaced, unknown, tampered and malformed tokens are the same 404", async () => {
    const shopper = await newShopper("customer", await createCompany());
    const { shared } = await sharedComparisonOf(shopper);
    const live = await share(shopper);
    await comparisonOf(await send(shopper, "DELETE", shopper.path("comparison", "/share")), 200);
    const tokens = [
      live.token,
      shared.token,
      "e".repeat(128),
      `${live.token.slice(0, 64)}${"1".repeat(64)}`,
      live.token.toUpperCase(),
      "nope",
      "9".repeat(400),
    ];
    const problems = [];
    for (const token of tokens) {
      problems.push(anonymous404(await problemOf(await viewShared(shopper.companyId, token), 404, "NOT_FOUND")));
    }
    for (const problem of problems) expect(problem).toEqual(problems[0]);
  });

  it("company A's share token with company B's x-company-id → 404", async () => {
    const shopper = await newShopper("public", await createCompany());
    const { shared } = await sharedComparisonOf(shopper);
    const other = await createCompany();
    const foreign = anonymous404(await problemOf(await viewShared(other.companyId, shared.token), 404, "NOT_FOUND"));
    expect(foreign).toEqual(anonymous404(await problemOf(await viewShared(other.companyId, "e".repeat(128)), 404)));
    expect((await viewShared(shopper.companyId, shared.token)).status).toBe(200);
  });

  it("the shared view follows the viewing site's compare flag", async () => {
    const company = await createCompany({ enableCompare: true }, { enableCompare: false });
    const shopper = await newShopper("customer", company);
    const { shared } = await sharedComparisonOf(shopper);
    const response = await api(`/api/public/comparison/shared/${shared.token}`, {
      headers: { "x-company-id": company.companyId, "x-site-id": company.siteIds[1] },
    });
    await problemOf(response, 403, "FEATURE_DISABLED");
  });
});
