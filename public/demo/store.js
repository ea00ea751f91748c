// One storefront of the demo company, as a real storefront would build it on the public API:
// `store.html?site=trail` (Acme Trail, comparison on) or `?site=peak` (Acme Peak, comparison
// off). Each keeps its own session token in its own localStorage key, follows its session live
// over the WebSocket (POST …/ticket, then /api/live?ticket=…) and refetches what changed.
import { ApiError, html, money, NetworkError, randomKey, request, takeTokenFromHash } from "../shared/http.js";

const query = new URLSearchParams(location.search);
const SITE_KEY = query.get("site") === "peak" ? "peak" : "trail";
const OTHER_KEY = SITE_KEY === "trail" ? "peak" : "trail";
const EMBEDDED = window.parent !== window;
const MESSAGE = "crosscart-demo";

const PRIORITIES = [
  { value: 100, label: "Must have" },
  { value: 75, label: "High" },
  { value: 50, label: "Medium" },
  { value: 25, label: "Low" },
  { value: 0, label: "Someday" },
];

// ── Storage (this site's own keys) ──────────────────────────────────────────────

const storage = {
  key: (name) => `crosscart.demo.${SITE_KEY}.${name}`,
  get(name) {
    try {
      return localStorage.getItem(this.key(name)) || "";
    } catch {
      return "";
    }
  },
  set(name, value) {
    try {
      if (value) localStorage.setItem(this.key(name), value);
      else localStorage.removeItem(this.key(name));
    } catch {
      // Storage blocked (private mode): the session lasts as long as the page.
    }
  },
};

// ── State ──────────────────────────────────────────────────────────────────────

const state = {
  catalog: null,
  site: null,
  /** "guest" (x-session-token) or "customer" (Authorization: Bearer) */
  mode: storage.get("customerToken") ? "customer" : "guest",
  token: storage.get("sessionToken"),
  customerToken: storage.get("customerToken"),
  prefillToken: "",
  session: null,
  cart: null,
  wishlist: null,
  comparison: null,
  /** the 403 problem when the site has comparison switched off */
  compareOff: null,
  version: 0,
  /** bumped on every switch to another session; answers about an earlier one are dropped */
  epoch: 0,
  /** loading | ready | dead | offline */
  phase: "loading",
  dead: null,
  offline: null,
  errors: {},
  notices: {},
  busy: new Set(),
  live: "off",
  events: [],
  transfer: null,
  shares: {},
  preview: null,
  flash: new Set(),
};

const $ = (selector) => document.querySelector(selector);

// ── API ────────────────────────────────────────────────────────────────────────

function headers() {
  const h = { "x-site-id": state.catalog.sites[SITE_KEY].id };
  if (state.mode === "customer") h.authorization = `Bearer ${state.customerToken}`;
  else {
    h["x-company-id"] = state.catalog.companyId;
    if (state.token) h["x-session-token"] = state.token;
  }
  return h;
}

const paths = {
  cart: () => (state.mode === "customer" ? "/api/cart" : "/api/public/cart"),
  cartChange: (suffix) =>
    state.mode === "customer" ? `/api/cart${suffix}` : `/api/public/cart/${state.cart?.id}${suffix}`,
  wishlist: (suffix = "") => `${state.mode === "customer" ? "/api/wishlist" : "/api/public/wishlist"}${suffix}`,
  comparison: (suffix = "") => `${state.mode === "customer" ? "/api/comparison" : "/api/public/comparison"}${suffix}`,
  session: (suffix = "") => `${state.mode === "customer" ? "/api/cross-site-session" : "/api/public/session"}${suffix}`,
};

/** An answer that arrived after the storefront switched to another session: dropped. */
class StaleResponse extends Error {}

/**
 * A call on the current session. Its answer (or error) is dropped when the storefront has
 * switched sessions meanwhile (claim, sign-in, start over), so a late reply about the old
 * session can neither show the old cart nor end the new session.
 */
async function api(path, options = {}) {
  const epoch = state.epoch;
  try {
    const response = await request(path, { ...options, headers: { ...headers(), ...options.headers } });
    if (epoch !== state.epoch) throw new StaleResponse();
    return response;
  } catch (error) {
    if (epoch !== state.epoch) throw new StaleResponse();
    throw error;
  }
}
/**
 * A change. It carries an Idempotency-Key and is sent once more with the same key when the
 * network failed on the way: the API then applies it at most once.
 */
async function change(method, path, body) {
  const options = { method, body, headers: { "idempotency-key": randomKey() } };
  try {
    return await api(path, options);
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    await new Promise((done) => setTimeout(done, 500));
    return api(path, options);
  }
}

function bump(version) {
  if (typeof version === "number" && version > state.version) state.version = version;
}

function takeCart(cart) {
  if (!cart) return;
  state.cart = cart;
  bump(cart.version);
}
function takeWishlist(wishlist) {
  if (!wishlist) return;
  state.wishlist = wishlist;
  bump(wishlist.version);
}
function takeComparison(comparison) {
  if (!comparison) return;
  state.comparison = comparison;
  state.compareOff = null;
  bump(comparison.version);
}
function takeSession(session) {
  if (!session) return;
  state.session = session;
  bump(session.version);
}

// ── Loading ────────────────────────────────────────────────────────────────────

async function boot() {
  state.prefillToken = takeTokenFromHash();
  const transferCode = query.get("crosscart_transfer");
  if (transferCode) {
    query.delete("crosscart_transfer");
    history.replaceState(null, "", `${location.pathname}?${query}`);
  }
  await run(async () => {
    if (!state.catalog) {
      const response = await fetch("catalog.json").catch((error) => {
        throw new NetworkError(error);
      });
      if (!response.ok) throw new NetworkError(new Error(`catalog.json: HTTP ${response.status}`));
      state.catalog = await response.json();
    }
    renderHeader();
    // no-store: the response is cacheable but does not vary on x-site-id, so the browser
    // would hand one storefront the other's flags.
    if (!state.site) state.site = (await api("/api/public/site", { cache: "no-store" })).body;
    if (transferCode) await claim(transferCode);
    else await openSession();
  });
}

