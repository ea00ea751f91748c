/**
 * A small TTL cache meant to live at module scope: it holds plain data for the lifetime of
 * an isolate so hot-path reads (catalog, companies, sites) skip Postgres. Entries are
 * bounded in number and age; stale data lives at most `ttlMs`.
 */
export class IsolateCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 5_000,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, ttlMs = this.ttlMs, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: dropping the first key evicts the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: now + ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Returns the cached value or loads, caches and returns it (misses are cached for `missTtlMs`). */
  async getOrLoad(key: string, load: () => Promise<V>, missTtlMs?: number, isMiss?: (value: V) => boolean): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const value = await load();
    this.set(key, value, isMiss?.(value) && missTtlMs !== undefined ? missTtlMs : this.ttlMs);
    return value;
  }
}
