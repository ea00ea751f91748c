// Starts the real Postgres the tests run against (embedded, or TEST_DATABASE_URL), applies
// the migrations, starts the WebSocket proxy the Neon driver needs, and hands the worker
// tests their connection settings through vitest's provide/inject.
import pg from "pg";
import type { TestProject } from "vitest/node";
import { StartError, startLocalPostgres } from "../scripts/lib/embedded-postgres.ts";
import { freePort } from "../scripts/lib/free-port.ts";
import { migrateDatabase } from "../scripts/lib/migrate.ts";
import { spawnWsProxy } from "../scripts/lib/ws-proxy.ts";
import { startJwksServer } from "./jwks-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseWsProxy: string;
    jobsDatabaseUrl: string;
    jwksUrl: string;
    jwksPrivateKey: string;
  }
}

/** Projects that never touch Postgres, the proxy or the JWKS server: plain Node over pure code. */
const PURE_PROJECTS = new Set(["domain"]);

export default async function setup(project: TestProject) {
  // `--project domain` alone runs in well under a second: it needs none of what follows.
  if (project.vitest.projects.every((running) => PURE_PROJECTS.has(running.name))) return;
  const stops: Array<() => Promise<void>> = [];
  let databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) {
    // A throw-away data folder; as root this works from any checkout location (see the helper).
    const postgres = await startLocalPostgres({ port: await freePort(), database: "crosscart_test" }).catch(
      (error: unknown) => {
        // One sentence, not a stack trace: it says what to do.
        if (error instanceof StartError) error.stack = `${error.message}`;
        throw error;
      },
    );
    stops.push(postgres.stop);
    databaseUrl = postgres.url;
  }
  await migrateDatabase(databaseUrl);
  const jobsDatabaseUrl = await siblingDatabase(databaseUrl, "jobs");
  await migrateDatabase(jobsDatabaseUrl);
  // A process of its own: not in the test runner's busy event loop (design 109).
  const proxy = spawnWsProxy({ outageSwitch: true });
  stops.push(proxy.close);
  const proxyAddress = await proxy.address;

  const jwks = await startJwksServer();
  stops.push(jwks.close);

  project.provide("databaseUrl", databaseUrl);
  project.provide("jobsDatabaseUrl", jobsDatabaseUrl);
  project.provide("jwksUrl", jwks.url);
  project.provide("jwksPrivateKey", jwks.privateJwk);
  project.provide("databaseWsProxy", proxyAddress);

  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}

/** A fresh database `<name>_<suffix>` on the same server (dropped first if a run left it). */
async function siblingDatabase(url: string, suffix: string): Promise<string> {
  const target = new URL(url);
  const name = `${target.pathname.slice(1)}_${suffix}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  target.pathname = `/${name}`;
  return target.toString();
}
