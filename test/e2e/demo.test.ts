// The demo storefronts (/demo) in a real Chromium: static assets beside the API, two panes on
// one session kept in sync over the WebSocket, the compare limit, the feature-disabled site,
// sign-in with a merge preview, the ended-session and API-down states, and the phone layout.
import type { Browser, BrowserContext, Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiUrl,
  customerToken,
  eventually,
  frameOf,
  launchBrowser,
  screenshot,
  screenshotOnFailure,
  skipBrowser,
  versionOf,
  visibleText,
  watchPageErrors,
} from "./helpers.ts";

const ready = (frame: Frame) => frame.locator('body[data-state="ready"]').waitFor({ timeout: 30_000 });

describe.skipIf(skipBrowser)("demo storefronts (/demo)", () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let trail: Frame;
  let peak: Frame;

  beforeAll(async () => {
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    pageErrors = watchPageErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
  });

  screenshotOnFailure("demo", () => page);

  it("serves /demo, /dashboard and /vendor as static assets while /api/* reaches the Worker", async () => {
    const demo = await fetch(`${apiUrl}/demo`);
    expect(demo.status).toBe(200);
    expect(demo.url).toMatch(/\/demo\/$/);
    expect(demo.headers.get("content-type")).toMatch(/text\/html/);
    expect(await demo.text()).toContain("two storefronts, one shopper session");

    const dashboard = await fetch(`${apiUrl}/dashboard/`);
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain("crosscart analytics");

    const vendor = await fetch(`${apiUrl}/vendor/uplot/uPlot.iife.min.js`);
    expect(vendor.status).toBe(200);
    expect(vendor.headers.get("content-type")).toMatch(/javascript/);

    const health = await fetch(`${apiUrl}/api/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get("content-type")).toMatch(/application\/json/);

    // Not a file and not a route: the Worker's problem+json, not an asset 404.
    const missing = await fetch(`${apiUrl}/api/no-such-route`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(((await missing.json()) as { code: string }).code).toBe("NOT_FOUND");

    // The vendored library's Biome override is not served.
    expect((await fetch(`${apiUrl}/vendor/biome.json`)).status).toBe(404);
  });

  it("opens two storefronts, each with its own session and storage", async () => {
    await page.goto(`${apiUrl}/demo/#token=${customerToken}`);
    // The token leaves the address bar at once.
    expect(page.url()).not.toContain("token=");
    trail = await frameOf(page, "trail");
    peak = await frameOf(page, "peak");
    await Promise.all([ready(trail), ready(peak)]);
    const keys = await trail.evaluate(() => Object.keys(localStorage).sort());
    expect(keys).toEqual(["crosscart.demo.peak.sessionToken", "crosscart.demo.trail.sessionToken"]);
    const [trailToken, peakToken] = await trail.evaluate(() => [
      localStorage.getItem("crosscart.demo.trail.sessionToken"),
      localStorage.getItem("crosscart.demo.peak.sessionToken"),
    ]);
    expect(trailToken).toMatch(/^[0-9a-f]{64}$/);
    expect(peakToken).not.toBe(trailToken);
    await trail.locator('#live[data-live="on"]').waitFor();
    await peak.locator('#live[data-live="on"]').waitFor();
    // Peak has comparison switched off: the API's 403 is explained, not shown as a failure.
    const disabled = peak.getByTestId("compare-disabled");
    await disabled.waitFor();
    expect(await visibleText(disabled)).toContain("403 FEATURE_DISABLED");
    expect(await peak.getByRole("button", { name: /^Compare:/ }).count()).toBe(0);
  });

  it("continues the Trail session on Peak with a transfer code", async () => {
    await trail.getByRole("button", { name: "Continue on Acme Peak →" }).click();
    await trail.getByTestId("transfer-code").waitFor();
    await peak.getByText("Continued here from Acme Trail").waitFor();
    await ready(peak);
    const [trailToken, peakToken] = await trail.evaluate(() => [
      localStorage.getItem("crosscart.demo.trail.sessionToken"),
      localStorage.getItem("crosscart.demo.peak.sessionToken"),
    ]);
    expect(peakToken).toBe(trailToken);
    await peak.locator('#live[data-live="on"]').waitFor();
    await eventually(
      () => visibleText(page.locator("#status-same")),
      (text) => text.includes("same session"),
      "the sync bar to report one session",
    );
    expect(await visibleText(peak.locator("#session-line"))).toContain("sites visited: Acme Trail, Acme Peak");
  });

  it("shows an add in pane A in pane B, with the same version", async () => {
    const before = Number(await versionOf(peak));
    // Keyboard: focus the button and press Enter; focus stays on it after the re-render.
    const add = trail.getByRole("button", { name: "Add Summit 45L Backpack to the cart" });
    await add.focus();
    await page.keyboard.press("Enter");
    await peak.getByTestId("cart-items").getByText("Summit 45L Backpack", { exact: true }).waitFor();
    // It came over the WebSocket (Peak's log of live messages says so).
    await peak
      .getByTestId("events")
      .getByText(/live: cart changed → version \d+/)
      .first()
      .waitFor();
    const versions = await eventually(
      async () => [await versionOf(trail), await versionOf(peak)],
      ([a, b]) => a === b && Number(a) > before,
      "both panes to show the same, newer version",
    );
    expect(await trail.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.key)).toMatch(/^add-/);
    await eventually(
      () => visibleText(page.locator("#status-same")),
      (text) => text.includes("same version"),
      "the sync bar to agree",
    );
    await screenshot(page, "demo-synced.png");

    // And the other way round: the bundle and SAVE10 on Peak appear on Trail.
    await peak.getByRole("button", { name: "Add the bundle" }).click();
    await trail.getByTestId("cart-items").getByText("Trail Starter Kit").waitFor();
    await peak.getByLabel("Discount code").fill("SAVE10");
    await peak.getByRole("button", { name: "Apply" }).click();
    await trail.getByTestId("discounts").getByText("SAVE10").waitFor();
    await eventually(
      async () => [await versionOf(trail), await versionOf(peak)],
      ([a, b]) => a === b && Number(a) > Number(versions[0]),
      "the versions to agree after the bundle and the discount",
    );
    // Not stackable: a second code is refused with the API's reason, in the cart section.
    await trail.getByLabel("Discount code").fill("WELCOME5");
    await trail.getByRole("button", { name: "Apply" }).click();
    expect(await visibleText(trail.getByTestId("cart-error"))).toMatch(/did not apply/);
  });

  it("keeps a wishlist with priorities in sync", async () => {
    await trail.getByRole("button", { name: "Wishlist: Ridgeline 2P Tent" }).click();
    await trail.getByRole("button", { name: "Wishlist: Pathfinder 400 Headlamp" }).click();
    await peak.getByTestId("wishlist-items").getByText("Pathfinder 400 Headlamp").waitFor();
    // Raise the headlamp's priority on Peak: it moves to the top on Trail.
    await peak.getByTestId("wishlist-items").getByLabel("Priority").last().selectOption("100");
    const first = trail.getByTestId("wishlist-items").locator("li").first();
    await eventually(
      async () => [await visibleText(first), await first.getByLabel("Priority").inputValue()],
      ([text, priority]) => text?.includes("Pathfinder 400 Headlamp") === true && priority === "100",
      "the headlamp to come first on Trail, at priority 100",
    );
    await trail.getByRole("button", { name: "Share" }).first().click();
    const share = trail.getByTestId("wishlist-share");
    await share.waitFor();
    expect(await visibleText(share)).toMatch(/\/wishlist\/[0-9a-f]+/);
    // The read-only view (shared.html, through the client's wishlist.shared) shows the list.
    const href = await share.getByRole("link", { name: "Open the read-only view" }).getAttribute("href");
    const viewer = await page.context().newPage();
    try {
      await viewer.goto(new URL(href ?? "", `${apiUrl}/demo/`).href);
      await viewer.getByText("Pathfinder 400 Headlamp").waitFor();
      expect(await visibleText(viewer.locator("#app"))).toContain("priority 100");
    } finally {
      await viewer.close();
    }
  });

  it("compares up to 4 products and says so at the 5th", async () => {
    const products = [
      "Summit 45L Backpack",
      "Ridgeline 2P Tent",
      "Trailhead Mid Hiking Boots",
      "Stormline 3L Rain Jacket",
    ];
    for (const name of products) {
      await trail.getByRole("button", { name: `Compare: ${name}` }).click();
      await trail.locator(`button[aria-label="Compare: ${name}"][aria-pressed="true"]`).waitFor();
    }
    expect(await visibleText(trail.getByTestId("compare-count"))).toBe("(4 of 4)");
    const table = trail.getByTestId("compare-table");
    expect(await table.locator("thead th").count()).toBe(5);
    expect(await visibleText(table)).toContain("weight (g)");

    await trail.getByRole("button", { name: "Compare: Pathfinder 400 Headlamp" }).click();
    const error = trail.getByTestId("compare-error");
    await error.waitFor();
    expect(await visibleText(error)).toContain("You can compare at most 4 products");
    expect(await visibleText(trail.getByTestId("compare-count"))).toBe("(4 of 4)");
    await error.scrollIntoViewIfNeeded();
    await screenshot(page, "demo-compare-limit.png", false);
  });

  it("signs in on Peak with a dry-run preview, then the merged guest pane offers to start over", async () => {
    // The token came in the page's #token= and is pre-filled in both panes.
    expect(await peak.getByLabel("Customer token").inputValue()).toBe(customerToken);
    await peak.getByRole("button", { name: "Sign in…" }).click();
    const preview = peak.getByTestId("merge-preview");
    await preview.waitFor();
    expect(await visibleText(preview)).toContain("Summit 45L Backpack");
    expect(await visibleText(preview)).toContain("Nothing has changed yet (dry run)");
    // A dry run changes nothing: Trail still works on the guest session.
    expect(await trail.locator("body").getAttribute("data-state")).toBe("ready");
    await preview.scrollIntoViewIfNeeded();
    await screenshot(page, "demo-merge-preview.png", false);

    await peak.getByRole("button", { name: "Merge and sign in" }).click();
    await peak.getByText("Signed in as the demo customer (Dana Demo)").waitFor();
    await ready(peak);
    // Live sync goes on for the customer's session (its ticket comes from /api/cross-site-session/ticket).
    await peak.locator('#live[data-live="on"]').waitFor();
    await peak.getByTestId("cart-items").getByText("Summit 45L Backpack", { exact: true }).first().waitFor();
    // Trail's guest session was frozen by the merge: the live change makes it refetch and see 409.
    const ended = trail.getByTestId("session-ended");
    await ended.waitFor();
    expect(await visibleText(ended)).toContain("SESSION_MERGED");
    await screenshot(page, "demo-merged.png");

    await trail.getByRole("button", { name: "Start over" }).click();
    await ready(trail);
    await trail.getByTestId("cart-empty").waitFor();
    expect(await visibleText(trail.locator("#session-line"))).toMatch(/^Guest/);
  });

  it("has no uncaught errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });

  it("shows a retry when the API is down, and recovers", async () => {
    const offline = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const down = await offline.newPage();
      await offline.route("**/api/**", (route) => route.abort("connectionrefused"));
      await down.goto(`${apiUrl}/demo/`);
      const pane = await frameOf(down, "trail");
      const alert = pane.getByTestId("offline");
      await alert.waitFor();
      expect(await visibleText(alert)).toContain("The API can't be reached");
      await screenshot(down, "demo-api-down.png", false);
      await offline.unroute("**/api/**");
      await pane.getByRole("button", { name: "Retry" }).click();
      await ready(pane);
      expect(await pane.getByTestId("offline").count()).toBe(0);
    } finally {
      await offline.close();
    }
  });

  it("stacks the panes at phone width", async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
    });
    try {
      const small = await phone.newPage();
      await small.goto(`${apiUrl}/demo/`);
      await Promise.all([ready(await frameOf(small, "trail")), ready(await frameOf(small, "peak"))]);
      // Both boxes read at one moment (the panes resize themselves as they render).
      const [a, b] = await small.evaluate(() =>
        ["#frame-trail", "#frame-peak"].map((selector) => {
          const rect = document.querySelector(selector)?.getBoundingClientRect();
          return { top: rect?.top ?? 0, bottom: rect?.bottom ?? 0, width: rect?.width ?? 0 };
        }),
      );
      expect(b?.top).toBeGreaterThanOrEqual(a?.bottom ?? Number.POSITIVE_INFINITY);
      expect(a?.width).toBeLessThanOrEqual(390);
      // Nothing wider than the screen.
      const overflow = await small.evaluate(() => document.documentElement.scrollWidth);
      expect(overflow).toBeLessThanOrEqual(390);
      await screenshot(small, "demo-phone.png", false);
    } finally {
      await phone.close();
    }
  });
});
