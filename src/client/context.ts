// What every part of the client shares: the identity, the transport, and the one way to send
// a request as the current shopper (opening an anonymous session first when there is none).
import type { CrossSiteSession } from "./contract";
import type { Identity } from "./identity";
import type { ApiRequest, Transport } from "./transport";

export type ShopperRequest = Omit<ApiRequest, "headers">;

export function createContext(identity: Identity, transport: Transport) {
  // Parallel first calls of a new visitor share one session instead of opening one each.
  let opening: Promise<void> | undefined;

  const context = {
    identity,
    transport,
    /** The id of the last cart seen: an anonymous session's changes name their cart in the path. */
    cartId: undefined as string | undefined,

    /** Opens an anonymous session unless there is one (or a signed-in customer, whose session the API makes). */
    ensureSession(): Promise<void> {
      if (identity.isCustomer || identity.sessionToken) return Promise.resolve();
      opening ??= transport
        .send<CrossSiteSession>({ method: "POST", path: "/api/public/session", headers: identity.storefrontHeaders() })
        .then((session) => context.adoptSessionToken(session.sessionToken ?? null))
        .finally(() => {
          opening = undefined;
        });
      return opening;
    },

    /** Sends as the current shopper: customer JWT, or storefront headers plus the session token. */
    async asShopper<T>(request: ShopperRequest): Promise<T> {
      await context.ensureSession();
      return transport.send<T>({ ...request, headers: identity.shopperHeaders() });
    },

    /** Sends with the storefront's headers only: the site, shared views, claiming a transfer code. */
    asStorefront<T>(request: ShopperRequest): Promise<T> {
      return transport.send<T>({ ...request, headers: identity.storefrontHeaders() });
    },

    /** Switches to this anonymous session (a new one, or a claimed one): what was cached about the last one goes. */
    adoptSessionToken(token: string | null): void {
      if (token !== identity.sessionToken) context.cartId = undefined;
      identity.sessionToken = token;
    },
  };
  return context;
}

export type ClientContext = ReturnType<typeof createContext>;
