// The analytics dashboard (/dashboard) in a real Chromium, over activity created through the
// API first: the overview figures, non-empty uPlot charts, top products, discount usage and
// transfers between sites; a refused token; and the phone layout.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminToken,
  apiUrl,
  customerToken,
  eventually,
  launchBrowser,
  localStack,
  screenshot,
  screenshotOnFailure,
  seedActivity,
  skipBrowser,
  visibleText,
  waitForAnalytics,
  watchPageErrors,
} from "./helpers.ts";

/** Coloured (non-grey) pixels on a chart's canvas: the drawn series, not the axes or grid. */
function seriesPixels(page: Page, testid: string): Promise<number> {
  return page.evaluate((id) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"] canvas`);
    const context = canvas?.getContext("2d");
    if (!canvas || !context) return -1;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let coloured = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0, data[i + 3] ?? 0];
      if (a > 100 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured += 1;
    }
    return coloured;
  }, testid);
}

describe.skipIf(skipBrowser)("analytics dashboard (/dashboard)", () => {
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  let seeded: Awaited<ReturnType<typeof seedActivity>>;

  beforeAll(async () => {
    seeded = await seedActivity();
    await waitForAnalytics(seeded);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    pageErrors = watchPageErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
  });

  screenshotOnFailure("dashboard", () => page);

  it("shows the overview figures for the demo company", async () => {
    // fresh=1: past the 5-minute analytics cache, so the activity just created counts.
    await page.goto(`${apiUrl}/dashboard/?fresh=1#token=${adminToken}`);
    expect(page.url()).not.toContain("token=");
    await page.locator('body[data-state="ready"]').waitFor({ timeout: 30_000 });
    const carts = Number((await visibleText(page.getByTestId("kpi-carts").locator(".kpi-value"))).replace(/,/g, ""));
    expect(carts).toBeGreaterThanOrEqual(seeded.carts);
    expect(await visibleText(page.getByTestId("kpi-revenue").locator(".kpi-value"))).toMatch(/^\$[1-9]/);
    const transfers = Number(await visibleText(page.getByTestId("kpi-transfers").locator(".kpi-value")));
    expect(transfers).toBeGreaterThanOrEqual(seeded.transfers);
    // The site picker comes from the catalog feed.
    expect(await page.getByLabel("Site", { exact: true }).locator("option").allInnerTexts()).toEqual([
      "All sites",
      "Acme Trail",
      "Acme Peak",
    ]);
  });

  it("draws non-empty charts", async () => {
    for (const chart of ["chart-carts", "chart-revenue", "chart-engagement"]) {
      const plot = page.getByTestId(chart).locator(".plot");
      expect(Number(await plot.getAttribute("data-total"))).toBeGreaterThan(0);
      expect(await seriesPixels(page, chart)).toBeGreaterThan(50);
    }
    // Every chart has its numbers as a table too.
    await page.getByTestId("chart-carts").getByText("The numbers").click();
    expect(await page.getByTestId("chart-carts").locator("tbody tr").count()).toBeGreaterThanOrEqual(30);
  });

  it("lists top products, discount usage and transfers between sites", async () => {
    const inCarts = page.getByTestId("top-cart");
    expect(await inCarts.locator("tbody tr").count()).toBeGreaterThan(0);
    expect(await visibleText(inCarts)).toContain("Pathfinder 400 Headlamp");
    expect(await page.getByTestId("top-wishlist").locator("tbody tr").count()).toBeGreaterThan(0);
    expect(await page.getByTestId("top-comparison").locator("tbody tr").count()).toBeGreaterThan(0);
    const discounts = await visibleText(page.getByTestId("discounts"));
    expect(discounts).toContain("SAVE10");
    expect(discounts).toContain("WELCOME5");
    const pairs = await visibleText(page.getByTestId("site-pairs"));
    expect(pairs).toContain("Acme Trail");
    expect(pairs).toContain("→ Acme Peak");
    await screenshot(page, "dashboard.png");
  });

  it("filters by site with the keyboard", async () => {
    await page.getByLabel("Site", { exact: true }).focus();
    await page.keyboard.press("ArrowDown"); // All sites → Acme Trail
    await page.getByRole("button", { name: "Show" }).focus();
    await page.keyboard.press("Enter");
    await eventually(
      () => visibleText(page.locator("#range-label")),
      (label) => label.includes("Acme Trail"),
      "the figures for Acme Trail",
      30_000,
    );
    expect(await page.locator("body").getAttribute("data-state")).toBe("ready");
  });

  it("says how fresh the figures are, and Refresh recomputes them", async () => {
    const freshness = page.getByTestId("freshness");
    expect(await visibleText(freshness)).toMatch(/Computed at .+ UTC, \d+ (s|min) ago/);
    const before = await freshness.getAttribute("data-generated-at");
    const recomputed = page.waitForRequest(
      (request) => request.url().includes("/api/analytics/ecommerce/overview") && request.url().includes("fresh=1"),
    );
    await page.getByTestId("refresh").click();
    await recomputed;
    await eventually(
      () => freshness.getAttribute("data-generated-at"),
      (generatedAt) => generatedAt !== before,
      "figures computed again",
      30_000,
    );
    expect(await freshness.getAttribute("data-cache")).toMatch(/^(BYPASS|COALESCED)$/);
    expect(await visibleText(freshness)).toContain("just");
  });

  it.skipIf(!localStack)("opens with figures from the plain /dashboard URL on the local stack", async () => {
    const context = await browser.newContext();
    try {
      const plain = await context.newPage();
      await plain.goto(`${apiUrl}/dashboard`);
      await plain.locator('body[data-state="ready"]').waitFor({ timeout: 30_000 });
      const carts = Number((await visibleText(plain.getByTestId("kpi-carts").locator(".kpi-value"))).replace(/,/g, ""));
      expect(carts).toBeGreaterThanOrEqual(seeded.carts);
      expect(await visibleText(plain.getByTestId("freshness"))).toContain("Computed at");
      await screenshot(plain, "dashboard-plain-url.png", false);
    } finally {
      await context.close();
    }
  });

  it("says clearly when analytics are unavailable", async () => {
    const context = await browser.newContext();
    try {
      const down = await context.newPage();
      // What the API answers when Postgres is down, a query times out or the isolate is busy.
      await context.route("**/api/analytics/**", (route) =>
        route.fulfill({
          status: 503,
          headers: { "content-type": "application/problem+json", "retry-after": "5" },
          body: JSON.stringify({
            type: "about:blank",
            title: "Service Unavailable",
            status: 503,
            code: "UNAVAILABLE",
            detail: "The analytics could not be read from Postgres; retry shortly",
          }),
        }),
      );
      await down.goto(`${apiUrl}/dashboard/#token=${adminToken}`);
      await down.locator('body[data-state="unavailable"]').waitFor({ timeout: 30_000 });
      const alert = await visibleText(down.getByRole("alert"));
      expect(alert).toContain("Analytics are unavailable right now");
      expect(alert).toContain("Try again in 5 seconds");
      expect(await down.locator("#results").isHidden()).toBe(true);
      await context.unroute("**/api/analytics/**");
      await down.getByRole("button", { name: "Retry" }).click();
      await down.locator('body[data-state="ready"]').waitFor({ timeout: 30_000 });
    } finally {
      await context.close();
    }
  });

  it("has no uncaught errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });

  it("explains a token that is not an admin's", async () => {
    const other = await browser.newPage();
    try {
      await other.goto(`${apiUrl}/dashboard/#token=${customerToken}`);
      const alert = other.getByRole("alert");
      await alert.waitFor();
      expect(await visibleText(alert)).toContain("not an admin's");
      await other.getByLabel("Admin token").fill("not-a-jwt");
      await other.getByRole("button", { name: "Show" }).click();
      await other.getByText("The token was not accepted").waitFor();
      await screenshot(other, "dashboard-bad-token.png", false);
    } finally {
      await other.close();
    }
  });

  it("shows a retry when the API is down, and recovers", async () => {
    const context = await browser.newContext();
    try {
      const down = await context.newPage();
      await context.route("**/api/**", (route) => route.abort("connectionrefused"));
      await down.goto(`${apiUrl}/dashboard/#token=${adminToken}`);
      const alert = down.getByRole("alert");
      await alert.waitFor();
      expect(await visibleText(alert)).toContain("The API can't be reached");
      await context.unroute("**/api/**");
      await down.getByRole("button", { name: "Retry" }).click();
      await down.locator('body[data-state="ready"]').waitFor({ timeout: 30_000 });
    } finally {
      await context.close();
    }
  });

  it("reads well at phone width", async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
    });
    try {
      const small = await phone.newPage();
      await small.goto(`${apiUrl}/dashboard/#token=${adminToken}`);
      await small.locator('body[data-state="ready"]').waitFor({ timeout: 30_000 });
      expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(await seriesPixels(small, "chart-carts")).toBeGreaterThan(50);
      await screenshot(small, "dashboard-phone.png");
    } finally {
      await phone.close();
    }
  });
});
