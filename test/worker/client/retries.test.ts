// crosscart/client's failures against the real Worker: problem+json becomes one CrosscartError,
// and a change whose answer the network lost is sent again with the SAME Idempotency-Key, so
// the API applies it once and replays its answer.
import { describe, expect, it } from "vitest";
import { CrosscartError } from "../../../src/client";
import { createCompany, seedProduct } from "../../support/catalog";
import {
  clientFor,
  type Fetch,
  losingFirstAnswer,
  recordingFetch,
  twoProducts,
  workerFetch,
} from "../../support/client";

const addsItem = (request: Request) => request.method === "POST" && request.url.endsWith("/items");

describe("CrosscartError", () => {
  it("carries the problem's status, code, detail, errors and requestId", async () => {
    const company = await createCompany();
    const client = clientFor(company);
    const error = await client.cart.addItem({ productId: "not-a-uuid", quantity: 0 }).catch((caught) => caught);
    expect(error).toBeInstanceOf(CrosscartError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("CrosscartError");
    expect(error).toMatchObject({ status: 400, code: "VALIDATION_FAILED", detail: "The request body is invalid" });
    expect(error.errors.map((field: { field: string }) => field.field).sort()).toEqual([
      "body.productId",
      "body.quantity",
    ]);
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).toContain("VALIDATION_FAILED");
  });

  it("a domain refusal keeps its code (PRODUCT_UNAVAILABLE, 422) and changes nothing", async () => {
    const company = await createCompany();
    const inactive = await seedProduct(company.companyId, { active: false });
    const client = clientFor(company);
    await expect(client.cart.addItem({ productId: inactive })).rejects.toMatchObject({
      status: 422,
      code: "PRODUCT_UNAVAILABLE",
    });
    expect((await client.cart.get()).items).toEqual([]);
  });

  it("an answer that is not problem+json (a proxy's page) is UNEXPECTED_RESPONSE with its status", async () => {
    const company = await createCompany();
    const teapot: Fetch = async () => new Response("<h1>I'm a teapot</h1>", { status: 418 });
    const error = await clientFor(company, { fetch: teapot })
      .site()
      .catch((caught) => caught);
    expect(error).toMatchObject({ name: "CrosscartError", status: 418, code: "UNEXPECTED_RESPONSE" });
  });
});

describe("retries on a network failure", () => {
  it("an add whose answer was lost is retried with the same key: the same cart back, and no second line", async () => {
    const company = await createCompany();
    const [ten] = await twoProducts(company);
    const { fetch, seen } = recordingFetch(losingFirstAnswer(addsItem));
    const client = clientFor(company, { fetch });
    await client.cart.create();

    const cart = await client.cart.addItem({ productId: ten, quantity: 1 });
    const adds = seen.filter((request) => request.method === "POST" && request.path.endsWith("/items"));
    expect(adds).toHaveLength(2);
    expect(adds[0]?.idempotencyKey).toEqual(expect.any(String));
    expect(adds[1]?.idempotencyKey).toBe(adds[0]?.idempotencyKey);
    // Applied once: quantity 1 (not 2), and what the retry answered is what the server holds.
    expect(cart.items.map((item) => [item.productId, item.quantity])).toEqual([[ten, 1]]);
    expect(await client.cart.get()).toEqual(cart);
  });

  it("the same for a PATCH whose answer was lost: replayed, one version step", async () => {
    const company = await createCompany();
    const [ten] = await twoProducts(company);
    const client = clientFor(company, {
      fetch: losingFirstAnswer((request) => request.method === "PATCH"),
    });
    let cart = await client.cart.addItem({ productId: ten });
    const before = cart.version;
    cart = await client.cart.updateItem(cart.items[0]?.id as string, { quantity: 5 });
    expect(cart.items[0]?.quantity).toBe(5);
    // One change, one version step, although the PATCH reached the Worker twice.
    expect(cart.version).toBe(before + 1);
    expect((await client.cart.get()).version).toBe(cart.version);
  });

  it("a request that never arrived (connection refused) is sent again and succeeds", async () => {
    const company = await createCompany();
    const [ten] = await twoProducts(company);
    let refusals = 2;
    const flaky: Fetch = (request) => {
      if (addsItem(request) && refusals-- > 0) return Promise.reject(new TypeError("Failed to fetch"));
      return workerFetch(request);
    };
    const cart = await clientFor(company, { fetch: flaky }).cart.addItem({ productId: ten });
    expect(cart.items).toHaveLength(1);
    expect(refusals).toBe(-1);
  });

  it("a gateway's 502 without a problem document counts as a network failure and is retried", async () => {
    const company = await createCompany();
    let gatewayDown = true;
    const behindGateway: Fetch = (request) => {
      if (gatewayDown) {
        gatewayDown = false;
        return Promise.resolve(new Response("Bad Gateway", { status: 502, headers: { "content-type": "text/html" } }));
      }
      return workerFetch(request);
    };
    expect((await clientFor(company, { fetch: behindGateway }).site()).siteId).toBe(company.siteIds[0]);
  });

  it("after the last retry: CrosscartError NETWORK_ERROR (status 0) with the cause", async () => {
    const company = await createCompany();
    const { fetch, seen } = recordingFetch(() => Promise.reject(new TypeError("Failed to fetch")));
    const error = await clientFor(company, { fetch, retry: { retries: 3, delayMs: 1 } })
      .site()
      .catch((caught) => caught);
    expect(error).toMatchObject({ name: "CrosscartError", status: 0, code: "NETWORK_ERROR" });
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(seen).toHaveLength(4);
  });

  it("an API error is not retried (it changed nothing; sending it again would fail the same way)", async () => {
    const company = await createCompany();
    const { fetch, seen } = recordingFetch();
    const client = clientFor(company, { fetch });
    await client.cart.create();
    const before = seen.length;
    await expect(client.cart.applyDiscount("NO-SUCH-CODE")).rejects.toMatchObject({ code: "DISCOUNT_INVALID" });
    expect(seen.length - before).toBe(1);
  });

  it("your own idempotencyKey is sent as given, and a reuse with another body is 422 IDEMPOTENCY_KEY_REUSED", async () => {
    const company = await createCompany();
    const [ten, twentyFive] = await twoProducts(company);
    const client = clientFor(company);
    const idempotencyKey = `checkout-${crypto.randomUUID()}`;
    const first = await client.cart.addItem({ productId: ten }, { idempotencyKey });
    expect(await client.cart.addItem({ productId: ten }, { idempotencyKey })).toEqual(first);
    await expect(client.cart.addItem({ productId: twentyFive }, { idempotencyKey })).rejects.toMatchObject({
      status: 422,
      code: "IDEMPOTENCY_KEY_REUSED",
    });
  });
});
