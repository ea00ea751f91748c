// The server the browser tests drive. With API_URL set, that server (tokens from
// TEST_AUTH_TOKEN / TEST_CUSTOMER_TOKEN / TEST_SERVICE_TOKEN, else minted with the local dev secret). Otherwise a
// throw-away local stack of its own, beside any `npm run dev` (scripts/lib/supervisor.ts):
// embedded Postgres in a temporary folder, the WebSocket proxy, migrations and the demo data,
// and `wrangler dev` on free ports with its own env file (instead of the developer's .dev.vars)
// and its own Durable Object storage; its output goes to test-artifacts/e2e-wrangler.log.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DEV_JWT_SECRET, mintDemoTokens } from "../../scripts/lib/demo-tokens.ts";
import { REPO_ROOT, startStack } from "../../scripts/lib/supervisor.ts";
import { errorText } from "../../src/lib/error-fields.ts";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const ARTIFACTS_DIR = join(REPO_ROOT, "test-artifacts");

export interface E2eStack {
  apiUrl: string;
  adminToken: string;
  customerToken: string;
  /** the commerce platform's token (conversions) */
  serviceToken: string;
  /** true when this process started the server (and owns its database) */
  local: boolean;
  stop(): Promise<void>;
}

export async function startE2eStack(log: (line: string) => void = console.log): Promise<E2eStack> {
  const external = process.env.API_URL?.replace(/\/+$/, "");
  if (external) {
    const minted = await mintDemoTokens(process.env.JWT_SECRET || DEV_JWT_SECRET);
    log(`using API_URL=${external}`);
    await waitForHealth(external, 10_000);
    return {
      apiUrl: external,
      adminToken: process.env.TEST_AUTH_TOKEN || minted.admin,
      customerToken: process.env.TEST_CUSTOMER_TOKEN || minted.customer,
      serviceToken: process.env.TEST_SERVICE_TOKEN || minted.service,
      local: false,
      stop: async () => {},
    };
  }

  const started = Date.now();
  // Throw-away database and Worker state, free ports; not this process's signals (vitest's).
  const stack = await startStack({ log: (line) => log(`[stack] ${line}`) });
  try {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const apiUrl = await stack.startWrangler({ isolated: true, logFile: join(ARTIFACTS_DIR, "e2e-wrangler.log") });
    log(`[stack] up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const tokens = await mintDemoTokens(DEV_JWT_SECRET);
    return {
      apiUrl,
      adminToken: tokens.admin,
      customerToken: tokens.customer,
      serviceToken: tokens.service,
      local: true,
      stop: stack.stop,
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

async function waitForHealth(apiUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${apiUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = errorText(error);
    }
    await new Promise((done) => setTimeout(done, 300));
  }
  throw new Error(`${apiUrl}/api/health did not answer 200 within ${timeoutMs / 1000} s (${last})`);
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}
