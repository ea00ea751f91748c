/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { api } from "../../support/app";

// The files under public/ (the Worker's static assets); lazy, so only the paths are read.
const PUBLIC_FILES = new Set(
  Object.keys(import.meta.glob("../../../public/**/*")).map((path) => path.slice("../../../public".length)),
);

describe("GET /api/docs", () => {
  it("is Swagger UI over /api/openapi.json, loading every asset from this Worker (works offline)", async () => {
    const response = await api("/api/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain("url: '/api/openapi.json'");

    const assets = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1]);
    expect(assets).toEqual(["/vendor/swagger-ui-dist/swagger-ui.css", "/vendor/swagger-ui-dist/swagger-ui-bundle.js"]);
    for (const asset of assets) expect(PUBLIC_FILES).toContain(asset);
    // No other origin anywhere in the page: no CDN, no online validator badge.
    expect(html).not.toMatch(/https?:|\/\/[a-z]/i);
  });
});
