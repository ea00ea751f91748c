/**
 * A small TTL cache meant to live at module scope: it holds plain data for the lifetime of
 * an isolate so hot-path reads (catalog, companies, sites) skip Postgres. Entries are
 * bounded in number and age.
 *
 * Stale-while-revalidate: past its TTL an entry is still kept for a while (`staleMs`). The
 * first caller to find it stale refreshes it; everyone else meanwhile gets the stale value at
 * once, so an expiry never sends every in-flight request to Postgres together. If the refresh
 * fails (Postgres down), the stale value is served and the next caller tries again.
 */
export class IsolateCache<V> {
  private readonly entries = new Map<
    string,
    { value: V; expiresAt: number; staleUntil: number; refreshing: boolean }
  >();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 5_000,
    private readonly staleMs = 60 * 60_000,
  ) {}

  /** The fresh value, or undefined. */
  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > now ? entry.value : undefined;
  }

  /**
   * What a reader may use: `fresh` values; `stale` ones (someone is already refreshing, or
   * `claim` is false); or `refresh` — the caller claimed the refresh and must call `set`
   * (or `release` on failure), getting the stale value to fall back on.
   */
  lookup(key: string, now = Date.now()): { state: "fresh" | "stale" | "refresh" | "missing"; value?: V } {
    const entry = this.entries.get(key);
    if (!entry || entry.staleUntil <= now) return { state: "missing" };
    if (entry.expiresAt > now) return { state: "fresh", value: entry.value };
    if (entry.refreshing) return { state: "stale", value: entry.value };
    entry.refreshing = true;
    return { state: "refresh", value: entry.value };
  }

  /** Gives up a claimed refresh (the load failed); the stale value stays. */
  release(key: string): void {
    const entry = this.entries.get(key);
    if (entry) entry.refreshing = false;
  }

  set(key: string, value: V, ttlMs = this.ttlMs, now = Date.now()): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: dropping the first key evicts the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: now + ttlMs, staleUntil: now + ttlMs + this.staleMs, refreshing: false });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** The cached value, loading it when missing; stale values are refreshed by one caller at a time. */
  async getOrLoad(key: string, load: () => Promise<V>, missTtlMs?: number, isMiss?: (value: V) => boolean): Promise<V> {
    const found = this.lookup(key);
    if (found.state === "fresh" || found.state === "stale") return found.value as V;
    try {
      const value = await load();
      this.set(key, value, isMiss?.(value) && missTtlMs !== undefined ? missTtlMs : this.ttlMs);
      return value;
    } catch (error) {
      if (found.state === "refresh") {
        this.release(key);
        return found.value as V;
      }
      throw error;
    }
  }
}
