// Bindings that only the test configuration adds (vitest.config.ts), and the main module's
// type so `exports` from "cloudflare:workers" is typed.
declare namespace Cloudflare {
  interface Env {
    TEST_JWKS_URL: string;
    TEST_JWKS_PRIVATE_KEY: string;
    TIGHT_SESSION_LIMITER: RateLimit;
    TIGHT_IP_LIMITER: RateLimit;
  }
  interface GlobalProps {
    mainModule: typeof import("../../src/index");
    durableNamespaces: "ShopperSession";
  }
}
