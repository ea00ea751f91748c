import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_JWT_SECRET } from "./test/constants";

export default defineConfig({
  test: {
    globalSetup: ["./test/global-setup.ts"],
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // Real limiters with tiny limits, swapped in by the rate-limit tests.
              ratelimits: {
                TIGHT_SESSION_LIMITER: { namespace_id: "9001", simple: { limit: 3, period: 60 } },
                TIGHT_IP_LIMITER: { namespace_id: "9002", simple: { limit: 3, period: 60 } },
              },
              bindings: {
                DATABASE_URL: inject("databaseUrl"),
                DATABASE_WS_PROXY: inject("databaseWsProxy"),
                JWT_SECRET: TEST_JWT_SECRET,
                NODE_ENV: "test",
                // Not read by the app unless a test swaps it in as JWKS_URL.
                TEST_JWKS_URL: inject("jwksUrl"),
                TEST_JWKS_PRIVATE_KEY: inject("jwksPrivateKey"),
              },
            },
          })),
        ],
        test: { name: "worker", include: ["test/worker/**/*.test.ts"] },
      },
      {
        test: { name: "node", environment: "node", include: ["test/node/**/*.test.ts"] },
      },
    ],
  },
});
