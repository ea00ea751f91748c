// What every part of the client shares: the identity, the transport, and the one way to send
// a request as the current shopper (opening an anonymous session first when there is none).
import type { CrossSiteSession } from "./contract";
import type { Identity } from "./identity";
import type { ApiRequest, Transport } from "./transport";

export type ShopperRequest = Omit<ApiRequest, "headers">;

export function createContext(identity: Identity, transport: Transport) {
  // Parallel first calls of a new visitor share one session instead of opening one each.
  let opening: Promise<void> | undefined;
  // The last cart seen, with the session token it was seen under: another tab may store a new
  // token for this site, and an id from the old session must not name the new one's cart.
  let lastCart: { sessionToken: string | null; cartId: string } | undefined;

  const context = {
    identity,
    transport,
    /** The current session's cart id, when a cart was seen: an anonymous session's changes name it in the path. */
    get cartId(): string | undefined {
      return lastCart?.sessionToken === identity.sessionToken ? lastCart.cartId : undefined;
    },
    /** Remembers the current session's active cart (undefined: forget it, e.g. once converted). */
    set cartId(cartId: string | undefined) {
      lastCart = cartId ? { sessionToken: identity.sessionToken, cartId } : undefined;
    },

    /** Opens an anonymous session unless there is one (or a signed-in customer, whose session the API makes). */
    ensureSession(): Promise<void> {
      if (identity.isCustomer || identity.sessionToken) return Promise.resolve();
      opening ??= transport
        .send<CrossSiteSession>({ method: "POST", path: "/api/public/session", headers: identity.storefrontHeaders() })
        .then((session) => {
          identity.sessionToken = session.sessionToken ?? null;
        })
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
  };
  return context;
}

export type ClientContext = ReturnType<typeof createContext>;
