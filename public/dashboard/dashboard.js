// The analytics dashboard: GET /api/analytics/ecommerce/{overview,cart,wishlist,comparison,
// cross-site-sessions} with an admin JWT, drawn with uPlot (vendored in /vendor/uplot) and
// plain tables. Every chart has its numbers as a table too (for screen readers and copying).
import { ApiError, count, html, money, NetworkError, percent, request, takeTokenFromHash } from "../shared/http.js";

const ENDPOINTS = ["overview", "cart", "wishlist", "comparison", "cross-site-sessions"];
const TOKEN_KEY = "crosscart.dashboard.adminToken";
const COLORS = ["#1f5fbf", "#1e7a3c", "#b3261e", "#8a5300", "#6b3fa0"];
const DASHES = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4]];
const CHART_HEIGHT = 240;

const $ = (id) => document.getElementById(id);
const form = $("filters");
const status = $("status");
const charts = [];
let sites = [];
let lastRequest = null;

// ── Set-up ─────────────────────────────────────────────────────────────────────

function todayUtc() {
  return new Date().toISOString().slice(0, 10);
}
function daysBefore(date, days) {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}
function setRange(days) {
  $("end").value = todayUtc();
  $("start").value = daysBefore(todayUtc(), days - 1);
}

function init() {
  const fromHash = takeTokenFromHash();
  if (fromHash) sessionStorage.setItem(TOKEN_KEY, fromHash);
  $("token").value = fromHash || sessionStorage.getItem(TOKEN_KEY) || "";
  const query = new URLSearchParams(location.search);
  setRange(30);
  if (query.get("startDate")) $("start").value = query.get("startDate");
  if (query.get("endDate")) $("end").value = query.get("endDate");
  if (query.get("interval")) $("interval").value = query.get("interval");
  if (query.get("fresh") === "1") $("fresh").checked = true;

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
  for (const button of form.querySelectorAll("[data-days]")) {
    button.addEventListener("click", () => {
      setRange(Number(button.dataset.days));
      void load();
    });
  }
  status.addEventListener("click", (event) => {
    if (event.target.closest("[data-retry]")) void load(lastRequest);
  });

  if (!window.uPlot) {
    showStatus("error", html`<p>The chart library did not load (<code>/vendor/uplot/uPlot.iife.min.js</code>).</p>`);
    return;
  }
  $("refresh").addEventListener("click", () => {
    // Recompute now (fresh=1) for this load only; the “Skip the cache” box stays as it is.
    if (lastRequest) void load({ ...lastRequest, fresh: true });
  });
  setInterval(showFreshness, 15_000);

  if ($("token").value) void load();
  else void openWithDevToken();
}

/**
 * The plain /dashboard URL on the local stack: `npm run dev` hands the Worker the demo admin's
 * token, served by GET /api/dev/dashboard in development only (a 404 anywhere else).
 */
async function openWithDevToken() {
  try {
    const { body } = await request("/api/dev/dashboard");
    if (body?.token) {
      $("token").value = body.token;
      sessionStorage.setItem(TOKEN_KEY, body.token);
      $("token-hint").textContent = "The local demo admin's token (development only). Paste another to change.";
      void load();
      return;
    }
  } catch {
    // Not the local stack: ask for a token.
  }
  showStatus("info", html`<p>Paste an admin token to see the figures.</p>`);
  $("token").focus();
}

// ── Loading ────────────────────────────────────────────────────────────────────

function readForm() {
  return {
    token: $("token").value.trim(),
    startDate: $("start").value,
    endDate: $("end").value,
    siteId: $("site").value,
    interval: $("interval").value,
    fresh: $("fresh").checked,
  };
}

