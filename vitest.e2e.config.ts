// `npm run test:e2e`: the browser tests in test/e2e, apart from `npm test`. They drive Debian's
// Chromium (/usr/bin/chromium, or CHROMIUM_PATH) through playwright-core against one server
// for the whole run: API_URL when set, else a throw-away local stack (test/e2e/stack.ts).
// Without Chromium every test is skipped with a message saying how to install it.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "e2e",
    environment: "node",
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["./test/e2e/global-setup.ts"],
    // One browser and one server: files run one after the other.
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
