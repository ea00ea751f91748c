// Control characters in request text (docs/design.md decision 36): NUL, the other C0 controls
// and DEL are a 400 VALIDATION_FAILED naming the field on every route that takes text, and
// nothing changes; tab and newlines are kept where text is multi-line (wishlist notes, product
// descriptions). Postgres refuses NUL in text, so one accepted NUL would stop the session's
// replication: the session's next change still reaching Postgres is checked too.
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { bundles, companies, products, sites } from "../../../src/db/schema";
import { MULTI_LINE_MESSAGE, SINGLE_LINE_MESSAGE } from "../../../src/lib/text";
import { problemOf, putCatalog, request, tokenFor } from "../../support/app";
import { addItem, convertCart, expectReplicated, readCart } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { withDatabase } from "../../support/db";
import { addToWishlist, readWishlist, wishlistOf, wishlistRows } from "../../support/lists";
import { newShopper, replicateNow, type Shopper, send, VARIANTS } from "../../support/sessions";

/** One of each kind of character refused everywhere, and the ones refused only in single-line text. */
const ALWAYS_REFUSED = ["\u0000", "\u0001", "\u0008", "\u000b", "\u001b", "\u001f", "\u007f"];
const LINE_BREAKS = ["\n", "\r", "\t"];

async function expectFieldRefused(response: Response, field: string, message = SINGLE_LINE_MESSAGE) {
  const problem = await problemOf(response, 400, "VALIDATION_FAILED");
  expect(problem.errors).toEqual([{ field, message }]);
}

/** The shopper's cart and wishlist as the API shows them (to check that nothing changed). */
const snapshot = async (shopper: Shopper) => ({ cart: await readCart(shopper), wishlist: await readWishlist(shopper) });

describe.each(VARIANTS)("control characters in shopper text (%s)", (variant) => {
  async function shopperWithLines() {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId, { price: 1_000 });
    await addItem(shopper, productId);
    const wishlist = await addToWishlist(shopper, { productId, note: "for July" });
    const itemId = wishlist.items[0]?.id ?? "";
    return { shopper, productId, itemId };
  }

  type Case = [name: string, (s: Shopper, productId: string, itemId: string, bad: string) => Promise<Response>, string];
  const singleLine: Case[] = [
    [
      "POST …/discount code",
      (s, _p, _i, bad) => send(s, "POST", s.cartPath("/discount"), { code: `SAVE${bad}10` }),
      "body.code",
    ],
    [
      "DELETE …/discount/:code",
      (s, _p, _i, bad) => send(s, "DELETE", s.cartPath(`/discount/SAVE${encodeURIComponent(bad)}10`)),
      "param.code",
    ],
    [
      "POST /api/platform/carts/:id/convert orderId",
      (s, _p, _i, bad) => convertCart(s, `order${bad}1`),
      "body.orderId",
    ],
  ];
  const multiLine: Case[] = [
    [
      "POST wishlist/items note",
      (s, productId, _i, bad) => send(s, "POST", s.path("wishlist", "/items"), { productId, note: `a${bad}b` }),
      "body.note",
    ],
    [
      "PATCH wishlist/items/:itemId note",
      (s, _p, itemId, bad) => send(s, "PATCH", s.path("wishlist", `/items/${itemId}`), { note: `a${bad}b` }),
      "body.note",
    ],
  ];

  it.each(singleLine)(
    "%s: a control character (line breaks too) is a 400 naming the field; nothing changed",
    async (_name, call, field) => {
      const { shopper, productId, itemId } = await shopperWithLines();
      const before = await snapshot(shopper);
      for (const bad of [...ALWAYS_REFUSED, ...LINE_BREAKS]) {
        await expectFieldRefused(await call(shopper, productId, itemId, bad), field);
      }
      expect(await snapshot(shopper)).toEqual(before);
    },
  );

  it.each(multiLine)(
    "%s: a control character other than tab and newline is a 400; nothing changed",
    async (_name, call, field) => {
      const { shopper, productId, itemId } = await shopperWithLines();
      const before = await snapshot(shopper);
      for (const bad of ALWAYS_REFUSED) {
        await expectFieldRefused(await call(shopper, productId, itemId, bad), field, MULTI_LINE_MESSAGE);
      }
      expect(await snapshot(shopper)).toEqual(before);
    },
  );

  it("a note with newlines and a tab is accepted (201), kept as sent and replicated", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const note = "for July:\n\tsize M\r\nblue";
    const wishlist = await addToWishlist(shopper, { productId, note });
    expect(wishlist.items).toEqual([expect.objectContaining({ productId, note })]);
    const updated = await wishlistOf(
      await send(shopper, "PATCH", shopper.path("wishlist", `/items/${wishlist.items[0]?.id}`), { note: "a\nb\tc" }),
      200,
    );
    expect(updated.items[0]?.note).toBe("a\nb\tc");
    await replicateNow(shopper);
    expect((await wishlistRows(wishlist.id)).items.map((item) => item.note)).toEqual(["a\nb\tc"]);
  });

  it("a convert with a NUL in orderId is a 400; the session's next change still reaches Postgres", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId, { price: 700 });
    await addItem(shopper, productId);
    await expectFieldRefused(await convertCart(shopper, "order-\u0000-1"), "body.orderId");
    const cart = await addItem(shopper, productId, 2);
    expect(cart).toMatchObject({ id: shopper.cartId, status: "ACTIVE", orderId: null });
    await replicateNow(shopper);
    const tokenHash = shopper.address.kind === "anonymous" ? shopper.address.tokenHash : null;
    await expectReplicated(await readCart(shopper), tokenHash);
  });
});