async function load(again) {
  const input = again ?? readForm();
  lastRequest = input;
  if (!input.token) {
    showStatus("error", html`<p>Paste an admin token first.</p>`);
    $("token").focus();
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, input.token);
  const headers = { authorization: `Bearer ${input.token}` };
  const query = new URLSearchParams({ startDate: input.startDate, endDate: input.endDate, interval: input.interval });
  if (input.siteId) query.set("siteId", input.siteId);
  if (input.fresh) query.set("fresh", "1");

  document.body.dataset.state = "loading";
  $("load").disabled = true;
  $("refresh").disabled = true;
  $("results").setAttribute("aria-busy", "true");
  showStatus("info", html`<p>Loading…</p>`);
  try {
    if (!sites.length) await loadSites(headers);
    const responses = await Promise.all(
      // A recompute must reach the API: the browser keeps analytics answers (private, max-age)
      // and would otherwise answer an identical fresh=1 URL from its own cache.
      ENDPOINTS.map((endpoint) =>
        request(`/api/analytics/ecommerce/${endpoint}?${query}`, {
          headers,
          ...(input.fresh ? { cache: "no-store" } : {}),
        }),
      ),
    );
    const [overview, cart, wishlist, comparison, sessions] = responses.map((r) => r.body);
    const cache = responses[0].headers.get("x-analytics-cache");
    render({ overview, cart, wishlist, comparison, sessions, cache });
    document.body.dataset.state = "ready";
    showStatus("", "");
  } catch (error) {
    document.body.dataset.state = "error";
    showError(error);
  } finally {
    $("load").disabled = false;
    $("refresh").disabled = false;
    $("results").setAttribute("aria-busy", "false");
  }
}

async function loadSites(headers) {
  // The admin token also reads the catalog feed: the company and its sites, for the picker.
  const { body } = await request("/api/catalog/company", { headers });
  sites = body.sites.filter((site) => site.active);
  $("company-line").textContent = `E-commerce analytics of ${body.name}, for its admins. Dates and buckets are UTC.`;
  const select = $("site");
  const chosen = select.value;
  select.innerHTML = String(
    html`<option value="">All sites</option>${sites.map((site) => html`<option value="${site.id}">${site.name}</option>`)}`,
  );
  select.value = chosen;
}

function showStatus(kind, content) {
  status.innerHTML = kind
    ? String(html`<div class="alert ${kind}" ${kind === "error" ? "role=alert" : ""}>${content}</div>`)
    : "";
}

function showError(error) {
  const retry = html`<div class="actions"><button type="button" data-retry>Retry</button></div>`;
  if (error instanceof NetworkError) {
    markUnavailable();
    showStatus(
      "error",
      html`<p><strong>Analytics are unavailable.</strong> The API can't be reached. Is <code>npm run dev</code> running?</p>${retry}`,
    );
    return;
  }
  if (!(error instanceof ApiError)) {
    console.error(error);
    showStatus("error", html`<p>Something went wrong in the page: ${error.message}</p>`);
    return;
  }
  const code = html`<span class="muted">(${error.status} ${error.code}: ${error.detail})</span>`;
  if (error.status === 401 || error.status === 403) {
    // Figures another token showed must not stay on screen under this one's error.
    $("results").hidden = true;
  }
  if (error.status === 401) {
    sites = [];
    showStatus(
      "error",
      html`<p><strong>The token was not accepted.</strong> Paste the <code>TEST_AUTH_TOKEN</code> from <code>.demo.env</code>. ${code}</p>`,
    );
    $("token").focus();
  } else if (error.status === 403) {
    sites = [];
    showStatus(
      "error",
      html`<p><strong>This token is not an admin's.</strong> The analytics are for admins only. ${code}</p>`,
    );
    $("token").focus();
  } else if (error.code === "VALIDATION_FAILED") {
    const fields = (error.problem.errors ?? []).map(
      (e) => html`<li>${e.field.replace("query.", "")}: ${e.message}</li>`,
    );
    showStatus("error", html`<p><strong>Check the settings.</strong></p><ul>${fields}</ul>`);
  } else if (error.status >= 500 || error.status === 429) {
    markUnavailable();
    const wait = error.retryAfter ? html` Try again in ${error.retryAfter} seconds.` : "";
    showStatus(
      "error",
      html`<p><strong>Analytics are unavailable right now.</strong> The figures could not be computed${
        $("results").hidden
          ? ""
          : html`; the figures below are the last ones shown, computed ${ageText(shown?.generatedAt)}`
      }.${wait} ${code}</p>${retry}`,
    );
  } else {
    showStatus("error", html`<p>${error.detail || error.message} ${code}</p>`);
  }
}

/** A failed load: the page says so (data-state="unavailable"), and figures still on screen are marked as old. */
function markUnavailable() {
  document.body.dataset.state = "unavailable";
  $("results").classList.add("stale");
}

// ── Freshness ──────────────────────────────────────────────────────────────────

/** What is on screen: when it was computed and whether it came from the cache. */
let shown = null;

function ageText(generatedAt) {
  if (!generatedAt) return "an unknown time";
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(generatedAt)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 120 ? `${minutes} min ago` : `${Math.floor(minutes / 60)} h ago`;
}

