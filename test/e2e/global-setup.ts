// Starts the server once for every e2e file (or reuses API_URL) and hands its URL and the
// demo tokens to the tests. Without Chromium it starts nothing: the tests skip themselves.
import type { TestProject } from "vitest/node";
import { CHROMIUM_PATH, chromiumAvailable, startE2eStack } from "./stack.ts";

declare module "vitest" {
  export interface ProvidedContext {
    e2eApiUrl: string;
    e2eAdminToken: string;
    e2eCustomerToken: string;
    e2eServiceToken: string;
    /** the throw-away local stack (development mode), not an API_URL given from outside */
    e2eLocal: boolean;
  }
}

export default async function setup(project: TestProject) {
  if (!chromiumAvailable()) {
    console.warn(
      `\n[e2e] SKIPPED: no Chromium at ${CHROMIUM_PATH}. Install it (Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM_PATH.\n`,
    );
    project.provide("e2eApiUrl", "");
    project.provide("e2eAdminToken", "");
    project.provide("e2eCustomerToken", "");
    project.provide("e2eServiceToken", "");
    project.provide("e2eLocal", false);
    return;
  }
  const stack = await startE2eStack((line) => console.log(`[e2e] ${line}`));
  project.provide("e2eApiUrl", stack.apiUrl);
  project.provide("e2eAdminToken", stack.adminToken);
  project.provide("e2eCustomerToken", stack.customerToken);
  project.provide("e2eServiceToken", stack.serviceToken);
  project.provide("e2eLocal", stack.local);
  return async () => {
    await stack.stop();
  };
}