/** Opens the session this storefront has (or a new one), loads what it shows and goes live. */
async function openSession() {
  state.phase = "loading";
  state.dead = null;
  render();
  if (state.mode === "customer") {
    try {
      // The customer's cross-site session (never a token). Before a token was ever issued it is
      // a 404: then one is issued once, which starts it (this page, signed in, needs no token;
      // a transfer to the other site issues one of its own).
      takeSession(
        await api("/api/cross-site-session").then(
          ({ body }) => body,
          async (error) => {
            if (!(error instanceof ApiError) || error.code !== "NOT_FOUND") throw error;
            return (await api("/api/cross-site-session", { method: "POST" })).body;
          },
        ),
      );
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        signOut("That customer token was not accepted (401). You are browsing as a guest again.");
        return openSession();
      }
      throw error;
    }
  } else if (state.token) {
    try {
      takeSession((await api("/api/public/session")).body);
    } catch (error) {
      if (error instanceof ApiError && error.code === "NOT_FOUND") {
        // A token the server does not know (its data was reset): start afresh, and say so.
        state.notices.session = "The saved session was not found on the server, so a new one was started.";
        setToken("");
        return openSession();
      }
      throw error;
    }
  } else {
    const { body } = await api("/api/public/session", { method: "POST" });
    setToken(body.sessionToken);
    takeSession(body);
  }
  await loadResources();
  state.phase = "ready";
  render();
  connectLive();
}

async function loadResources(which = ["cart", "wishlist", "comparison"]) {
  const jobs = [];
  if (which.includes("cart")) jobs.push(api(paths.cart()).then((r) => takeCart(r.body)));
  if (which.includes("wishlist")) jobs.push(api(paths.wishlist()).then((r) => takeWishlist(r.body)));
  if (which.includes("comparison")) {
    jobs.push(
      api(paths.comparison()).then(
        (r) => takeComparison(r.body),
        (error) => {
          if (error instanceof ApiError && error.code === "FEATURE_DISABLED") {
            state.compareOff = error;
            state.comparison = null;
            return;
          }
          throw error;
        },
      ),
    );
  }
  if (which.includes("session")) jobs.push(api(paths.session()).then((r) => takeSession(r.body)));
  const results = await Promise.allSettled(jobs);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}

function setToken(token) {
  state.token = token;
  storage.set("sessionToken", token);
}

/** Everything that belongs to one session is forgotten when switching to another. */
function resetSessionView() {
  state.epoch += 1;
  closeLive();
  Object.assign(state, {
    session: null,
    cart: null,
    wishlist: null,
    comparison: null,
    compareOff: null,
    version: 0,
    transfer: null,
    shares: {},
    preview: null,
    errors: {},
    events: [],
  });
  state.notices.session = null;
}

/**
 * Runs a load or a change with the page's error handling: a dead session becomes the
 * "start over" state, an unreachable API the "retry" banner, anything else an inline message
 * in `section`.
 */
async function run(task, { section, busyKey } = {}) {
  if (busyKey) state.busy.add(busyKey);
  if (section) state.errors[section] = null;
  if (busyKey || section) render();
  try {
    await task();
    if (state.offline) state.offline = null;
  } catch (error) {
    handleError(error, section, task);
  } finally {
    if (busyKey) state.busy.delete(busyKey);
    render();
  }
}

function handleError(error, section, retry) {
  if (error instanceof StaleResponse) return;
  if (error instanceof NetworkError) {
    state.offline = { retry };
    if (state.phase === "loading") state.phase = "offline";
    // Also where the shopper is looking: the banner is at the top of the storefront.
    if (section) state.errors[section] = "The API can't be reached, so nothing changed. Try again in a moment.";
    return;
  }
  if (!(error instanceof ApiError)) {
    console.error(error);
    state.errors[section ?? "page"] = `Something went wrong in the page: ${error.message}`;
    return;
  }
  if (error.code === "SESSION_MERGED" || error.code === "SESSION_EXPIRED") {
    closeLive();
    state.phase = "dead";
    state.dead = error;
    return;
  }
  if (state.mode === "customer" && error.status === 401) {
    signOut("The customer token is no longer accepted (401). You are browsing as a guest again.");
    void run(openSession);
    return;
  }
  const message = describe(error);
  if (section) state.errors[section] = message;
  else {
    state.phase = state.phase === "loading" ? "offline" : state.phase;
    state.offline = { retry, message };
  }
}

function describe(error) {
  switch (error.code) {
    case "COMPARE_LIMIT_REACHED": {
      const max = state.comparison?.maxItems ?? state.site?.features.maxCompareItems ?? 4;
      return `You can compare at most ${max} products. Remove one from the comparison to add another.`;
    }
    case "DISCOUNT_INVALID":
    case "DISCOUNT_NOT_STACKABLE":
      return `That code did not apply: ${error.detail}`;
    case "RATE_LIMITED":
      return `Too many requests right now${error.retryAfter ? `; try again in ${error.retryAfter} s` : ""}.`;
    case "FEATURE_DISABLED":
      return `${state.site?.name ?? "This site"} has this feature switched off (${error.detail}).`;
    case "UNAVAILABLE":
      return `The service is briefly unavailable (${error.detail}). Try again in a moment.`;
    default:
      return `${error.detail || error.message} (${error.status} ${error.code})`;
  }
}

// ── Live sync ──────────────────────────────────────────────────────────────────

const live = { socket: null, generation: 0, attempts: 0, timer: 0, ping: 0, refetch: new Set(), refetchTimer: 0 };

function closeLive() {
  live.generation += 1;
  clearTimeout(live.timer);
  clearTimeout(live.refetchTimer);
  live.refetch.clear();
  clearInterval(live.ping);
  if (live.socket) {
    live.socket.onclose = null;
    live.socket.close(1000, "switching");
  }
  live.socket = null;
  state.live = "off";
}

