// The read-only view of a shared wishlist or comparison (what the company portal's
// /wishlist/{token} and /compare/{token} pages would show), from the public shared endpoints.
import { CrosscartError, createCrosscartClient } from "../shared/crosscart-client.js";
import { html, money } from "../shared/http.js";

const params = new URLSearchParams(location.search);
const kind = params.get("kind") === "comparison" ? "comparison" : "wishlist";
const siteKey = params.get("site") === "peak" ? "peak" : "trail";
const token = params.get("token") ?? "";
const app = document.getElementById("app");
document.body.dataset.site = siteKey;

async function load() {
  app.setAttribute("aria-busy", "true");
  try {
    const catalog = await (await fetch("catalog.json")).json();
    const site = catalog.sites[siteKey];
    document.getElementById("site-name").textContent = `${site.name}: shared ${kind}`;
    // A viewer has no session of its own: the shared view needs only the storefront's ids.
    const client = createCrosscartClient({ baseUrl: location.origin, companyId: catalog.companyId, siteId: site.id });
    const body = await client[kind].shared(token);
    app.innerHTML = String(kind === "wishlist" ? wishlistView(body) : comparisonView(body));
  } catch (error) {
    const message =
      error instanceof CrosscartError && error.code === "NETWORK_ERROR"
        ? "The API can't be reached."
        : error instanceof CrosscartError && error.code === "NOT_FOUND"
          ? "This link is not shared any more (or never was)."
          : error instanceof CrosscartError
            ? `${error.detail} (${error.status} ${error.code})`
            : String(error);
    app.innerHTML = String(html`<div class="alert error" role="alert"><p>${message}</p>
      <div class="actions"><button type="button" id="retry">Retry</button></div></div>`);
    document.getElementById("retry").addEventListener("click", load);
  } finally {
    app.setAttribute("aria-busy", "false");
  }
}

function wishlistView(body) {
  return html`<section class="section" aria-labelledby="h"><h2 id="h">Wishlist (${body.itemCount})</h2>
    <ol class="lines">${body.items.map(
      (
        item,
      ) => html`<li class="line"><div class="line-main"><span class="line-name">${item.product?.name ?? item.productId}</span>
        <span class="muted">${item.product ? money(item.product.price, item.product.currency) : ""}${item.note ? ` · “${item.note}”` : ""}</span></div>
        <span class="pill">priority ${item.priority}</span></li>`,
    )}</ol></section>`;
}

function comparisonView(body) {
  return html`<section class="section" aria-labelledby="h"><h2 id="h">Comparison (${body.products.length})</h2>
    <div class="table-scroll" role="region" aria-label="Comparison table" tabindex="0"><table>
      <thead><tr><th scope="col">Attribute</th>${body.products.map((p) => html`<th scope="col">${p.product?.name ?? p.productId}</th>`)}</tr></thead>
      <tbody>${body.attributes.map(
        (row) =>
          html`<tr><th scope="row">${row.key.replaceAll("_", " ")}</th>${row.values.map(
            (value) => html`<td>${value === null ? "—" : String(value)}</td>`,
          )}</tr>`,
      )}</tbody></table></div></section>`;
}

void load();
