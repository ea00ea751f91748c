// Data residency (dataResidency "eu" | "global", set through the catalog feed): an EU company's
// sessions live in the EU jurisdiction of the ShopperSession namespace, reached with no lookup
// from the company the request already resolved. workerd does not implement jurisdictions
// (`jurisdiction()` throws), so locally an EU session is the object `eu/<name>`: these tests show
// that every route — customer JWT, session token, cross-site token, share link, privacy export —
// reaches that object and never the global one, and (with a recording namespace) that a deployed
// Worker asks `jurisdiction("eu")` for it. Where Cloudflare places it is not observable here
// (docs/design.md, "Privacy").

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ShopperSessionRpc } from "../../../durable-objects/contract";
import { CartSchema } from "../../../src/modules/cart/schema";
import { CompanySchema } from "../../../src/modules/catalog/schema";
import { CrossSiteSessionSchema } from "../../../src/modules/cross-site/schema";
import { sessionStub } from "../../../src/session-client";
import { sessionObjectName } from "../../../src/session-client/address";
import { api, bearer, bodyOf, putCatalog, request, tokenFor } from "../../support/app";
import { addItem, readCart } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { onSite } from "../../support/cross-site";
import { erase, exportOf } from "../../support/privacy";
import { newCustomer, newGuest } from "../../support/sessions";

const namespace = () => env.SHOPPER_SESSION as DurableObjectNamespace<ShopperSessionRpc>;

/** The documents an object of this name holds, in the (locally emulated) EU jurisdiction or outside any. */
function documentsOf(name: string, jurisdiction?: "eu") {
  const stub = namespace().getByName(jurisdiction ? `${jurisdiction}/${name}` : name);
  return runInDurableObject(stub, (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM documents ORDER BY name")
      .toArray()
      .map((row) => row.name),
  );
}

async function euCompany() {
  const company = await createCompany();
  const token = await tokenFor(company.companyId, "service");
  const slug = `eu-${company.companyId.slice(0, 8)}`;
  const set = await putCatalog("company", { name: "EU Co", slug, dataResidency: "eu" }, token);
  expect(set.status).toBe(200);
  return company;
}

describe("data residency", () => {
  it("the catalog feed sets it, shows it, and leaves it alone when a later feed omits it", async () => {
    const company = await euCompany();
    const token = await tokenFor(company.companyId, "admin");
    const read = async () => bodyOf(await api("/api/catalog/company", { headers: bearer(token) }), 200, CompanySchema);
    expect((await read()).dataResidency).toBe("eu");
    await putCatalog("company", { name: "EU Co renamed", slug: `eu-${company.companyId.slice(0, 8)}` }, token);
    expect(await read()).toMatchObject({ name: "EU Co renamed", dataResidency: "eu" });
    const other = await createCompany();
    expect(
      (
        await bodyOf(
          await api("/api/catalog/company", { headers: bearer(await tokenFor(other.companyId, "admin")) }),
          200,
          CompanySchema,
        )
      ).dataResidency,
    ).toBe("global");
    const bad = await putCatalog(
      "company",
      { name: "X", slug: `x-${other.companyId.slice(0, 8)}`, dataResidency: "us" },
      token,
    );
    expect(bad.status).toBe(400);
  });

  it("an EU company's customer and guest sessions live in the EU jurisdiction; a global company's do not", async () => {
    const company = await euCompany();
    const productId = await seedProduct(company.companyId);
    const customer = await newCustomer(company);
    await addItem(customer, productId, 2);
    const name = sessionObjectName(customer.address);
    expect(await documentsOf(name, "eu")).toContain("session");
    expect(await documentsOf(name)).toEqual([]);

    const guest = await newGuest(company);
    await addItem(guest, productId, 1);
    const guestName = sessionObjectName(guest.address);
    expect(await documentsOf(guestName, "eu")).toContain("session");
    expect(await documentsOf(guestName)).toEqual([]);

    const global = await createCompany();
    const globalCustomer = await newCustomer(global);
    expect(await documentsOf(sessionObjectName(globalCustomer.address))).toContain("session");
    expect(await documentsOf(sessionObjectName(globalCustomer.address), "eu")).toEqual([]);
  });

  it("deployed (NODE_ENV production), an EU address asks the namespace for jurisdiction('eu'); a global one does not", () => {
    const asked: string[] = [];
    const recording = (prefix: string) => ({
      getByName: (name: string) => {
        asked.push(`${prefix}getByName(${name})`);
        return {};
      },
      jurisdiction: (jurisdiction: string) => {
        asked.push(`jurisdiction(${jurisdiction})`);
        return recording(`${jurisdiction}.`);
      },
    });
    const deployed = { ...env, NODE_ENV: "production", SHOPPER_SESSION: recording("") } as unknown as Env;
    const address = { kind: "customer", companyId: "c1", customerId: "u1" } as const;
    sessionStub(deployed, { ...address, jurisdiction: "eu" });
    sessionStub(deployed, address);
    expect(asked).toEqual(["jurisdiction(eu)", "eu.getByName(c:c1:u1)", "getByName(c:c1:u1)"]);
  });

  it("a cross-site token, a share link and a privacy export and erasure reach the EU object with no lookup", async () => {
    const company = await euCompany();
    const productId = await seedProduct(company.companyId);
    const customer = await newCustomer(company);
    if (customer.address.kind !== "customer") throw new Error("expected a customer");
    await addItem(customer, productId, 3);
    const issued = await bodyOf(
      await request("POST", "/api/cross-site-session", { ...customer.headers, "x-site-id": company.siteIds[0] }),
      201,
      CrossSiteSessionSchema,
    );
    const viaToken = await bodyOf(
      await request("GET", "/api/public/cart", onSite(company, company.siteIds[1], issued.sessionToken)),
      200,
      CartSchema,
    );
    expect(viaToken.id).toBe((await readCart(customer)).id);
    expect(viaToken.items[0]?.quantity).toBe(3);

    const shared = await request("POST", "/api/wishlist/share", customer.headers);
    expect(shared.status).toBe(200);
    const shareToken = (await shared.text()).match(/[0-9a-f]{128}/)?.[0];
    const sharedList = await api(`/api/public/wishlist/shared/${shareToken}`, {
      headers: { "x-company-id": company.companyId },
    });
    expect(sharedList.status).toBe(200);

    const exported = await exportOf(company.companyId, customer.address.customerId);
    expect(exported.liveState.customer?.session).toMatchObject({ customerId: customer.address.customerId });

    // And the erasure empties that object (and the token's link, also in the EU), not a global namesake.
    const receipt = await erase(company.companyId, customer.address.customerId);
    expect(receipt.durableObjects.objects).toBe(2);
    expect(await documentsOf(sessionObjectName(customer.address), "eu")).toEqual(["erased"]);
    // The token opens nothing: 401 where this isolate still remembers its link, 404 where not.
    const afterwards = await request(
      "GET",
      "/api/public/cart",
      onSite(company, company.siteIds[1], issued.sessionToken),
    );
    expect([401, 404]).toContain(afterwards.status);
  });
});
