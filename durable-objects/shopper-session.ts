import { DurableObject } from "cloudflare:workers";

/** One shopper session: its cart, wishlist and comparison (filled in by the session issue). */
export class ShopperSession extends DurableObject<Env> {}