const CACHE_WORDS = {
  HIT: "from the 5-minute cache",
  MISS: "just computed",
  BYPASS: "just recomputed (cache skipped)",
  COALESCED: "just computed (shared with an identical request)",
};

function showFreshness() {
  if (!shown) return;
  const at = new Date(shown.generatedAt);
  const age = Math.max(0, Math.round((Date.now() - at.getTime()) / 1000));
  const freshness = $("freshness");
  freshness.dataset.cache = shown.cache ?? "";
  freshness.dataset.generatedAt = shown.generatedAt;
  freshness.dataset.ageSeconds = String(age);
  $("freshness-text").textContent = `Computed at ${at.toLocaleString("en-GB", { timeZone: "UTC" })} UTC, ${ageText(
    shown.generatedAt,
  )} (${CACHE_WORDS[shown.cache] ?? "cache status unknown"}). Cached figures can be up to 5 minutes old.`;
}

// ── Rendering ──────────────────────────────────────────────────────────────────

function render(data) {
  const { overview, cart, wishlist, comparison, sessions } = data;
  $("results").hidden = false;
  const siteName = overview.siteId ? (sites.find((s) => s.id === overview.siteId)?.name ?? "one site") : "all sites";
  $("range-label").textContent = `${overview.startDate} to ${overview.endDate}, ${siteName}, per ${overview.interval}`;
  renderKpis(overview);
  renderCharts(overview);
  renderProducts(cart, wishlist, comparison);
  renderDiscounts(cart);
  renderTransfers(sessions);
  $("results").classList.remove("stale");
  shown = { generatedAt: overview.generatedAt, cache: data.cache };
  showFreshness();
}

function renderKpis(o) {
  const main = o.money[0];
  const kpi = (label, value, sub = "", testid = "") =>
    html`<div class="kpi" ${testid ? html`data-testid="${testid}"` : ""}><span class="kpi-label">${label}</span>
      <span class="kpi-value">${value}</span>${sub ? html`<span class="kpi-sub">${sub}</span>` : ""}</div>`;
  $("kpis").innerHTML = String(html`
    ${kpi("Carts created", count(o.carts.created), `${count(o.carts.active)} active now`, "kpi-carts")}
    ${kpi("Converted", count(o.carts.converted), `conversion ${percent(o.carts.conversionRate)}`)}
    ${kpi("Abandoned", count(o.carts.abandoned), `abandonment ${percent(o.carts.abandonmentRate)}`)}
    ${kpi(
      "Revenue",
      main ? wholeMoney(main.revenue / 100, main.currency) : wholeMoney(0, "USD"),
      main ? `exactly ${money(main.revenue, main.currency)}` : "no orders",
      "kpi-revenue",
    )}
    ${kpi(
      "Avg order",
      main?.averageConvertedCartValue != null ? wholeMoney(main.averageConvertedCartValue / 100, main.currency) : "—",
      main?.averageCartValue != null
        ? `avg cart ${money(main.averageCartValue, main.currency)}, ${o.carts.averageItems?.toFixed(1) ?? "—"} items`
        : "",
    )}
    ${kpi("Wishlist adds", count(o.wishlist.itemsAdded))}
    ${kpi("Comparisons", count(o.comparison.created))}
    ${kpi(
      "Cross-site sessions",
      count(o.crossSiteSessions.created),
      `${count(o.crossSiteSessions.active)} active · merge rate ${percent(o.crossSiteSessions.mergeRate)}`,
    )}
    ${kpi("Transfers", count(o.crossSiteSessions.transfers), "continued on another site", "kpi-transfers")}
  `);
}

