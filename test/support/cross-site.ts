// Cross-site sessions as a storefront uses them: public calls made on one site of the company
// with a session token, sessions started on a site, transfer codes and their claim, tickets.
import { expect } from "vitest";
import type { z } from "zod";
import type { SessionAddress } from "../../durable-objects/contract";
import { sha256Hex } from "../../src/lib/tokens";
import { CartSchema } from "../../src/modules/cart/schema";
import {
  ClaimResultSchema,
  CrossSiteSessionSchema,
  TicketSchema,
  TransferCodeSchema,
} from "../../src/modules/cross-site/schema";
import { bodyOf, request } from "./app";
import { cartOf } from "./cart";
import type { TestCompany } from "./catalog";
import type { CustomerCredentials, Shopper } from "./sessions";

type Company = Pick<TestCompany, "companyId">;

/** The public headers for a site of the company, with a session token when given. */
export function onSite(company: Company, siteId: string, token?: string) {
  return {
    "x-company-id": company.companyId,
    "x-site-id": siteId,
    ...(token ? { "x-session-token": token } : {}),
  };
}

/** The session token on one site, as a caller of the public wishlist and comparison routes. */
export const onSiteAs = (company: Company, siteId: string, token: string): Pick<Shopper, "headers" | "path"> => ({
  headers: onSite(company, siteId, token),
  path: (module, sub = "") => `/api/public/${module}${sub}`,
});

export interface CrossSiteGuest {
  token: string;
  address: SessionAddress;
  session: z.infer<typeof CrossSiteSessionSchema>;
}

/** A new anonymous session (POST /api/public/session) on the given site. */
export async function newCrossSiteGuest(company: TestCompany, siteId = company.siteIds[0]): Promise<CrossSiteGuest> {
  const session = await bodyOf(
    await request("POST", "/api/public/session", onSite(company, siteId)),
    201,
    CrossSiteSessionSchema,
  );
  expect(session.sessionToken).toMatch(/^[0-9a-f]{64}$/);
  const token = session.sessionToken as string;
  return {
    token,
    address: { kind: "anonymous", companyId: company.companyId, tokenHash: await sha256Hex(token) },
    session,
  };
}

/** A new cross-site token of the customer (POST /api/cross-site-session), with its session. */
export async function crossSiteSessionOf(customer: Pick<CustomerCredentials, "headers">, siteId?: string) {
  const response = await request("POST", "/api/cross-site-session", {
    ...customer.headers,
    ...(siteId ? { "x-site-id": siteId } : {}),
  });
  expect([200, 201]).toContain(response.status);
  const session = await bodyOf(response, response.status, CrossSiteSessionSchema);
  expect(session.sessionToken).toMatch(/^[0-9a-f]{64}$/);
  return { ...session, sessionToken: session.sessionToken as string };
}

/** The session's cart, read through the public route with its token. */
export async function publicCart(company: Company, siteId: string, token: string) {
  return bodyOf(await request("GET", "/api/public/cart", onSite(company, siteId, token)), 200, CartSchema);
}

/** Adds a product to the session's cart through the public routes (201). */
export async function addToCart(company: Company, siteId: string, token: string, productId: string, quantity = 1) {
  const cart = await publicCart(company, siteId, token);
  return cartOf(
    await request("POST", `/api/public/cart/${cart.id}/items`, onSite(company, siteId, token), { productId, quantity }),
    201,
  );
}

/** A one-time transfer code for the guest's session (POST /api/public/session/transfer). */
export async function transferCode(company: Company, fromSiteId: string, token: string, targetSiteId: string) {
  return bodyOf(
    await request("POST", "/api/public/session/transfer", onSite(company, fromSiteId, token), { targetSiteId }),
    200,
    TransferCodeSchema,
  );
}

/** A one-time transfer code a signed-in customer asks for on one site (POST /api/cross-site-session/transfer). */
export async function customerTransferCode(
  customer: Pick<CustomerCredentials, "headers">,
  fromSiteId: string,
  targetSiteId: string,
) {
  return bodyOf(
    await request(
      "POST",
      "/api/cross-site-session/transfer",
      { ...customer.headers, "x-site-id": fromSiteId },
      {
        targetSiteId,
      },
    ),
    200,
    TransferCodeSchema,
  );
}

export function claim(company: Company, siteId: string, code: string) {
  return request("POST", "/api/public/session/claim", onSite(company, siteId), { code });
}

export async function claimed(response: Response) {
  return bodyOf(response, 200, ClaimResultSchema);
}

/** A ticket through the public route (session token) or the customer route (JWT). */
export async function ticketFor(headers: Record<string, string>, customer = false) {
  const path = customer ? "/api/cross-site-session/ticket" : "/api/public/session/ticket";
  return bodyOf(await request("POST", path, headers), 200, TicketSchema);
}