async function connectLive() {
  closeLive();
  const generation = live.generation;
  state.live = "connecting";
  renderHeader();
  let ticket;
  try {
    ticket = (await api(paths.session("/ticket"), { method: "POST" })).body;
  } catch (error) {
    if (generation !== live.generation) return;
    if (error instanceof ApiError && (error.code === "SESSION_MERGED" || error.code === "SESSION_EXPIRED")) {
      handleError(error);
      render();
      return;
    }
    return reconnectLater(generation);
  }
  if (generation !== live.generation) return;
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${ticket.url}`);
  live.socket = socket;
  socket.onmessage = (event) => {
    if (generation !== live.generation) return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    onLiveMessage(message);
  };
  socket.onopen = () => {
    live.attempts = 0;
    live.ping = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send("ping"), 25_000);
  };
  socket.onclose = () => {
    if (generation !== live.generation) return;
    clearInterval(live.ping);
    state.live = "off";
    renderHeader();
    reconnectLater(generation);
  };
}

function reconnectLater(generation) {
  if (generation !== live.generation || state.phase === "dead") return;
  state.live = "off";
  renderHeader();
  const delay = Math.min(15_000, 1_000 * 2 ** live.attempts);
  live.attempts += 1;
  live.timer = setTimeout(() => {
    if (generation === live.generation) void connectLive();
  }, delay);
}

function onLiveMessage(message) {
  if (message.type === "hello") {
    state.live = "on";
    logEvent(`live: connected at version ${message.version}`);
    // Anything missed while the socket was down is fetched again.
    if (message.version > state.version) queueRefetch(["cart", "wishlist", "comparison", "session"]);
    bump(message.version);
    renderHeader();
  } else if (message.type === "change") {
    const resource = String(message.resource);
    logEvent(`live: ${resource} changed → version ${message.version}`);
    const mine = { cart: state.cart, wishlist: state.wishlist, comparison: state.comparison, session: state.session }[
      resource
    ];
    bump(message.version);
    // Our own change already brought this version; only the other storefronts' changes are fetched.
    if (!mine || mine.version < message.version || resource === "session") {
      queueRefetch([resource in { cart: 1, wishlist: 1, comparison: 1 } ? resource : "session"]);
    }
    renderHeader();
  }
}

function queueRefetch(resources) {
  for (const resource of resources) live.refetch.add(resource);
  clearTimeout(live.refetchTimer);
  live.refetchTimer = setTimeout(() => {
    // A site without comparison answers 403 to every comparison read: no need to ask again.
    const which = [...live.refetch].filter((resource) => !(resource === "comparison" && state.compareOff));
    live.refetch.clear();
    void run(async () => {
      const before = snapshot();
      await loadResources(which);
      flashChanged(before);
    });
  }, 60);
}

function snapshot() {
  return { cart: state.cart?.version, wishlist: state.wishlist?.version, comparison: state.comparison?.version };
}
function flashChanged(before) {
  const after = snapshot();
  for (const key of Object.keys(after)) if (after[key] !== before[key]) state.flash.add(key);
}

function logEvent(text) {
  const time = new Date().toLocaleTimeString("en-GB");
  state.events = [{ time, text }, ...state.events].slice(0, 6);
}

// ── Actions ────────────────────────────────────────────────────────────────────

const product = (id) => state.catalog.products.find((p) => p.id === id);
const productName = (id) => product(id)?.name ?? id;

const actions = {
  async "add-cart"(el) {
    const variantSelect = document.querySelector(`select[data-variant-for="${el.dataset.product}"]`);
    const body = { productId: el.dataset.product, quantity: 1 };
    if (variantSelect?.value) body.variantId = variantSelect.value;
    await mutate("cart", el, async () => takeCart((await change("POST", paths.cartChange("/items"), body)).body));
  },
  async "add-bundle"(el) {
    await mutate("cart", el, async () =>
      takeCart((await change("POST", paths.cartChange("/bundles"), { bundleId: el.dataset.bundle })).body),
    );
  },
  async qty(el) {
    const quantity = Number(el.dataset.quantity);
    const item = el.dataset.item;
    await mutate("cart", el, async () => {
      const response =
        quantity < 1
          ? await change("DELETE", paths.cartChange(`/items/${item}`))
          : await change("PATCH", paths.cartChange(`/items/${item}`), { quantity });
      takeCart(response.body);
    });
  },
  async "remove-item"(el) {
    await mutate("cart", el, async () =>
      takeCart((await change("DELETE", paths.cartChange(`/items/${el.dataset.item}`))).body),
    );
  },
  async "save-item"(el) {
    await mutate("cart", el, async () =>
      takeCart((await change("POST", paths.cartChange(`/items/${el.dataset.item}/save`))).body),
    );
  },
  async "restore-saved"(el) {
    await mutate("cart", el, async () =>
      takeCart((await change("POST", paths.cartChange(`/saved/${el.dataset.saved}/restore`))).body),
    );
  },
  async "remove-saved"(el) {
    await mutate("cart", el, async () =>
      takeCart((await change("DELETE", paths.cartChange(`/saved/${el.dataset.saved}`))).body),
    );
  },
  async "remove-bundle"(el) {
    await mutate("cart", el, async () =>
      takeCart((await change("DELETE", paths.cartChange(`/bundles/${el.dataset.group}`))).body),
    );
  },
  async "remove-discount"(el) {
    await mutate("cart", el, async () =>
      takeCart((await change("DELETE", paths.cartChange(`/discount/${encodeURIComponent(el.dataset.code)}`))).body),
    );
  },
  async "toggle-wishlist"(el) {
    const existing = state.wishlist?.items.find((item) => item.productId === el.dataset.product);
    await mutate("wishlist", el, async () => {
      const response = existing
        ? await change("DELETE", paths.wishlist(`/items/${existing.id}`))
        : await change("POST", paths.wishlist("/items"), { productId: el.dataset.product, priority: 50 });
      takeWishlist(response.body);
    });
  },
  async "remove-wishlist"(el) {
    await mutate("wishlist", el, async () =>
      takeWishlist((await change("DELETE", paths.wishlist(`/items/${el.dataset.item}`))).body),
    );
  },
  async share(el) {
    const kind = el.dataset.kind;
    const path = kind === "wishlist" ? paths.wishlist("/share") : paths.comparison("/share");
    await mutate(kind === "wishlist" ? "wishlist" : "compare", el, async () => {
      const { body } = await api(path, { method: "POST" });
      state.shares[kind] = { token: body.token, url: body.url };
      if (kind === "wishlist") takeWishlist(body.wishlist);
      else takeComparison(body.comparison);
    });
  },
  async unshare(el) {
    const kind = el.dataset.kind;
    const path = kind === "wishlist" ? paths.wishlist("/share") : paths.comparison("/share");
    await mutate(kind === "wishlist" ? "wishlist" : "compare", el, async () => {
      const { body } = await change("DELETE", path);
      state.shares[kind] = null;
      if (kind === "wishlist") takeWishlist(body);
      else takeComparison(body);
    });
  },
  async "toggle-compare"(el) {
    const existing = state.comparison?.items.find((item) => item.productId === el.dataset.product);
    await mutate("compare", el, async () => {
      const response = existing
        ? await change("DELETE", paths.comparison(`/items/${existing.id}`))
        : await change("POST", paths.comparison("/items"), { productId: el.dataset.product });
      takeComparison(response.body);
    });
  },
  async "remove-compare"(el) {
    await mutate("compare", el, async () =>
      takeComparison((await change("DELETE", paths.comparison(`/items/${el.dataset.item}`))).body),
    );
  },
  async transfer(el) {
    await mutate("session", el, async () => {
      const target = state.catalog.sites[OTHER_KEY];
      const { body } = await api(paths.session("/transfer"), { method: "POST", body: { targetSiteId: target.id } });
      state.transfer = { ...body, expiresAt: Date.now() + body.expiresInSeconds * 1000 };
      logEvent(`transfer code for ${target.name} created`);
      if (EMBEDDED) {
        window.parent.postMessage(
          { type: `${MESSAGE}:transfer`, from: SITE_KEY, to: OTHER_KEY, code: body.code },
          location.origin,
        );
      }
    });
  },
  async "confirm-merge"(el) {
    await mutate("account", el, async () => {
      const guestToken = state.token;
      const customerToken = state.preview.customerToken;
      const { body } = await request("/api/cross-site-session/merge", {
        method: "POST",
        headers: { authorization: `Bearer ${customerToken}`, "x-site-id": state.catalog.sites[SITE_KEY].id },
        body: { sessionToken: guestToken, strategy: "max", dryRun: false },
      });
      becomeCustomer(customerToken);
      state.notices.account = `Signed in. The guest session was merged into the account: ${summarizeMerge(body.diff)}.`;
      await openSession();
    });
    $("#account-heading")?.focus();
  },
  "cancel-merge"() {
    state.preview = null;
    render();
    $("#signin-token")?.focus();
  },
  async "sign-out"(el) {
    signOut("Signed out. You are browsing as a new guest.");
    await mutate("account", el, openSession);
  },
  async "start-over"(el) {
    resetSessionView();
    setToken("");
    state.phase = "loading";
    await mutate("page", el, openSession);
    $("#app")?.focus();
  },
  "goto-signin"() {
    const field = $("#signin-token");
    field?.scrollIntoView({ block: "center" });
    field?.focus({ preventScroll: true });
  },
  async retry() {
    const retry = state.offline?.retry ?? boot;
    state.offline = null;
    await run(retry);
  },
  copy(el) {
    const text = el.dataset.copy;
    navigator.clipboard?.writeText(text).then(
      () => {
        el.textContent = "Copied";
      },
      () => {
        el.textContent = "Select and copy it";
      },
    );
  },
};

const forms = {
  async discount(form) {
    const code = form.elements.code.value.trim();
    if (!code) return;
    await mutate("cart", form, async () => {
      takeCart((await change("POST", paths.cartChange("/discount"), { code })).body);
      form.elements.code.value = "";
    });
  },
  async claim(form) {
    const code = form.elements.code.value.trim();
    if (!code) return;
    await mutate("session", form, async () => {
      await claim(code);
      form.elements.code.value = "";
    });
  },
  async signin(form) {
    const customerToken = form.elements.token.value.trim();
    if (!customerToken) {
      state.errors.account = "Paste the TEST_CUSTOMER_TOKEN from .demo.env first.";
      render();
      return;
    }
    const guestAlive = state.mode === "guest" && state.token && state.phase !== "dead";
    await mutate("account", form, async () => {
      if (!guestAlive) {
        // Nothing to merge (the guest session is gone): just sign in (a read checks the token).
        await request("/api/cart", {
          headers: { authorization: `Bearer ${customerToken}`, "x-site-id": state.catalog.sites[SITE_KEY].id },
        });
        becomeCustomer(customerToken);
        state.notices.account = "Signed in.";
        await openSession();
        return;
      }
      // First a dry run: what merging this guest session into the account would change.
      const { body } = await request("/api/cross-site-session/merge", {
        method: "POST",
        headers: { authorization: `Bearer ${customerToken}`, "x-site-id": state.catalog.sites[SITE_KEY].id },
        body: { sessionToken: state.token, strategy: "max", dryRun: true },
      });
      state.preview = { customerToken, result: body };
    });
    if (state.preview) $("#preview-heading")?.focus();
  },
  async priority(_form, el) {
    await mutate("wishlist", el, async () =>
      takeWishlist(
        (await change("PATCH", paths.wishlist(`/items/${el.dataset.item}`), { priority: Number(el.value) })).body,
      ),
    );
  },
};

async function claim(code) {
  // Claiming names this site (x-site-id) and needs no session token.
  const { body } = await request("/api/public/session/claim", {
    method: "POST",
    headers: { "x-company-id": state.catalog.companyId, "x-site-id": state.catalog.sites[SITE_KEY].id },
    body: { code },
  });
  resetSessionView();
  state.mode = "guest";
  state.customerToken = "";
  storage.set("customerToken", "");
  setToken(body.sessionToken);
  state.notices.session = `Continued here from ${siteName(body.session.originSiteId)}: this storefront now shares that session.`;
  logEvent("transfer code claimed");
  await openSession();
}

function becomeCustomer(customerToken) {
  resetSessionView();
  state.mode = "customer";
  state.customerToken = customerToken;
  storage.set("customerToken", customerToken);
  setToken("");
  state.preview = null;
}

function signOut(notice) {
  resetSessionView();
  state.mode = "guest";
  state.customerToken = "";
  storage.set("customerToken", "");
  setToken("");
  state.notices.account = notice;
}

/** A change from a button or form: busy while it runs, errors shown in its section. */
async function mutate(section, el, task) {
  const key = el?.dataset?.key ?? el?.id ?? section;
  await run(task, { section, busyKey: key });
}

function siteName(siteId) {
  const entry = Object.values(state.catalog.sites).find((site) => site.id === siteId);
  return entry?.name ?? "another site";
}

function summarizeMerge(diff) {
  const cart = diff?.cart ?? {};
  const parts = [];
  const n = (list) => (Array.isArray(list) ? list.length : 0);
  if (n(cart.added)) parts.push(`${n(cart.added)} cart line(s) added`);
  if (n(cart.quantityChanged)) parts.push(`${n(cart.quantityChanged)} quantity change(s)`);
  if (n(cart.discountsAdded)) parts.push(`${n(cart.discountsAdded)} discount(s)`);
  if (n(diff?.wishlist?.added)) parts.push(`${n(diff.wishlist.added)} wishlist item(s)`);
  if (n(diff?.comparison?.added)) parts.push(`${n(diff.comparison.added)} compared product(s)`);
  return parts.length ? parts.join(", ") : "nothing new to add";
}

// ── Rendering ──────────────────────────────────────────────────────────────────

function renderHeader() {
  const site = state.catalog?.sites[SITE_KEY];
  if (site) {
    $("#site-name").textContent = site.name;
    $("#site-domain").textContent = site.domain;
    document.title = `${site.name} — crosscart demo`;
  }
  document.body.dataset.site = SITE_KEY;
  $("#version").textContent = state.version ? String(state.version) : "–";
  const liveEl = $("#live");
  liveEl.dataset.live = state.live;
  liveEl.textContent = { on: "live", connecting: "connecting…", off: "offline" }[state.live];
  const s = state.session;
  let line = "Starting…";
  if (state.phase === "dead") line = "Session ended";
  else if (state.phase === "offline") line = "Not connected to the API";
  else if (s) {
    const who = state.mode === "customer" ? "Signed in as the demo customer" : "Guest";
    const sites = s.sitesVisited.map(siteName).join(", ");
    line = `${who} · session ${s.id.slice(0, 8)} · sites visited: ${sites} · transfers: ${s.transferCount}`;
  }
  $("#session-line").textContent = line;
  postStatus();
}

function postStatus() {
  if (!EMBEDDED) return;
  window.parent.postMessage(
    {
      type: `${MESSAGE}:status`,
      site: SITE_KEY,
      version: state.version,
      live: state.live,
      phase: state.phase,
      sessionId: state.session?.id ?? null,
      mode: state.mode,
      cartItems: state.cart?.totals.itemCount ?? 0,
      wishlistItems: state.wishlist?.itemCount ?? 0,
      compareItems: state.comparison?.itemCount ?? null,
    },
    location.origin,
  );
}

/** The control that had focus before a re-render (so a keyboard user keeps their place). */
let remembered = null;

function render() {
  renderHeader();
  const app = $("#app");
  // Re-rendering must not cost the keyboard user their place or their typing.
  const active = document.activeElement;
  if (active?.dataset?.key && app.contains(active)) {
    remembered = { key: active.dataset.key, section: active.closest("section")?.id ?? "" };
  } else if (active && active !== document.body && active !== app && !active.matches("h2[tabindex]")) {
    remembered = null;
  }
  const kept = new Map();
  for (const field of app.querySelectorAll("[data-keep]")) kept.set(field.dataset.key, field.value);

  app.innerHTML = String(view());
  app.setAttribute("aria-busy", String(state.phase === "loading"));
  document.body.dataset.state = state.phase;

  for (const field of app.querySelectorAll("[data-keep]")) {
    if (kept.has(field.dataset.key)) field.value = kept.get(field.dataset.key);
  }
  const lost = !document.activeElement || document.activeElement === document.body;
  if (remembered && (lost || document.activeElement.matches("h2[tabindex]"))) {
    // A busy (disabled) control cannot hold focus: it gets it back on the next render. A
    // control that is gone (a removed line) hands focus to its section's heading.
    const again = app.querySelector(`[data-key="${CSS.escape(remembered.key)}"]`);
    if (again && !again.disabled) again.focus();
    else if (!again && remembered.section) {
      const heading = document.getElementById(remembered.section)?.querySelector("h2[tabindex]");
      heading?.focus();
      remembered = null;
    }
  }
  for (const key of state.flash) app.querySelector(`[data-flash="${key}"]`)?.classList.add("flash");
  state.flash.clear();
}

function view() {
  return html`
    ${state.offline ? offlineView() : ""} ${state.errors.page ? html`<p class="alert error" role="alert">${state.errors.page}</p>` : ""}
    ${state.phase === "dead" ? deadView() : ""} ${state.phase === "ready" ? readyView() : ""}
    ${state.phase === "loading" && !state.offline ? html`<p class="muted">Loading…</p>` : ""}
    ${state.catalog && state.phase !== "offline" ? accountView() : ""}
  `;
}

function offlineView() {
  return html`<div class="alert error" role="alert" data-testid="offline">
    <p><strong>The API can't be reached.</strong> ${
      state.offline.message ?? html`Is <code>npm run dev</code> running? Check its terminal, then retry.`
    }</p>
    <div class="actions"><button type="button" data-action="retry" data-key="retry">Retry</button></div>
  </div>`;
}

function deadView() {
  const merged = state.dead?.code === "SESSION_MERGED";
  return html`<section class="card dead" aria-labelledby="dead-heading" data-testid="session-ended">
    <h2 id="dead-heading" tabindex="-1">${merged ? "This session was merged into an account" : "This session has expired"}</h2>
    <p>
      ${
        merged
          ? "It was signed in on another storefront, and its cart, wishlist and comparison moved into the customer's account. This guest session can no longer change."
          : "Its cart and lists are no longer available."
      }
      <span class="muted">(${state.dead?.status} ${state.dead?.code})</span>
    </p>
    <div class="actions">
      <button type="button" data-action="start-over" data-key="start-over">Start over</button>
      ${merged ? html`<button type="button" class="secondary" data-action="goto-signin" data-key="goto-signin">Sign in instead</button>` : ""}
    </div>
  </section>`;
}

function readyView() {
  return html`${catalogView()} ${cartView()} ${wishlistView()} ${compareView()} ${crossSiteView()} ${eventsView()}`;
}

const busy = (key) => state.busy.has(key);
const sectionError = (section) =>
  state.errors[section]
    ? html`<p class="alert error" role="alert" data-testid="${section}-error">${state.errors[section]}</p>`
    : "";

function catalogView() {
  const compareOn = state.site?.features.compare;
  const inWishlist = new Set(state.wishlist?.items.map((item) => item.productId));
  const inCompare = new Set(state.comparison?.items.map((item) => item.productId));
  return html`<section aria-labelledby="catalog-heading" class="section" id="catalog">
    <h2 id="catalog-heading" tabindex="-1">Catalog</h2>
    <ul class="catalog" data-testid="catalog">
      ${state.catalog.products.map(
        (p) => html`<li class="product" data-product="${p.id}">
          <div class="product-main">
            <span class="product-name">${p.name}</span>
            <span class="price">${money(p.price, state.catalog.currency)}</span>
          </div>
          <div class="product-actions">
            ${
              p.variants
                ? html`<label class="visually-hidden" for="variant-${p.id}">Size of ${p.name}</label>
                    <select id="variant-${p.id}" data-variant-for="${p.id}" data-keep data-key="variant-${p.id}">
                      ${p.variants.map(
                        (v) => html`<option value="${v.id}">${v.name}${v.price ? ` (${money(v.price)})` : ""}</option>`,
                      )}
                    </select>`
                : ""
            }
            <button type="button" data-action="add-cart" data-product="${p.id}" data-key="add-${p.id}"
              ${busy(`add-${p.id}`) ? "disabled" : ""} aria-label="Add ${p.name} to the cart">Add to cart</button>
            <button type="button" class="secondary" data-action="toggle-wishlist" data-product="${p.id}"
              data-key="wish-${p.id}" aria-pressed="${inWishlist.has(p.id)}" aria-label="Wishlist: ${p.name}"
              ${busy(`wish-${p.id}`) ? "disabled" : ""}>${inWishlist.has(p.id) ? "♥ Saved" : "♡ Wishlist"}</button>
            ${
              compareOn
                ? html`<button type="button" class="secondary" data-action="toggle-compare" data-product="${p.id}"
                    data-key="cmp-${p.id}" aria-pressed="${inCompare.has(p.id)}" aria-label="Compare: ${p.name}"
                    ${busy(`cmp-${p.id}`) ? "disabled" : ""}>${inCompare.has(p.id) ? "✓ Comparing" : "Compare"}</button>`
                : ""
            }
          </div>
        </li>`,
      )}
    </ul>
    ${state.catalog.bundles.map(
      (b) => html`<div class="bundle">
        <div>
          <strong>${b.name}</strong> <span class="pill">bundle · ${b.discountPercent} % off</span>
          <p class="muted">${b.description}</p>
        </div>
        <button type="button" data-action="add-bundle" data-bundle="${b.id}" data-key="bundle-${b.id}"
          ${busy(`bundle-${b.id}`) ? "disabled" : ""}>Add the bundle</button>
      </div>`,
    )}
  </section>`;
}

function cartView() {
  const cart = state.cart;
  if (!cart) return "";
  const currency = cart.currency;
  const singles = cart.items.filter((item) => !item.bundleGroupId);
  const groups = new Map();
  for (const item of cart.items.filter((i) => i.bundleGroupId)) {
    if (!groups.has(item.bundleGroupId)) groups.set(item.bundleGroupId, []);
    groups.get(item.bundleGroupId).push(item);
  }
  const bundleName = (id) => state.catalog.bundles.find((b) => b.id === id)?.name ?? "Bundle";
  return html`<section aria-labelledby="cart-heading" class="section" id="cart" data-flash="cart">
    <h2 id="cart-heading" tabindex="-1">Cart <span class="count">(${cart.totals.itemCount})</span></h2>
    ${sectionError("cart")}
    ${
      cart.items.length === 0
        ? html`<p class="muted" data-testid="cart-empty">The cart is empty.</p>`
        : html`<ul class="lines" data-testid="cart-items">
            ${singles.map(
              (item) => html`<li class="line" data-testid="cart-line">
                <div class="line-main">
                  <span class="line-name">${item.name}</span>
                  <span class="muted">${money(item.unitPrice, currency)} each${item.unavailable ? " · no longer available" : ""}</span>
                </div>
                <div class="qty" role="group" aria-label="Quantity of ${item.name}">
                  <button type="button" class="secondary" data-action="qty" data-item="${item.id}"
                    data-quantity="${item.quantity - 1}" data-key="dec-${item.id}" aria-label="One fewer ${item.name}">−</button>
                  <output aria-live="polite">${item.quantity}</output>
                  <button type="button" class="secondary" data-action="qty" data-item="${item.id}"
                    data-quantity="${item.quantity + 1}" data-key="inc-${item.id}" aria-label="One more ${item.name}">+</button>
                </div>
                <span class="line-total">${money(item.lineTotal, currency)}</span>
                <div class="line-actions">
                  <button type="button" class="quiet" data-action="save-item" data-item="${item.id}"
                    data-key="save-${item.id}">Save for later</button>
                  <button type="button" class="quiet" data-action="remove-item" data-item="${item.id}"
                    data-key="rm-${item.id}" aria-label="Remove ${item.name}">Remove</button>
                </div>
              </li>`,
            )}
            ${[...groups].map(
              ([group, items]) => html`<li class="line bundle-line" data-testid="cart-line">
                <div class="line-main">
                  <span class="line-name">${bundleName(items[0].bundleId)}</span>
                  <span class="muted">${items.map((i) => `${i.quantity} × ${i.name}`).join(" · ")}</span>
                </div>
                <span class="line-total">${money(
                  items.reduce((sum, i) => sum + i.lineTotal, 0),
                  currency,
                )}</span>
                <div class="line-actions">
                  <button type="button" class="quiet" data-action="remove-bundle" data-group="${group}"
                    data-key="rmb-${group}">Remove bundle</button>
                </div>
              </li>`,
            )}
          </ul>`
    }
    ${
      cart.savedItems.length
        ? html`<h3>Saved for later</h3>
            <ul class="lines saved">
              ${cart.savedItems.map(
                (saved) => html`<li class="line">
                  <div class="line-main"><span class="line-name">${saved.name}</span>
                    <span class="muted">${saved.quantity} × ${money(saved.unitPrice, currency)}</span></div>
                  <div class="line-actions">
                    <button type="button" class="quiet" data-action="restore-saved" data-saved="${saved.id}"
                      data-key="restore-${saved.id}">Move to cart</button>
                    <button type="button" class="quiet" data-action="remove-saved" data-saved="${saved.id}"
                      data-key="rms-${saved.id}" aria-label="Delete saved ${saved.name}">Delete</button>
                  </div>
                </li>`,
              )}
            </ul>`
        : ""
    }
    <form class="discount" data-form="discount" data-key="discount-form">
      <div class="field">
        <label for="discount-code">Discount code</label>
        <div class="inline">
          <input id="discount-code" name="code" autocomplete="off" data-keep data-key="discount-code"
            aria-describedby="discount-hint" />
          <button type="submit" data-key="discount-apply" ${busy("discount-form") ? "disabled" : ""}>Apply</button>
        </div>
        <span class="hint" id="discount-hint">Try SAVE10 (10 % off, development only, not stackable) or WELCOME5.</span>
      </div>
    </form>
    ${
      cart.discounts.length
        ? html`<ul class="discounts" data-testid="discounts">
            ${cart.discounts.map(
              (d) => html`<li>
                <span class="pill">${d.code}</span> −${money(d.amount, currency)}
                <button type="button" class="quiet" data-action="remove-discount" data-code="${d.code}"
                  data-key="rmd-${d.code}" aria-label="Remove code ${d.code}">Remove</button>
              </li>`,
            )}
          </ul>`
        : ""
    }
    <dl class="totals" data-testid="totals">
      <dt>Subtotal</dt><dd>${money(cart.totals.subtotal, currency)}</dd>
      ${cart.totals.discountTotal ? html`<dt>Discounts</dt><dd data-testid="discount-total">−${money(cart.totals.discountTotal, currency)}</dd>` : ""}
      <dt class="grand">Total</dt><dd class="grand" data-testid="grand-total">${money(cart.totals.grandTotal, currency)}</dd>
    </dl>
  </section>`;
}

function priorityOptions(current) {
  const options = PRIORITIES.some((p) => p.value === current)
    ? PRIORITIES
    : [...PRIORITIES, { value: current, label: `Custom (${current})` }].sort((a, b) => b.value - a.value);
  return options.map(
    (p) => html`<option value="${p.value}" ${p.value === current ? "selected" : ""}>${p.label} (${p.value})</option>`,
  );
}

function shareView(kind) {
  const share = state.shares[kind];
  const resource = kind === "wishlist" ? state.wishlist : state.comparison;
  if (!resource) return "";
  // Nothing to share yet (and never shared): no button.
  if (resource.itemCount === 0 && !resource.shared && !share) return "";
  const viewer = share ? `shared.html?site=${SITE_KEY}&kind=${kind}&token=${encodeURIComponent(share.token)}` : "";
  return html`<div class="share">
    ${
      share
        ? html`<p class="alert ok" data-testid="${kind}-share">
            Shared. Link for the company portal: <code class="break">${share.url}</code>
            <span class="actions">
              <button type="button" class="secondary" data-action="copy" data-copy="${share.url}" data-key="copy-${kind}">Copy link</button>
              <a class="button secondary" href="${viewer}" target="_blank" rel="noopener">Open the read-only view</a>
            </span>
          </p>`
        : resource.shared
          ? html`<p class="muted">Shared (the link was created earlier).</p>`
          : ""
    }
    <div class="actions">
      <button type="button" class="secondary" data-action="share" data-kind="${kind}" data-key="share-${kind}"
        ${busy(`share-${kind}`) ? "disabled" : ""}>${resource.shared ? "New share link" : "Share"}</button>
      ${
        resource.shared
          ? html`<button type="button" class="quiet" data-action="unshare" data-kind="${kind}" data-key="unshare-${kind}">Stop sharing</button>`
          : ""
      }
    </div>
  </div>`;
}

function wishlistView() {
  const wishlist = state.wishlist;
  if (!wishlist) return "";
  return html`<section aria-labelledby="wishlist-heading" class="section" id="wishlist" data-flash="wishlist">
    <h2 id="wishlist-heading" tabindex="-1">Wishlist <span class="count">(${wishlist.itemCount})</span></h2>
    ${sectionError("wishlist")}
    ${
      wishlist.items.length === 0
        ? html`<p class="muted">Nothing saved yet: use ♡ Wishlist in the catalog.</p>`
        : html`<ol class="lines" data-testid="wishlist-items">
            ${wishlist.items.map(
              (item) => html`<li class="line">
                <div class="line-main">
                  <span class="line-name">${item.product?.name ?? productName(item.productId)}</span>
                  <span class="muted">${item.product ? money(item.product.price, item.product.currency) : ""}${
                    item.product && !item.product.available ? " · unavailable" : ""
                  }${item.note ? ` · “${item.note}”` : ""}</span>
                </div>
                <div class="field priority">
                  <label for="prio-${item.id}" class="hint">Priority</label>
                  <select id="prio-${item.id}" data-change="priority" data-item="${item.id}" data-key="prio-${item.id}">
                    ${priorityOptions(item.priority)}
                  </select>
                </div>
                <div class="line-actions">
                  <button type="button" class="quiet" data-action="remove-wishlist" data-item="${item.id}"
                    data-key="rmw-${item.id}" aria-label="Remove ${item.product?.name ?? "item"} from the wishlist">Remove</button>
                </div>
              </li>`,
            )}
          </ol>`
    }
    ${shareView("wishlist")}
  </section>`;
}

function compareView() {
  if (state.compareOff) {
    return html`<section aria-labelledby="compare-heading" class="section">
      <h2 id="compare-heading" tabindex="-1">Compare</h2>
      <div class="alert info" data-testid="compare-disabled">
        <p><strong>Comparison isn't offered on ${state.site?.name ?? "this site"}.</strong>
          The API answered <code>${state.compareOff.status} ${state.compareOff.code}</code>: ${state.compareOff.detail}.
          ${OTHER_KEY === "trail" ? "Acme Trail has it switched on." : ""}</p>
      </div>
    </section>`;
  }
  const comparison = state.comparison;
  if (!comparison) return "";
  const names = comparison.items.map((item) => item.product?.name ?? productName(item.productId));
  const cell = (value) => {
    if (value === null || value === undefined) return html`<span class="muted" aria-label="not given">—</span>`;
    if (typeof value === "boolean") return value ? "yes" : "no";
    return String(value);
  };
  return html`<section aria-labelledby="compare-heading" class="section" id="compare" data-flash="comparison">
    <h2 id="compare-heading" tabindex="-1">Compare
      <span class="count" data-testid="compare-count">(${comparison.itemCount} of ${comparison.maxItems})</span></h2>
    ${sectionError("compare")}
    ${
      comparison.items.length === 0
        ? html`<p class="muted">Pick up to ${comparison.maxItems} products with “Compare” in the catalog.</p>`
        : html`<div class="table-scroll" role="region" aria-label="Comparison table" tabindex="0">
            <table data-testid="compare-table">
              <caption class="visually-hidden">Attributes of the compared products</caption>
              <thead>
                <tr>
                  <th scope="col">Attribute</th>
                  ${comparison.items.map(
                    (item, i) => html`<th scope="col">${names[i]}
                      <button type="button" class="quiet small" data-action="remove-compare" data-item="${item.id}"
                        data-key="rmc-${item.id}" aria-label="Stop comparing ${names[i]}">Remove</button></th>`,
                  )}
                </tr>
              </thead>
              <tbody>
                <tr><th scope="row">price</th>${comparison.items.map(
                  (item) => html`<td>${item.product ? money(item.product.price, item.product.currency) : "—"}</td>`,
                )}</tr>
                ${comparison.attributes.map(
                  (row) =>
                    html`<tr><th scope="row">${attributeLabel(row.key)}</th>${row.values.map(
                      (value) => html`<td>${cell(value)}</td>`,
                    )}</tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
    ${shareView("comparison")}
  </section>`;
}

const UNITS = { l: "l", g: "g", c: "°C", years: "years", hours: "hours", persons: "persons" };
/** `weight_g` → "weight (g)", `comfort_temp_c` → "comfort temp (°C)". */
function attributeLabel(key) {
  const parts = key.split("_");
  const unit = parts.length > 1 ? UNITS[parts.at(-1)] : undefined;
  return unit ? `${parts.slice(0, -1).join(" ")} (${unit})` : parts.join(" ");
}

function crossSiteView() {
  const other = state.catalog.sites[OTHER_KEY];
  const transfer = state.transfer;
  const fresh = transfer && transfer.expiresAt > Date.now();
  return html`<section aria-labelledby="crosssite-heading" class="section" id="crosssite">
    <h2 id="crosssite-heading" tabindex="-1">Continue on ${other.name}</h2>
    ${state.notices.session ? html`<p class="alert info" role="status">${state.notices.session}</p>` : ""}
    ${sectionError("session")}
    <p class="muted">Hands this session to the other storefront with a one-time code (valid 2 minutes).
      ${EMBEDDED ? `The ${other.name} pane claims it at once.` : ""}</p>
    <button type="button" data-action="transfer" data-key="transfer" ${busy("transfer") ? "disabled" : ""}>
      Continue on ${other.name} →</button>
    ${
      fresh
        ? html`<p class="alert ok" data-testid="transfer-code">Code <code class="break">${transfer.code}</code>
            ${EMBEDDED ? html`<span>sent to the ${other.name} pane.</span>` : html`<a href="${transferLink(transfer)}">Open ${other.name} with it</a>`}</p>`
        : ""
    }
    <form data-form="claim" class="claim" data-key="claim-form">
      <div class="field">
        <label for="claim-code">Have a code from the other site?</label>
        <div class="inline">
          <input id="claim-code" name="code" autocomplete="off" spellcheck="false" data-keep data-key="claim-code" />
          <button type="submit" class="secondary" data-key="claim-submit" ${busy("claim-form") ? "disabled" : ""}>Claim</button>
        </div>
      </div>
    </form>
  </section>`;
}

function eventsView() {
  return html`<section aria-labelledby="events-heading" class="section events" id="events">
    <h2 id="events-heading" tabindex="-1">Live updates</h2>
    ${
      state.events.length
        ? html`<ol class="event-log" data-testid="events">
            ${state.events.map((e) => html`<li><time>${e.time}</time> ${e.text}</li>`)}
          </ol>`
        : html`<p class="muted">Changes made on the other storefront show up here as they arrive.</p>`
    }
  </section>`;
}

function transferLink(transfer) {
  // The API's URL uses the site's configured baseUrl; this demo follows wherever it is served.
  return `${location.origin}/demo/?site=${OTHER_KEY}&crosscart_transfer=${encodeURIComponent(transfer.code)}`;
}

function accountView() {
  const preview = state.preview;
  return html`<section aria-labelledby="account-heading" class="section" id="account">
    <h2 id="account-heading" tabindex="-1">Account</h2>
    ${state.notices.account ? html`<p class="alert info" role="status" data-testid="account-notice">${state.notices.account}</p>` : ""}
    ${sectionError("account")}
    ${
      state.mode === "customer"
        ? html`<p>Signed in as the demo customer (Dana Demo). Cart, wishlist and comparison are the account's.</p>
            <button type="button" class="secondary" data-action="sign-out" data-key="sign-out">Sign out</button>`
        : preview
          ? previewView(preview)
          : html`<form data-form="signin" data-key="signin-form" class="signin">
              <div class="field">
                <label for="signin-token">Customer token</label>
                <input id="signin-token" name="token" type="password" autocomplete="off" spellcheck="false"
                  data-keep data-key="signin-token" value="${state.prefillToken}" aria-describedby="signin-hint" />
                <span class="hint" id="signin-hint">Paste <code>TEST_CUSTOMER_TOKEN</code> from <code>.demo.env</code>
                  (written by <code>npm run dev</code>). Signing in first previews what merging this guest session changes.</span>
              </div>
              <button type="submit" data-key="signin-submit" ${busy("signin-form") ? "disabled" : ""}>Sign in…</button>
            </form>`
    }
  </section>`;
}

function previewView(preview) {
  const { diff } = preview.result;
  const cart = diff.cart ?? {};
  const line = (entry) =>
    `${entry.quantity} × ${productName(entry.productId)}${entry.bundleGroupId ? " (bundle)" : ""}`;
  const rows = [
    ...(cart.added ?? []).map((e) => ["Cart: added", line(e)]),
    ...(cart.quantityChanged ?? []).map((e) => ["Cart: quantity", `${productName(e.productId)}: ${e.from} → ${e.to}`]),
    ...(cart.dropped ?? []).map((e) => ["Cart: dropped", `${line(e)} — ${e.reason}`]),
    ...(cart.discountsAdded ?? []).map((code) => ["Discount: added", code]),
    ...(cart.discountsDropped ?? []).map((d) => ["Discount: dropped", `${d.code} — ${d.reason}`]),
    ...(cart.savedAdded ?? []).map((e) => ["Saved for later: added", line(e)]),
    ...listDiff(diff.wishlist, "Wishlist"),
    ...listDiff(diff.comparison, "Compare"),
  ];
  return html`<div class="preview" role="region" aria-labelledby="preview-heading" data-testid="merge-preview">
    <h3 id="preview-heading" tabindex="-1">Preview: merging this guest session into the account</h3>
    ${
      rows.length
        ? html`<table>
            <thead><tr><th scope="col">Change</th><th scope="col">What</th></tr></thead>
            <tbody>${rows.map(([what, detail]) => html`<tr><td>${what}</td><td>${detail}</td></tr>`)}</tbody>
          </table>`
        : html`<p>Nothing to add: the account already has everything this session holds.</p>`
    }
    <p class="muted">Account cart after merging: ${preview.result.cart.totals.itemCount} item(s),
      ${money(preview.result.cart.totals.grandTotal, preview.result.cart.currency)}. Nothing has changed yet (dry run).</p>
    <div class="actions">
      <button type="button" data-action="confirm-merge" data-key="confirm-merge" ${busy("confirm-merge") ? "disabled" : ""}>Merge and sign in</button>
      <button type="button" class="secondary" data-action="cancel-merge" data-key="cancel-merge">Cancel</button>
    </div>
  </div>`;
}

function listDiff(diff, label) {
  if (!diff) return [];
  const rows = [];
  const name = (entry) => productName(entry?.productId ?? entry);
  for (const entry of diff.added ?? []) rows.push([`${label}: added`, name(entry)]);
  for (const entry of diff.updated ?? diff.priorityChanged ?? []) rows.push([`${label}: updated`, name(entry)]);
  for (const entry of diff.dropped ?? [])
    rows.push([`${label}: dropped`, `${name(entry)}${entry?.reason ? ` — ${entry.reason}` : ""}`]);
  return rows;
}

// ── Events ─────────────────────────────────────────────────────────────────────

document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-action]");
  if (!el || el.disabled) return;
  const action = actions[el.dataset.action];
  if (!action) return;
  event.preventDefault();
  void action(el);
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-form]");
  if (!form) return;
  event.preventDefault();
  void forms[form.dataset.form]?.(form);
});

document.addEventListener("change", (event) => {
  const el = event.target.closest("[data-change]");
  if (!el) return;
  void forms[el.dataset.change]?.(el.form, el);
});

window.addEventListener("message", (event) => {
  if (event.origin !== location.origin || event.data?.type !== `${MESSAGE}:claim`) return;
  void run(() => claim(String(event.data.code)), { section: "session", busyKey: "claim-form" });
});

// Another tab of the same site stored a new session for this site: follow it. Only new,
// non-empty values are followed (a cleared key is followed by the new one), so two tabs never
// take turns creating sessions.
window.addEventListener("storage", (event) => {
  if (!event.newValue) return;
  if (event.key === storage.key("customerToken") && event.newValue !== state.customerToken) {
    becomeCustomer(event.newValue);
    void run(openSession);
  } else if (event.key === storage.key("sessionToken") && state.mode === "guest" && event.newValue !== state.token) {
    resetSessionView();
    state.token = event.newValue;
    void run(openSession);
  }
});

if (EMBEDDED) {
  // The body's own height (the document's scrollHeight never drops below the frame's height,
  // so a pane could grow but never shrink).
  const reportHeight = () =>
    window.parent.postMessage(
      { type: `${MESSAGE}:height`, site: SITE_KEY, height: document.body.getBoundingClientRect().height },
      location.origin,
    );
  new ResizeObserver(reportHeight).observe(document.body);
}

void boot();
