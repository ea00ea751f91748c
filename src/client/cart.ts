// client.cart: every change resolves to the whole cart, as the API answers it. An anonymous
// session's changes name their cart in the path (`/api/public/cart/{id}/…`); a customer's
// cart is implied (`/api/cart/…`).
import type { ClientContext } from "./context";
import type { AddBundleInput, AddItemInput, Cart, CreateCartInput, CreatedCart, UpdateItemInput } from "./contract";
import { CrosscartError } from "./errors";
import type { CallOptions } from "./transport";

export function cartApi(context: ClientContext) {
  const { identity } = context;

  const remember = (cart: Cart): Cart => {
    // A converted cart takes no more changes: the next change reads the session's new cart.
    context.cartId = cart.status === "ACTIVE" ? cart.id : undefined;
    return cart;
  };

  async function get(): Promise<Cart> {
    return remember(await context.asShopper<Cart>({ method: "GET", path: identity.prefix("cart") }));
  }

  /** Where a change of the current cart goes; the cart is read first when its id is not known yet. */
  async function changePath(suffix: string): Promise<string> {
    if (identity.isCustomer) return `/api/cart${suffix}`;
    await context.ensureSession();
    const cartId = context.cartId ?? (await get()).id;
    return `/api/public/cart/${cartId}${suffix}`;
  }

  async function change(
    method: "POST" | "PATCH" | "DELETE",
    suffix: string,
    body: unknown,
    options: CallOptions | undefined,
  ): Promise<Cart> {
    const remembered = identity.isCustomer ? undefined : context.cartId;
    const send = async () => context.asShopper<Cart>({ method, path: await changePath(suffix), body, options });
    try {
      return remember(await send());
    } catch (error) {
      // The commerce platform converted the cart since this client last saw it, and the session
      // has started its next cart: the change goes there, once. Any other 404 stands.
      if (!(error instanceof CrosscartError) || error.code !== "NOT_FOUND" || remembered === undefined) throw error;
      context.cartId = undefined;
      if ((await get()).id === remembered) throw error;
      return remember(await send());
    }
  }

  const segment = encodeURIComponent;

  return {
    /**
     * The session and its cart: an anonymous shopper without a (live) session gets a new one,
     * whose token the client stores; otherwise the current cart. A customer's cart is made on first use.
     */
    async create(input: CreateCartInput = {}, options?: CallOptions): Promise<Cart> {
      if (identity.isCustomer) return get();
      const { sessionToken, ...cart } = await context.transport.send<CreatedCart>({
        method: "POST",
        path: "/api/public/cart",
        headers: identity.shopperHeaders(),
        body: input,
        options,
      });
      if (sessionToken) identity.sessionToken = sessionToken;
      return remember(cart);
    },
    get,
    /** Adds a product (quantity 1 by default); the same product and variant grows its line. */
    addItem: (input: AddItemInput, options?: CallOptions) => change("POST", "/items", input, options),
    /** Sets a line's quantity (1–999; removeItem takes a line out). */
    updateItem: (itemId: string, input: UpdateItemInput, options?: CallOptions) =>
      change("PATCH", `/items/${segment(itemId)}`, input, options),
    removeItem: (itemId: string, options?: CallOptions) =>
      change("DELETE", `/items/${segment(itemId)}`, undefined, options),
    /** Adds every line of a bundle under one `bundleGroupId`. */
    addBundle: (input: AddBundleInput, options?: CallOptions) => change("POST", "/bundles", input, options),
    removeBundle: (bundleGroupId: string, options?: CallOptions) =>
      change("DELETE", `/bundles/${segment(bundleGroupId)}`, undefined, options),
    applyDiscount: (code: string, options?: CallOptions) => change("POST", "/discount", { code }, options),
    removeDiscount: (code: string, options?: CallOptions) =>
      change("DELETE", `/discount/${segment(code)}`, undefined, options),
    /** Moves a line to saved-for-later. */
    saveForLater: (itemId: string, options?: CallOptions) =>
      change("POST", `/items/${segment(itemId)}/save`, undefined, options),
    /** Moves a saved item back into the cart. */
    restore: (savedItemId: string, options?: CallOptions) =>
      change("POST", `/saved/${segment(savedItemId)}/restore`, undefined, options),
    removeSaved: (savedItemId: string, options?: CallOptions) =>
      change("DELETE", `/saved/${segment(savedItemId)}`, undefined, options),
  };
}
