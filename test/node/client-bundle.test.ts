// The browser bundle of crosscart/client (public/shared/crosscart-client.js) is committed so
// the demo needs no build step: it must be exactly what `npm run build:client` makes from
// src/client now, and what the package's `crosscart/client` export hands to JavaScript.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { bundleClient, CLIENT_BUNDLE, clientBundleSize } from "../../scripts/lib/client-bundle.ts";

describe("crosscart/client bundle", () => {
  it("is current: run `npm run build:client` and commit the file when this fails", async () => {
    const committed = await readFile(new URL(`../../${CLIENT_BUNDLE}`, import.meta.url), "utf8");
    expect(committed === (await bundleClient()), `${CLIENT_BUNDLE} is stale`).toBe(true);
  });

  it("is the package's `crosscart/client` export, with the client's names", async () => {
    // Resolved at run time only: the export's types are src/client's TypeScript, which this
    // Node project does not compile (it needs the Workers types).
    const specifier = "crosscart/client";
    const module: Record<string, unknown> = await import(/* @vite-ignore */ specifier);
    expect(Object.keys(module).sort()).toEqual(["CrosscartError", "createCrosscartClient", "memoryStorage"]);
    const CrosscartError = module.CrosscartError as new (init: object) => Error;
    const error = new CrosscartError({ status: 0, code: "NETWORK_ERROR", detail: "offline" });
    expect(error.name).toBe("CrosscartError");
  });

  it("stays small: under 6 kB minified and gzipped", async () => {
    const { gzipped } = await clientBundleSize();
    expect(gzipped).toBeLessThan(6_000);
  });

  it("carries no server code (no zod, Hono, drizzle) and no Node built-ins", async () => {
    const text = await bundleClient({ minify: true });
    expect(text).not.toMatch(/zod|hono|drizzle|node:|require\(/i);
  });
});
