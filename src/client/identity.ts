// Who the client acts as: an anonymous shopper (the session token the API issued, kept in
// storage per site) or a signed-in customer (their JWT). Both are read from storage on every
// use, so a token another tab of the same site stored is followed.

/** The part of the Web Storage API the client uses (localStorage, sessionStorage, or your own). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A Map behind the Storage API: the default where there is no localStorage (Workers, Node, SSR). */
export function memoryStorage(): StorageLike {
  const values = new Map<string, string>();
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
    removeItem: (key) => void values.delete(key),
  };
}

export function defaultStorage(): StorageLike {
  try {
    // Reading the property itself throws in sandboxed frames and with cookies blocked.
    const local = (globalThis as { localStorage?: StorageLike }).localStorage;
    if (local) return local;
  } catch {
    // fall through to memory: the session then lasts as long as the page
  }
  return memoryStorage();
}

export interface IdentityOptions {
  companyId: string;
  siteId: string;
  storage: StorageLike;
  storagePrefix: string;
}

export function createIdentity({ companyId, siteId, storage, storagePrefix }: IdentityOptions) {
  // A storage that refuses (quota, private mode) must not break the shop: this copy carries on.
  const fallback = memoryStorage();
  const read = (name: string): string | null => {
    try {
      return storage.getItem(storagePrefix + name);
    } catch {
      return fallback.getItem(name);
    }
  };
  const write = (name: string, value: string | null) => {
    if (value) fallback.setItem(name, value);
    else fallback.removeItem(name);
    try {
      if (value) storage.setItem(storagePrefix + name, value);
      else storage.removeItem(storagePrefix + name);
    } catch {
      // kept in the fallback copy above
    }
  };

  return {
    companyId,
    siteId,
    /** Storage keys, for a page that listens to `storage` events of other tabs. */
    keys: { sessionToken: `${storagePrefix}sessionToken`, customerToken: `${storagePrefix}customerToken` },
    get sessionToken(): string | null {
      return read("sessionToken");
    },
    set sessionToken(token: string | null) {
      write("sessionToken", token);
    },
    get customerToken(): string | null {
      return read("customerToken");
    },
    set customerToken(token: string | null) {
      write("customerToken", token);
    },
    get isCustomer(): boolean {
      return Boolean(read("customerToken"));
    },
    /** The storefront's own headers: enough for the site, shared views and claiming a code. */
    storefrontHeaders(): Record<string, string> {
      return { "x-company-id": companyId, "x-site-id": siteId };
    },
    /** The current shopper's headers: the customer's JWT, else the storefront's and the session token. */
    shopperHeaders(): Record<string, string> {
      const customer = read("customerToken");
      if (customer) return { authorization: `Bearer ${customer}`, "x-site-id": siteId };
      const token = read("sessionToken");
      return { ...this.storefrontHeaders(), ...(token ? { "x-session-token": token } : {}) };
    },
    /** `/api/cart` for a customer, `/api/public/cart` for an anonymous session (and so on). */
    prefix(module: "cart" | "wishlist" | "comparison" | "session"): string {
      if (read("customerToken")) return module === "session" ? "/api/cross-site-session" : `/api/${module}`;
      return `/api/public/${module}`;
    },
  };
}

export type Identity = ReturnType<typeof createIdentity>;
