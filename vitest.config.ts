import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_JWT_SECRET, TEST_SESSION_TOKEN_KEY } from "./test/constants.ts";

/** The workerd test project, against the database the global setup provides as `databaseKey`. */
const workerProject = (
  name: string,
  include: string[],
  databaseKey: "databaseUrl" | "jobsDatabaseUrl",
  exclude: string[] = [],
) => ({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // The replication consumer of wrangler.toml, with a short batch window: a test that waits
        // for Postgres waits for one window per replication (1 s in deployed environments).
        queueConsumers: {
          "crosscart-replication": {
            maxBatchSize: 100,
            maxBatchTimeout: 0.05,
            maxRetries: 20,
            deadLetterQueue: "crosscart-replication-dlq",
          },
          "crosscart-replication-dlq": { maxBatchSize: 100, maxBatchTimeout: 0.05, maxRetries: 100 },
        },
        // Real limiters with tiny limits, swapped in by the rate-limit tests.
        ratelimits: {
          TIGHT_SESSION_LIMITER: { namespace_id: "9001", simple: { limit: 3, period: 60 } },
          TIGHT_IP_LIMITER: { namespace_id: "9002", simple: { limit: 3, period: 60 } },
        },
        bindings: {
          DATABASE_URL: inject(databaseKey),
          DATABASE_WS_PROXY: inject("databaseWsProxy"),
          JWT_SECRET: TEST_JWT_SECRET,
          SESSION_TOKEN_KEY: TEST_SESSION_TOKEN_KEY,
          NODE_ENV: "test",
          // As on every local stack: the tests' Queues keep messages in memory too (design 102).
          REPLICATION_CONFIRM_AFTER_SECONDS: "30",
          // Not read by the app unless a test swaps it in as JWKS_URL.
          TEST_JWKS_URL: inject("jwksUrl"),
          TEST_JWKS_PRIVATE_KEY: inject("jwksPrivateKey"),
        },
      },
    })),
  ],
  test: { name, include, exclude },
});

export default defineConfig({
  test: {
    globalSetup: ["./test/global-setup.ts"],
    projects: [
      workerProject("worker", ["test/worker/**/*.test.ts"], "databaseUrl", ["test/worker/jobs/**"]),
      // The lifecycle jobs act on every company's due rows: they get a database of their own,
      // so their exact counts never see the other tests' fixtures.
      workerProject("jobs", ["test/worker/jobs/**/*.test.ts"], "jobsDatabaseUrl"),
      // The pure core (src/domain and the analytics math) imports no runtime: plain Node is enough, and fast.
      {
        test: { name: "domain", environment: "node", include: ["test/domain/**/*.test.ts"] },
      },
      {
        test: { name: "node", environment: "node", include: ["test/node/**/*.test.ts"] },
      },
    ],
  },
});
