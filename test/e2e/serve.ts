// The e2e stack on its own, for working on the pages or the browser tests:
//   bash scripts/node22.sh node test/e2e/serve.ts
// prints the /demo and /dashboard URLs (with the demo tokens in the fragment) and runs until
// Ctrl-C, which stops wrangler and Postgres and deletes their data.
import { startE2eStack } from "./stack.ts";

const stack = await startE2eStack();
console.log(`
demo       ${stack.apiUrl}/demo/#token=${stack.customerToken}
dashboard  ${stack.apiUrl}/dashboard/#token=${stack.adminToken}
Ctrl-C stops it.`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void stack.stop().then(() => process.exit(0));
  });
}
