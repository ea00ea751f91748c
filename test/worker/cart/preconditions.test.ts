// Retries and lost updates: Idempotency-Key replays, If-Match against the cart's version, ETag.
import { describe, expect, it } from "vitest";
import { problemOf, VersionProblemSchema } from "../../support/app";
import { addItem, cartOf, readCart } from "../../support/cart";
import { seedProduct } from "../../support/catalog";
import { newShopper, send, VARIANTS } from "../../support/sessions";

describe.each(VARIANTS)("Idempotency-Key (%s)", (variant) => {
  it("the same key and body replays status and body; the change happens once", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const key = crypto.randomUUID();
    const first = await send(
      shopper,
      "POST",
      shopper.cartPath("/items"),
      { productId, quantity: 2 },
      { "Idempotency-Key": key },
    );
    const firstBody = await cartOf(first, 201);
    const replay = await send(
      shopper,
      "POST",
      shopper.cartPath("/items"),
      { productId, quantity: 2 },
      { "Idempotency-Key": key },
    );
    const replayBody = await cartOf(replay, 201);
    expect(replayBody).toEqual(firstBody);
    const cart = await readCart(shopper);
    expect(cart.version).toBe(shopper.version + 1);
    expect(cart.items[0]?.quantity).toBe(2);
  });

  it("10 parallel requests with one key make one change and all answer alike", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const key = `retry-${crypto.randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        send(shopper, "POST", shopper.cartPath("/items"), { productId, quantity: 3 }, { "Idempotency-Key": key }),
      ),
    );
    const bodies = await Promise.all(responses.map((response) => cartOf(response, 201)));
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    const cart = await readCart(shopper);
    expect(cart.version).toBe(shopper.version + 1);
    expect(cart.items).toEqual([expect.objectContaining({ productId, quantity: 3 })]);
  });

  it("a replay still answers after later changes, with the body it first sent", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const key = crypto.randomUUID();
    const first = await cartOf(
      await send(shopper, "POST", shopper.cartPath("/discount"), { code: "SAVE10" }, { "Idempotency-Key": key }),
      200,
    );
    await addItem(shopper, productId, 1);
    const replay = await cartOf(
      await send(shopper, "POST", shopper.cartPath("/discount"), { code: "SAVE10" }, { "Idempotency-Key": key }),
      200,
    );
    expect(replay).toEqual(first);
    expect((await readCart(shopper)).version).toBe(first.version + 1);
  });

  it("the same key with another body → 422 IDEMPOTENCY_KEY_REUSED, nothing changed", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const key = crypto.randomUUID();
    await cartOf(
      await send(shopper, "POST", shopper.cartPath("/items"), { productId }, { "Idempotency-Key": key }),
      201,
    );
    const before = await readCart(shopper);
    await problemOf(
      await send(shopper, "POST", shopper.cartPath("/items"), { productId, quantity: 5 }, { "Idempotency-Key": key }),
      422,
      "IDEMPOTENCY_KEY_REUSED",
    );
    // Another route with the key is another request too.
    await problemOf(
      await send(shopper, "POST", shopper.cartPath("/discount"), { code: "SAVE10" }, { "Idempotency-Key": key }),
      422,
      "IDEMPOTENCY_KEY_REUSED",
    );
    expect(await readCart(shopper)).toEqual(before);
  });

  it("a key longer than 255 characters, or with spaces, → 400 naming header.idempotency-key", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    for (const key of ["k".repeat(256), "two words"]) {
      const problem = await problemOf(
        await send(shopper, "POST", shopper.cartPath("/items"), { productId }, { "Idempotency-Key": key }),
        400,
        "VALIDATION_FAILED",
      );
      expect(problem.errors?.map((error) => error.field)).toEqual(["header.idempotency-key"]);
    }
    // 255 is fine.
    await cartOf(
      await send(shopper, "POST", shopper.cartPath("/items"), { productId }, { "Idempotency-Key": "k".repeat(255) }),
      201,
    );
  });
});

describe("Idempotency-Key — security", () => {
  it("a key is scoped to its session: another shopper's same key is a new request", async () => {
    const a = await newShopper("public");
    const b = await newShopper("public");
    const key = crypto.randomUUID();
    const productA = await seedProduct(a.companyId);
    const productB = await seedProduct(b.companyId);
    await cartOf(await send(a, "POST", a.cartPath("/items"), { productId: productA }, { "Idempotency-Key": key }), 201);
    const bCart = await cartOf(
      await send(b, "POST", b.cartPath("/items"), { productId: productB }, { "Idempotency-Key": key }),
      201,
    );
    expect(bCart.id).toBe(b.cartId);
    expect(bCart.items.map((item) => item.productId)).toEqual([productB]);
  });
});

describe.each(VARIANTS)("If-Match and ETag (%s)", (variant) => {
  it("ETag is the quoted version on reads and changes", async () => {
    const shopper = await newShopper(variant);
    const read = await send(shopper, "GET", shopper.path("cart"));
    expect(read.headers.get("etag")).toBe(`"${shopper.version}"`);
    const added = await send(shopper, "POST", shopper.cartPath("/items"), {
      productId: await seedProduct(shopper.companyId),
    });
    expect(added.headers.get("etag")).toBe(`"${shopper.version + 1}"`);
  });

  it("a matching If-Match applies the change (200/201); W/ and bare forms are accepted", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const added = await cartOf(
      await send(shopper, "POST", shopper.cartPath("/items"), { productId }, { "If-Match": `"${shopper.version}"` }),
      201,
    );
    const lineId = added.items[0]?.id as string;
    const patched = await cartOf(
      await send(
        shopper,
        "PATCH",
        shopper.cartPath(`/items/${lineId}`),
        { quantity: 3 },
        { "If-Match": `W/"${added.version}"` },
      ),
      200,
    );
    await cartOf(
      await send(
        shopper,
        "PATCH",
        shopper.cartPath(`/items/${lineId}`),
        { quantity: 4 },
        { "If-Match": String(patched.version) },
      ),
      200,
    );
  });

  it("a stale If-Match → 412 VERSION_MISMATCH carrying the current version, nothing changed", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const stale = shopper.version;
    const current = await addItem(shopper, productId, 1);
    const response = await send(
      shopper,
      "POST",
      shopper.cartPath("/items"),
      { productId },
      { "If-Match": `"${stale}"` },
    );
    expect(response.status).toBe(412);
    const problem = VersionProblemSchema.parse(await response.json());
    expect(problem).toMatchObject({ code: "VERSION_MISMATCH", status: 412, version: current.version });
    expect(await readCart(shopper)).toEqual(current);
  });

  it("a malformed If-Match → 400 naming header.if-match", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    for (const value of ["*", '"abc"', "-1", '"1", "2"']) {
      const problem = await problemOf(
        await send(shopper, "POST", shopper.cartPath("/items"), { productId }, { "If-Match": value }),
        400,
        "VALIDATION_FAILED",
      );
      expect(problem.errors?.map((error) => error.field)).toEqual(["header.if-match"]);
    }
    expect((await readCart(shopper)).version).toBe(shopper.version);
  });

  it("of two writers holding the same version, exactly one wins", async () => {
    const shopper = await newShopper(variant);
    const productId = await seedProduct(shopper.companyId);
    const added = await addItem(shopper, productId, 1);
    const lineId = added.items[0]?.id as string;
    const [one, two] = await Promise.all(
      [2, 3].map((quantity) =>
        send(
          shopper,
          "PATCH",
          shopper.cartPath(`/items/${lineId}`),
          { quantity },
          { "If-Match": `"${added.version}"` },
        ),
      ),
    );
    expect([one?.status, two?.status].sort()).toEqual([200, 412]);
    expect((await readCart(shopper)).version).toBe(added.version + 1);
  });
});
