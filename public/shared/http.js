// Small helpers shared by the demo storefront and the dashboard: fetch with problem+json
// errors (the dashboard's analytics calls; the storefront calls the API through
// crosscart-client.js), an escaping HTML template tag, and money/number formatting.

/** An answer of the API that is not a success: its RFC 9457 problem (code, detail, status). */
export class ApiError extends Error {
  constructor(status, problem, response) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = problem?.code ?? `HTTP_${status}`;
    this.detail = problem?.detail ?? "";
    this.problem = problem ?? {};
    this.retryAfter = Number(response?.headers.get("retry-after")) || undefined;
  }
}

/** The API could not be reached at all (server down, network gone, CORS). */
export class NetworkError extends Error {
  constructor(cause) {
    super("The API could not be reached");
    this.name = "NetworkError";
    this.cause = cause;
  }
}

const TIMEOUT_MS = 15_000;

/**
 * fetch() a JSON endpoint. Resolves `{ status, body, headers }` for 2xx; rejects with ApiError
 * (4xx/5xx, body parsed as problem+json when it is one) or NetworkError.
 */
export async function request(url, { method = "GET", headers = {}, body, cache } = {}) {
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS) };
  if (cache) init.cache = cache;
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new NetworkError(error);
  }
  const type = response.headers.get("content-type") ?? "";
  let parsed = null;
  if (type.includes("json")) {
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    // A gateway in front of a stopped server answers 502/503/504 without a problem body.
    if (!parsed && response.status >= 502) throw new NetworkError(new Error(`HTTP ${response.status}`));
    throw new ApiError(response.status, parsed, response);
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

// ── HTML ───────────────────────────────────────────────────────────────────────

class Raw {
  constructor(value) {
    this.value = value;
  }
  toString() {
    return this.value;
  }
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (value) => String(value).replace(/[&<>"']/g, (ch) => ESCAPES[ch]);

function fragment(value) {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Raw) return value.value;
  if (Array.isArray(value)) return value.map(fragment).join("");
  return escapeHtml(value);
}

/** Tagged template: interpolations are escaped, nested html`` and arrays of them are kept. */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, index) => {
    out += fragment(value) + strings[index + 1];
  });
  return new Raw(out);
}

/** Trusted markup (only for strings this code built itself). */
export const raw = (value) => new Raw(value);

// ── Formatting ─────────────────────────────────────────────────────────────────

const moneyFormats = new Map();
/** Minor units → "$189.00". */
export function money(minor, currency = "USD") {
  if (minor === null || minor === undefined) return "—";
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat("en-US", { style: "currency", currency });
    moneyFormats.set(currency, format);
  }
  return format.format(minor / 100);
}

export const count = (value) => (value === null || value === undefined ? "—" : value.toLocaleString("en-US"));

/** A 0–1 fraction → "12.5 %", or "—" when the API says null (nothing to divide by). */
export const percent = (value) =>
  value === null || value === undefined
    ? "—"
    : `${(value * 100).toLocaleString("en-US", { maximumFractionDigits: 1 })} %`;

/** Reads `#token=…` from the URL fragment and removes it from the address bar. */
export function takeTokenFromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  if (token) history.replaceState(null, "", location.pathname + location.search);
  return token ?? "";
}