function renderCharts(o) {
  for (const chart of charts.splice(0)) chart.destroy();
  const currency = o.money[0]?.currency ?? "USD";
  const x = o.series.map((p) => Date.parse(`${p.bucket}T00:00:00Z`) / 1000);
  const revenue = o.series.map((p) => (p.revenue.find((r) => r.currency === currency)?.amount ?? 0) / 100);
  const specs = [
    {
      id: "carts",
      title: "Carts",
      series: [
        ["created", o.series.map((p) => p.cartsCreated)],
        ["converted", o.series.map((p) => p.convertedCarts)],
        ["abandoned", o.series.map((p) => p.abandonedCarts)],
      ],
    },
    { id: "revenue", title: `Revenue (${currency})`, series: [["revenue", revenue]], money: currency },
    {
      id: "engagement",
      title: "Wishlists, comparisons and sessions",
      series: [
        ["wishlist adds", o.series.map((p) => p.wishlistItemsAdded)],
        ["comparisons", o.series.map((p) => p.comparisonsCreated)],
        ["sessions", o.series.map((p) => p.sessionsCreated)],
        ["transfers", o.series.map((p) => p.transfers)],
      ],
    },
  ];
  const container = $("charts");
  container.innerHTML = String(
    html`${specs.map(
      (spec) => html`<figure class="chart card" aria-labelledby="chart-${spec.id}-title" data-testid="chart-${spec.id}">
        <figcaption id="chart-${spec.id}-title"><strong>${spec.title}</strong> <span class="muted">per ${o.interval}</span></figcaption>
        <div class="plot" id="plot-${spec.id}" role="img" aria-label="${spec.title} per ${o.interval}: a line chart; the same numbers are in the table below it"></div>
        <details><summary>The numbers</summary>${dataTable(o.series, spec)}</details>
      </figure>`,
    )}`,
  );
  for (const spec of specs) {
    const el = $(`plot-${spec.id}`);
    const total = spec.series.reduce((sum, [, values]) => sum + values.reduce((a, b) => a + b, 0), 0);
    el.dataset.total = String(total);
    const options = {
      width: Math.max(260, el.clientWidth),
      height: CHART_HEIGHT,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      cursor: { focus: { prox: 16 } },
      // A static legend (the values per bucket are in the table under the chart).
      legend: { live: false },
      // Counts and whole money units: the y axis starts at 0 and never shows fractional steps.
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, niceMax(max)] } },
      axes: [
        { stroke: "#5a6470", grid: { stroke: "#e6e9ee" }, ticks: { stroke: "#d5dae1" } },
        {
          stroke: "#5a6470",
          grid: { stroke: "#e6e9ee" },
          ticks: { stroke: "#d5dae1" },
          size: spec.money ? 70 : 50,
          incrs: STEPS,
          values: (_u, ticks) => ticks.map((v) => (spec.money ? wholeMoney(v, spec.money) : count(v))),
        },
      ],
      series: [
        { label: "date", value: (_u, ts) => (ts == null ? "—" : new Date(ts * 1000).toISOString().slice(0, 10)) },
        ...spec.series.map(([label], i) => ({
          label,
          stroke: COLORS[i],
          width: 2,
          dash: DASHES[i],
          fill: spec.series.length === 1 ? `${COLORS[i]}22` : undefined,
          points: { show: true, size: 6, fill: COLORS[i] },
          value: (_u, v) => (v == null ? "—" : spec.money ? money(Math.round(v * 100), spec.money) : count(v)),
        })),
      ],
    };
    const chart = new uPlot(options, [x, ...spec.series.map(([, values]) => values)], el);
    charts.push(chart);
    new ResizeObserver(() => {
      const width = Math.max(260, el.clientWidth);
      if (Math.abs(width - chart.width) > 2) chart.setSize({ width, height: CHART_HEIGHT });
    }).observe(el);
  }
}

const axisMoney = new Map();
/** Axis labels: whole units ("$2,500"). */
function wholeMoney(value, currency) {
  if (!axisMoney.has(currency)) {
    axisMoney.set(currency, new Intl.NumberFormat("en-US", { style: "currency", currency, maximumFractionDigits: 0 }));
  }
  return axisMoney.get(currency).format(value);
}

const STEPS = [
  1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2.5e3, 5e3, 1e4, 2e4, 2.5e4, 5e4, 1e5, 2e5, 5e5, 1e6,
];

function niceMax(max) {
  if (!max || max <= 0) return 5;
  return Math.max(5, Math.ceil(max * 1.15));
}

