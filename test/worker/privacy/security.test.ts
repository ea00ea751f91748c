// Who may make a data-subject request, and about whom: an admin or service JWT of the
// customer's own company; another company's customer is a 404 that changes nothing; a
// customer's JWT is a 403, as is a service JWT reading the audit. Every request is audited.
import { describe, expect, it } from "vitest";
import { bearer, problemOf, request, signToken } from "../../support/app";
import { addItem } from "../../support/cart";
import { createCompany, seedProduct } from "../../support/catalog";
import { addToWishlist } from "../../support/lists";
import { auditOf, erase, eraseRequest, exportOf, exportRequest, isEmpty, opsToken } from "../../support/privacy";
import { newCustomer, replicateNow } from "../../support/sessions";

async function customerWithData() {
  const company = await createCompany();
  const productId = await seedProduct(company.companyId);
  const customer = await newCustomer(company);
  if (customer.address.kind !== "customer") throw new Error("expected a customer");
  await addItem(customer, productId, 1);
  await addToWishlist(customer, { productId, note: "gift" });
  await replicateNow(customer);
  return { company, customer, customerId: customer.address.customerId };
}

describe("privacy requests — security", () => {
  it("another company's customer is a 404 to export and erase, and nothing of theirs changes", async () => {
    const { company, customerId } = await customerWithData();
    const other = await createCompany();
    for (const role of ["admin", "service"] as const) {
      const token = await opsToken(other.companyId, role);
      await problemOf(await exportRequest(token, customerId), 404, "NOT_FOUND");
      await problemOf(await eraseRequest(token, customerId), 404, "NOT_FOUND");
    }
    const intact = await exportOf(company.companyId, customerId);
    expect(intact.postgres.carts).toHaveLength(1);
    expect(intact.postgres.wishlists).toHaveLength(1);
    // The other company's audit says it asked and found nothing; the customer's own shows only A's export.
    const theirs = await auditOf(other.companyId, customerId);
    expect(theirs.map((row) => [row.action, row.outcome])).toEqual([
      ["erase", "not_found"],
      ["export", "not_found"],
      ["erase", "not_found"],
      ["export", "not_found"],
    ]);
    expect((await auditOf(company.companyId, customerId)).map((row) => row.action)).toEqual(["export"]);
  });

  it("a customer the company never had is a 404", async () => {
    const company = await createCompany();
    await problemOf(await exportRequest(await opsToken(company.companyId), crypto.randomUUID()), 404, "NOT_FOUND");
    await problemOf(await eraseRequest(await opsToken(company.companyId), crypto.randomUUID()), 404, "NOT_FOUND");
  });

  it("a customer JWT is a 403 on every privacy route, even about that customer; the audit is for admins", async () => {
    const { company, customerId } = await customerWithData();
    const own = await signToken({ companyId: company.companyId, role: "customer", customerId });
    await problemOf(await exportRequest(own, customerId), 403, "FORBIDDEN");
    await problemOf(await eraseRequest(own, customerId), 403, "FORBIDDEN");
    await problemOf(await request("GET", "/api/privacy/requests", bearer(own)), 403, "FORBIDDEN");
    const service = await opsToken(company.companyId, "service");
    await problemOf(await request("GET", "/api/privacy/requests", bearer(service)), 403, "FORBIDDEN");
    await problemOf(await request("GET", `/api/privacy/customers/${customerId}/export`, {}), 401, "UNAUTHORIZED");
    expect(await auditOf(company.companyId, customerId)).toEqual([]);
    expect((await exportOf(company.companyId, customerId)).postgres.carts).toHaveLength(1);
  });

  it("erasing twice: the second answers zeros, the export stays empty, both are audited with who asked", async () => {
    const { company, customerId } = await customerWithData();
    const first = await erase(company.companyId, customerId, "service");
    expect(first.durableObjects.objects).toBe(1);
    expect(first.postgres.cartsAnonymized).toBe(1);
    const second = await erase(company.companyId, customerId);
    for (const store of [second.durableObjects, second.postgres, second.archive]) {
      expect(Object.values(store).every((count) => count === 0)).toBe(true);
    }
    expect(isEmpty(await exportOf(company.companyId, customerId))).toBe(true);
    const audit = await auditOf(company.companyId, customerId);
    expect(audit.map((row) => [row.action, row.outcome, row.actorSub, row.actorRole])).toEqual([
      ["export", "completed", "ops-admin", "admin"],
      ["erase", "completed", "ops-admin", "admin"],
      ["erase", "completed", "ops-service", "service"],
    ]);
    expect(audit[2]?.counts.postgres).toMatchObject({ cartsAnonymized: 1, wishlistNotesCleared: 1 });
    expect(audit.every((row) => row.customerId === customerId && row.requestId)).toBe(true);
    // The audit lists the whole company's requests too, newest first.
    expect((await auditOf(company.companyId)).map((row) => row.id)).toEqual(audit.map((row) => row.id));
  });
});
