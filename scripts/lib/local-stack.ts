// Superseded by scripts/lib/supervisor.ts. Kept only for test/e2e/catalog.test.ts, which imports
// REPO_ROOT from here (outside this change's files); point that import at supervisor.ts and delete this file.
export { REPO_ROOT } from "./supervisor.ts";