function dataTable(series, spec) {
  const format = (v) => (spec.money ? money(Math.round(v * 100), spec.money) : count(v));
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="${spec.title} as a table"><table>
    <thead><tr><th scope="col">${series.length ? "Starting" : ""}</th>${spec.series.map(([label]) => html`<th scope="col" class="num">${label}</th>`)}</tr></thead>
    <tbody>${series.map(
      (point, row) =>
        html`<tr><th scope="row">${point.bucket}</th>${spec.series.map(([, values]) => html`<td class="num">${format(values[row])}</td>`)}</tr>`,
    )}</tbody></table></div>`;
}

function barTable(title, rows, columns, testid) {
  const max = Math.max(1, ...rows.map((row) => row[columns[0].key] ?? 0));
  return html`<div class="card top" data-testid="${testid}">
    <h3>${title}</h3>
    ${
      rows.length === 0
        ? html`<p class="muted">Nothing in this range.</p>`
        : html`<div class="table-scroll" tabindex="0" role="region" aria-label="${title}"><table>
            <thead><tr><th scope="col">Product</th>${columns.map((c) => html`<th scope="col" class="num">${c.label}</th>`)}</tr></thead>
            <tbody>${rows.map(
              (row) => html`<tr>
                <th scope="row" class="product-cell">
                  <span>${row.name ?? row.sku ?? row.productId}</span>
                  <span class="bar" aria-hidden="true" style="--share: ${Math.round(((row[columns[0].key] ?? 0) / max) * 100)}%"></span>
                </th>
                ${columns.map((c) => html`<td class="num">${count(row[c.key])}</td>`)}
              </tr>`,
            )}</tbody></table></div>`
    }
  </div>`;
}

function renderProducts(cart, wishlist, comparison) {
  $("products").innerHTML = String(html`
    ${barTable(
      "In carts",
      cart.topProducts,
      [
        { key: "quantity", label: "Units" },
        { key: "lines", label: "Carts" },
      ],
      "top-cart",
    )}
    ${barTable(
      "On wishlists",
      wishlist.topProducts,
      [
        { key: "wishlists", label: "Wishlists" },
        { key: "itemsAdded", label: "Adds" },
      ],
      "top-wishlist",
    )}
    ${barTable(
      "Compared",
      comparison.topProducts,
      [
        { key: "comparisons", label: "Comparisons" },
        { key: "itemsAdded", label: "Adds" },
      ],
      "top-comparison",
    )}
  `);
}

function renderDiscounts(cart) {
  $("discounts").innerHTML = String(html`
    ${
      cart.discounts.length === 0
        ? html`<p class="muted">No discount codes used in this range.</p>`
        : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Discount codes"><table data-testid="discounts">
            <thead><tr><th scope="col">Code</th><th scope="col" class="num">Carts</th><th scope="col" class="num">Ordered</th>
              <th scope="col" class="num">Discount given</th><th scope="col" class="num">On orders</th></tr></thead>
            <tbody>${cart.discounts.map(
              (
                d,
              ) => html`<tr><th scope="row"><span class="pill">${d.code}</span></th><td class="num">${count(d.carts)}</td>
                <td class="num">${count(d.convertedCarts)}</td><td class="num">${money(d.totalDiscount, d.currency)}</td>
                <td class="num">${money(d.convertedDiscount, d.currency)}</td></tr>`,
            )}</tbody></table></div>`
    }
    <p><strong>${count(cart.bundleAdditions)}</strong> bundle additions${
      cart.topBundles.length
        ? html`: ${cart.topBundles.map((b) => `${b.name ?? b.bundleId} (${b.additions})`).join(", ")}`
        : ""
    }.</p>
  `);
}

function siteLabel(id) {
  return sites.find((site) => site.id === id)?.name ?? `${id.slice(0, 8)}…`;
}

function renderTransfers(sessions) {
  const s = sessions.sessions;
  $("transfers").innerHTML = String(html`
    <dl class="facts">
      <div><dt>Sessions</dt><dd>${count(s.created)}</dd></div>
      <div><dt>With a transfer</dt><dd>${count(s.sessionsWithTransfers)} (${percent(s.transferRate)})</dd></div>
      <div><dt>Transfers</dt><dd>${count(s.transfers)}</dd></div>
      <div><dt>Merged into accounts</dt><dd>${count(s.merged)} (${percent(s.mergeRate)})</dd></div>
      <div><dt>Sites per session</dt><dd>${s.averageSitesPerSession?.toFixed(2) ?? "—"}</dd></div>
    </dl>
    <h3>Between sites</h3>
    ${
      sessions.sitePairs.length === 0
        ? html`<p class="muted">No session continued on another site in this range.</p>`
        : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Transfers between sites"><table data-testid="site-pairs">
            <thead><tr><th scope="col">From</th><th scope="col">To</th><th scope="col" class="num">Sessions</th></tr></thead>
            <tbody>${sessions.sitePairs.map(
              (p) =>
                html`<tr><td>${siteLabel(p.fromSiteId)}</td><td>→ ${siteLabel(p.toSiteId)}</td><td class="num">${count(p.sessions)}</td></tr>`,
            )}</tbody></table></div>`
    }
  `);
}

init();