describe("control characters in the cross-site claim", () => {
  it("POST /api/public/session/claim: a control character in code is a 400 naming body.code", async () => {
    const { companyId, siteIds } = await createCompany();
    for (const bad of [...ALWAYS_REFUSED, ...LINE_BREAKS]) {
      const headers = { "x-company-id": companyId, "x-site-id": siteIds[0] };
      await expectFieldRefused(
        await request("POST", "/api/public/session/claim", headers, { code: `a${bad}b` }),
        "body.code",
      );
    }
  });
});

describe("control characters in the catalog feed", () => {
  const id = () => crypto.randomUUID();
  const product = (overrides: Record<string, unknown> = {}) => {
    const productId = id();
    return {
      id: productId,
      sku: `SKU-${productId.slice(0, 8)}`,
      name: "Pack",
      price: 100,
      currency: "USD",
      ...overrides,
    };
  };
  const site = (overrides: Record<string, unknown> = {}) => ({
    id: id(),
    name: "Peak",
    domain: "peak.test",
    baseUrl: "https://peak.test",
    currency: "EUR",
    ...overrides,
  });
  const bundle = (overrides: Record<string, unknown> = {}) => ({
    id: id(),
    name: "Kit",
    discountType: "NONE",
    items: [{ productId: id(), quantity: 1 }],
    ...overrides,
  });
  const variant = (overrides: Record<string, unknown> = {}) => {
    const variantId = id();
    return { id: variantId, sku: `V-${variantId.slice(0, 8)}`, name: "Large", ...overrides };
  };

  type Row = { id: string };
  /**
   * single: every control character is refused; multi: tab and newlines are kept; url: tab and
   * newlines are removed, as the URL standard parses them (zod's z.url), the rest is refused.
   */
  type Kind = "single" | "multi" | "url";
  type FeedCase = [field: string, resource: string, build: (bad: string) => Row & Record<string, unknown>, kind: Kind];
  const cases: FeedCase[] = [
    ["body.products.0.name", "products", (bad) => product({ name: `Pa${bad}ck` }), "single"],
    ["body.products.0.sku", "products", (bad) => product({ sku: `SKU${bad}1` }), "single"],
    ["body.products.0.description", "products", (bad) => product({ description: `a${bad}b` }), "multi"],
    ["body.products.0.imageUrl", "products", (bad) => product({ imageUrl: `https://cdn.test/a${bad}b.jpg` }), "url"],
    [
      "body.products.0.attributes.color",
      "products",
      (bad) => product({ attributes: { color: `gr${bad}een` } }),
      "single",
    ],
    [
      "body.products.0.attributes.<key>",
      "products",
      (bad) => product({ attributes: { [`co${bad}lor`]: 1 } }),
      "single",
    ],
    [
      "body.products.0.variants.0.name",
      "products",
      (bad) => product({ variants: [variant({ name: `L${bad}g` })] }),
      "single",
    ],
    [
      "body.products.0.variants.0.sku",
      "products",
      (bad) => product({ variants: [variant({ sku: `V${bad}1` })] }),
      "single",
    ],
    ["body.sites.0.name", "sites", (bad) => site({ name: `Pe${bad}ak` }), "single"],
    ["body.sites.0.domain", "sites", (bad) => site({ domain: `peak${bad}.test` }), "single"],
    ["body.sites.0.baseUrl", "sites", (bad) => site({ baseUrl: `https://peak.test/a${bad}b` }), "url"],
    ["body.bundles.0.name", "bundles", (bad) => bundle({ name: `K${bad}it` }), "single"],
    ["body.bundles.0.sku", "bundles", (bad) => bundle({ sku: `K${bad}1` }), "single"],
  ];

  async function storedIds(resource: string, ids: string[]) {
    const table = resource === "products" ? products : resource === "sites" ? sites : bundles;
    return withDatabase((db) => db.select({ id: table.id }).from(table).where(inArray(table.id, ids)));
  }

  it.each(cases)(
    "%s: a control character is a 400 naming the field; nothing written",
    async (field, resource, build, kind) => {
      const { companyId } = await createCompany();
      const token = await tokenFor(companyId);
      for (const bad of kind === "single" ? [...ALWAYS_REFUSED, ...LINE_BREAKS] : ALWAYS_REFUSED) {
        const row = build(bad);
        const problem = await problemOf(
          await putCatalog(resource, { [resource]: [row] }, token),
          400,
          "VALIDATION_FAILED",
        );
        const message = kind === "multi" ? MULTI_LINE_MESSAGE : SINGLE_LINE_MESSAGE;
        // A refused attribute key is named by the key itself.
        const expected = field.replace("<key>", `co${bad}lor`);
        expect(problem.errors).toEqual([{ field: expected, message: expected === field ? message : `key ${message}` }]);
        expect(await storedIds(resource, [row.id])).toEqual([]);
      }
    },
  );

  it("a URL with a tab or newline inside is stored without them (the URL standard's parse)", async () => {
    const { companyId } = await createCompany();
    const boots = product({ imageUrl: "https://cdn.test/bo\not\ts.jpg" });
    expect((await putCatalog("products", { products: [boots] }, await tokenFor(companyId))).status).toBe(200);
    const [row] = await withDatabase((db) => db.select().from(products).where(eq(products.id, boots.id)));
    expect(row?.imageUrl).toBe("https://cdn.test/boots.jpg");
  });

  it("the company's name: a control character is a 400 naming body.name; the name is unchanged", async () => {
    const { companyId } = await createCompany();
    const token = await tokenFor(companyId);
    const nameOf = () =>
      withDatabase(async (db) => (await db.select().from(companies).where(eq(companies.id, companyId)))[0]?.name);
    const before = await nameOf();
    for (const bad of [...ALWAYS_REFUSED, ...LINE_BREAKS]) {
      const response = await putCatalog(
        "company",
        { name: `Ac${bad}me`, slug: `acme-${companyId.slice(0, 8)}` },
        token,
      );
      await expectFieldRefused(response, "body.name");
    }
    expect(await nameOf()).toBe(before);
  });

  it("a product description with newlines and a tab is accepted and stored as sent", async () => {
    const { companyId } = await createCompany();
    const description = "Waterproof.\n\n\tTaped seams\r\nTwo pockets";
    const boots = product({ description });
    expect((await putCatalog("products", { products: [boots] }, await tokenFor(companyId))).status).toBe(200);
    expect(
      await withDatabase(
        async (db) => (await db.select().from(products).where(eq(products.id, boots.id)))[0]?.description,
      ),
    ).toBe(description);
  });
});
