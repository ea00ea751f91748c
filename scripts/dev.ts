// `npm run dev`: the whole API on one machine. Starts the local stack (scripts/lib/supervisor.ts:
// embedded Postgres with data in .data/postgres, the WebSocket proxy, migrations, demo data),
// writes .dev.vars for wrangler and .demo.env for scripts and storefront developers, then runs
// `wrangler dev`. Ctrl-C stops wrangler, the proxy and Postgres, and exits 0; wrangler exiting
// on its own stops the rest too.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DEMO_BUNDLE_ID,
  DEMO_COMPANY_ID,
  DEMO_CUSTOMER_ID,
  DEMO_PRODUCT_IDS,
  DEMO_PROMO_CODE,
  DEMO_SITE_IDS,
  OTHER_COMPANY_ID,
} from "./lib/demo-data.ts";
import { DEV_JWT_SECRET, type DemoTokens, mintDemoTokens } from "./lib/demo-tokens.ts";
import {
  describeStartFailure,
  devDatabase,
  portFromEnv,
  REPO_ROOT,
  redact,
  type Stack,
  startStack,
} from "./lib/supervisor.ts";

let stack: Stack | undefined;

async function main(): Promise<void> {
  const port = portFromEnv("PORT", 8787);
  stack = await startStack({
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
    ...devDatabase(),
    proxyPort: portFromEnv("WS_PROXY_PORT", 54321),
    ownProcess: true,
    exitCodeOnSignal: 0,
    log: (line) => console.log(`[dev] ${line}`),
  });
  const apiUrl = `http://localhost:${port}`;
  await writeDevVars(stack.workerVars);
  const tokens = await mintDemoTokens(DEV_JWT_SECRET);
  await writeDemoEnv(apiUrl, tokens);
  console.log("[dev] wrote .dev.vars and .demo.env");
  await stack.startWrangler({ port });
  printBanner(apiUrl, stack, tokens);
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/**
 * .dev.vars (read by wrangler dev): the managed keys are rewritten on every run; any other key
 * a developer added (JWKS_URL, COMPANY_PORTAL_URL, …) is kept.
 */
async function writeDevVars(managed: Record<string, string>): Promise<void> {
  const keep: string[] = [];
  const existing = await readFile(join(REPO_ROOT, ".dev.vars"), "utf8").catch(() => "");
  for (const line of existing.split("\n")) {
    const key = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (key && !(key in managed) && key !== "DATABASE_WS_PROXY") keep.push(line);
  }
  const lines = [
    "# Written by `npm run dev` (git-ignored). The keys above the blank line are rewritten on every",
    "# run; keys you add below it are kept.",
    ...Object.entries(managed).map(([key, value]) => `${key}=${value}`),
    "",
    ...keep,
  ];
  await writeFile(join(REPO_ROOT, ".dev.vars"), `${lines.join("\n").trimEnd()}\n`, { mode: 0o600 });
}

async function writeDemoEnv(apiUrl: string, tokens: DemoTokens): Promise<void> {
  const values: Record<string, string> = {
    API_URL: apiUrl,
    TEST_COMPANY_ID: DEMO_COMPANY_ID,
    TEST_AUTH_TOKEN: tokens.admin,
    TEST_CUSTOMER_TOKEN: tokens.customer,
    TEST_SERVICE_TOKEN: tokens.service,
    DEMO_SITE_IDS: DEMO_SITE_IDS.join(","),
    DEMO_PRODUCT_IDS: DEMO_PRODUCT_IDS.join(","),
    DEMO_BUNDLE_ID,
    DEMO_PROMO_CODE,
    DEMO_CUSTOMER_ID,
    DEMO_OTHER_COMPANY_ID: OTHER_COMPANY_ID,
  };
  const lines = [
    "# Written by `npm run dev` (git-ignored): demo ids and tokens for the local API.",
    "# Use: set -a; . ./.demo.env; set +a",
    ...Object.entries(values).map(([key, value]) => `${key}=${value}`),
  ];
  await writeFile(join(REPO_ROOT, ".demo.env"), `${lines.join("\n")}\n`, { mode: 0o600 });
}

// ---------------------------------------------------------------------------------------------
// Banner
// ---------------------------------------------------------------------------------------------

function printBanner(API_URL: string, stack: Stack, tokens: DemoTokens): void {
  const companyHeader = `-H 'x-company-id: ${DEMO_COMPANY_ID}'`;
  const text = `
──────────────────────────── crosscart dev ────────────────────────────
API            ${API_URL}
database       ${redact(stack.databaseUrl)}${stack.wsProxy ? ` (via ws://${stack.wsProxy})` : ""}
company        ${DEMO_COMPANY_ID}  (Acme Outdoor)
sites          ${DEMO_SITE_IDS.join("  ")}  (Trail: compare on, default; Peak)
customer       ${DEMO_CUSTOMER_ID}
products       ${DEMO_PRODUCT_IDS.slice(0, 3).join("  ")}  … (${DEMO_PRODUCT_IDS.length} in .demo.env)
bundle         ${DEMO_BUNDLE_ID}    promo code ${DEMO_PROMO_CODE}

admin token    ${tokens.admin}
customer token ${tokens.customer}
service token  ${tokens.service}

Everything above is in .demo.env:   set -a; . ./.demo.env; set +a

demo storefront  ${API_URL}/demo/#token=${tokens.customer}
dashboard        ${API_URL}/dashboard/  (the demo admin's token comes by itself, development only)
API reference    ${API_URL}/api/docs

curl -s ${API_URL}/api/health
curl -s -X POST ${API_URL}/api/public/cart ${companyHeader} -H 'content-type: application/json' -d '{"currency":"USD"}'
curl -s ${API_URL}/api/public/cart ${companyHeader} -H 'x-session-token: <sessionToken from the response above>'
curl -s ${API_URL}/api/analytics/ecommerce/overview -H 'authorization: Bearer ${tokens.admin}'
curl -s "${API_URL}/cdn-cgi/handler/scheduled?cron=0+*+*+*+*"     # hourly job (0+3+*+*+* daily, 0+4+*+*+0 weekly)

Ctrl-C stops wrangler, the proxy and Postgres${stack.dataDir ? ` (data stays in ${dataDirForHumans(stack.dataDir)})` : ""}.
────────────────────────────────────────────────────────────────────────
`;
  console.log(text);
}

function dataDirForHumans(dataDir: string): string {
  return dataDir.startsWith(REPO_ROOT) ? dataDir.slice(REPO_ROOT.length) : dataDir;
}

main().catch(async (error: unknown) => {
  console.error(`[dev] ${describeStartFailure(error)}`);
  await stack?.stop();
  process.exit(1);
});
