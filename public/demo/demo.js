// The demo page: two storefront iframes side by side. It only wires them together: the
// customer token from `#token=` goes to both panes' sign-in fields, a transfer code made in
// one pane is handed to the other to claim, and each pane's status is mirrored in the sync bar.
// A transfer link (`?site=peak&crosscart_transfer=…`, the URL the API gives) opens that pane
// with the code.
const MESSAGE = "crosscart-demo";
const SITES = ["trail", "peak"];

const params = new URLSearchParams(location.search);
const hash = new URLSearchParams(location.hash.slice(1));
const token = hash.get("token") ?? "";
const transferSite = params.get("site");
const transferCode = params.get("crosscart_transfer");
if (token || transferCode) history.replaceState(null, "", location.pathname);

const frames = Object.fromEntries(SITES.map((site) => [site, document.getElementById(`frame-${site}`)]));
const statuses = {};

for (const site of SITES) {
  const src = new URLSearchParams({ site });
  if (transferCode && transferSite === site) src.set("crosscart_transfer", transferCode);
  frames[site].src = `store.html?${src}${token ? `#token=${encodeURIComponent(token)}` : ""}`;
}

window.addEventListener("message", (event) => {
  if (event.origin !== location.origin) return;
  const data = event.data;
  if (typeof data?.type !== "string" || !data.type.startsWith(`${MESSAGE}:`)) return;
  const from = SITES.find((site) => frames[site].contentWindow === event.source);
  if (!from) return;
  if (data.type === `${MESSAGE}:height`) {
    frames[from].style.height = `${Math.max(320, Math.ceil(data.height))}px`;
  } else if (data.type === `${MESSAGE}:transfer` && SITES.includes(data.to) && data.to !== from) {
    frames[data.to].contentWindow.postMessage({ type: `${MESSAGE}:claim`, code: data.code }, location.origin);
  } else if (data.type === `${MESSAGE}:status`) {
    statuses[from] = data;
    renderStatus();
  }
});

function renderStatus() {
  for (const site of SITES) {
    const s = statuses[site];
    const el = document.getElementById(`status-${site}`);
    if (!s) continue;
    const name = site === "trail" ? "Acme Trail" : "Acme Peak";
    const session = s.sessionId ? `session ${s.sessionId.slice(0, 8)}` : "no session";
    const phase = s.phase === "dead" ? " · ended" : "";
    el.textContent = `${name}: v${s.version || "–"} · ${s.live} · ${session}${phase} · cart ${s.cartItems}`;
    el.dataset.live = s.live;
  }
  const [a, b] = SITES.map((site) => statuses[site]);
  const same = document.getElementById("status-same");
  if (a?.sessionId && a.sessionId === b?.sessionId) {
    same.textContent = a.version === b.version ? "✓ same session, same version" : "same session, syncing…";
  } else {
    same.textContent = a?.sessionId && b?.sessionId ? "two separate sessions" : "";
  }
}
