import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["./test/global-setup.ts"],
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                DATABASE_URL: inject("databaseUrl"),
                DATABASE_WS_PROXY: inject("databaseWsProxy"),
                JWT_SECRET: "test-secret-that-is-at-least-32-bytes-long",
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
