// Shared by the browser tests: Chromium through playwright-core, screenshots in
// test-artifacts/, and demo activity created through the public API (so the dashboard has
// something to chart).
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium, type Frame, type Locator, type Page } from "playwright-core";
import { afterEach, inject } from "vitest";
import {
  DEMO_BUNDLE_ID,
  DEMO_COMPANY_ID,
  DEMO_PRODUCT,
  DEMO_SITE_PEAK_ID,
  DEMO_SITE_TRAIL_ID,
} from "../../scripts/lib/demo-data.ts";
import { ARTIFACTS_DIR, CHROMIUM_PATH } from "./stack.ts";

export const apiUrl = inject("e2eApiUrl");
export const adminToken = inject("e2eAdminToken");
export const customerToken = inject("e2eCustomerToken");
/** The local stack of this run (development mode), not an API_URL given from outside. */
export const localStack = inject("e2eLocal");
const serviceToken = inject("e2eServiceToken");
/** Global setup provides no URL when Chromium is missing: every browser test is skipped. */
export const skipBrowser = !apiUrl;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // As root in a container: no sandbox; the rest keeps Chromium off the (closed) network.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Fails the test on any uncaught error in the page (or its frames). */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, name);
  await page.screenshot({ path, fullPage });
  return path;
}

/** After a failed test, a full-page screenshot of where the page was (test-artifacts/failed-…png). */
export function screenshotOnFailure(prefix: string, currentPage: () => Page | undefined): void {
  afterEach(async (context) => {
    if (context.task.result?.state !== "fail") return;
    const page = currentPage();
    if (!page || page.isClosed()) return;
    const name = `failed-${prefix}-${context.task.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}.png`;
    await screenshot(page, name).catch(() => undefined);
  });
}

/** Polls `read` until `accept` holds (or throws with the last value seen). */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((done) => setTimeout(done, 150));
  }
  throw new Error(
    `timed out waiting for ${what}; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${String(lastError)}` : ""}`,
  );
}

export async function frameOf(page: Page, site: "trail" | "peak"): Promise<Frame> {
  const handle = await page.waitForSelector(`#frame-${site}`);
  const frame = await handle.contentFrame();
  if (!frame) throw new Error(`no frame for ${site}`);
  return frame;
}

/** The text as rendered (Playwright's Locator.innerText, not the DOM property Biome has in mind). */
// biome-ignore lint/performance/useDomNodeTextContent: a Playwright Locator method; textContent would include hidden text
export const visibleText = (locator: Locator): Promise<string> => locator.innerText();

export const versionOf = (frame: Frame) => visibleText(frame.locator("#version"));

// ── Activity through the API ────────────────────────────────────────────────────

type Json = Record<string, unknown>;

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Json> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return text ? (JSON.parse(text) as Json) : {};
}

const publicHeaders = (siteId: string, token?: string) => ({
  "x-company-id": DEMO_COMPANY_ID,
  "x-site-id": siteId,
  ...(token ? { "x-session-token": token } : {}),
});

interface GuestPlan {
  site: string;
  products: string[];
  bundle?: boolean;
  code?: string;
  convert?: boolean;
  wishlist?: string[];
  compare?: string[];
  transferTo?: string;
}

/**
 * A morning's worth of shoppers on both demo sites: carts with products and the bundle,
 * discount codes, orders, wishlists, comparisons and sessions continued on the other site.
 * Returns how many carts it created.
 */
export async function seedActivity(): Promise<{ carts: number; transfers: number; orders: number }> {
  const p = DEMO_PRODUCT;
  const plans: GuestPlan[] = [
    { site: DEMO_SITE_TRAIL_ID, products: [p.backpack, p.tent], code: "SAVE10", convert: true, wishlist: [p.boots] },
    { site: DEMO_SITE_TRAIL_ID, products: [p.boots], bundle: true, convert: true, compare: [p.backpack, p.tent] },
    {
      site: DEMO_SITE_TRAIL_ID,
      products: [p.headlamp, p.headlamp, p.stove],
      code: "WELCOME5",
      transferTo: DEMO_SITE_PEAK_ID,
    },
    {
      site: DEMO_SITE_TRAIL_ID,
      products: [p.rainJacket],
      wishlist: [p.tent, p.sleepingBag],
      compare: [p.tent, p.sleepingBag],
    },
    { site: DEMO_SITE_PEAK_ID, products: [p.sleepingBag, p.headlamp], code: "SAVE10", convert: true },
    {
      site: DEMO_SITE_PEAK_ID,
      products: [p.bottle],
      bundle: true,
      wishlist: [p.stove],
      transferTo: DEMO_SITE_TRAIL_ID,
    },
    { site: DEMO_SITE_PEAK_ID, products: [p.tent, p.rainJacket], transferTo: DEMO_SITE_TRAIL_ID },
    { site: DEMO_SITE_TRAIL_ID, products: [p.trekkingPoles], wishlist: [p.headlamp] },
  ];
  let orders = 0;
  let transfers = 0;
  await Promise.all(
    plans.map(async (plan, index) => {
      const session = await call("POST", "/api/public/session", publicHeaders(plan.site));
      const token = session.sessionToken as string;
      const headers = publicHeaders(plan.site, token);
      const cart = await call("GET", "/api/public/cart", headers);
      const cartPath = `/api/public/cart/${cart.id as string}`;
      for (const productId of plan.products) await call("POST", `${cartPath}/items`, headers, { productId });
      if (plan.bundle) await call("POST", `${cartPath}/bundles`, headers, { bundleId: DEMO_BUNDLE_ID });
      if (plan.code) await call("POST", `${cartPath}/discount`, headers, { code: plan.code });
      for (const productId of plan.wishlist ?? [])
        await call("POST", "/api/public/wishlist/items", headers, { productId, priority: 50 + index });
      for (const productId of plan.compare ?? [])
        await call("POST", "/api/public/comparison/items", headers, { productId });
      if (plan.transferTo) {
        const transfer = await call("POST", "/api/public/session/transfer", headers, { targetSiteId: plan.transferTo });
        await call("POST", "/api/public/session/claim", publicHeaders(plan.transferTo), { code: transfer.code });
        transfers += 1;
      }
      if (plan.convert) {
        // The commerce platform converts, once the cart has replicated (Postgres knows where it lives).
        const orderId = `e2e-${Date.now()}-${index}`;
        const platform = { authorization: `Bearer ${serviceToken}` };
        await eventually(
          () => call("POST", `/api/platform/carts/${cart.id as string}/convert`, platform, { orderId }),
          () => true,
          "the platform's conversion",
        );
        orders += 1;
      }
    }),
  );
  return { carts: plans.length, transfers, orders };
}

/** The overview as the dashboard will read it (fresh), once the seeded rows have replicated. */
export async function waitForAnalytics(minimum: { carts: number; transfers: number; orders: number }) {
  return eventually(
    () => call("GET", "/api/analytics/ecommerce/overview?fresh=1", { authorization: `Bearer ${adminToken}` }),
    (overview) => {
      const carts = overview.carts as Json;
      const sessions = overview.crossSiteSessions as Json;
      return (
        (carts.created as number) >= minimum.carts &&
        (carts.converted as number) >= minimum.orders &&
        (sessions.transfers as number) >= minimum.transfers
      );
    },
    "the seeded activity to reach the analytics (replication)",
    30_000,
  );
}

export { DEMO_SITE_PEAK_ID, DEMO_SITE_TRAIL_ID };
