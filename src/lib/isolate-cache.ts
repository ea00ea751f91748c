import { createLogger } from "./logger";
import { settleWithin } from "./settle-within";

/** How long past its TTL an entry may still be served when it cannot be refreshed (stale-if-error). */
export const MAX_STALE_MS = 24 * 60 * 60_000;
/** How long a refresh of an entry that has a stale copy may hold its caller; then the copy is served. */
export const REFRESH_WAIT_MS = 1_500;
/** A refresh attempt of an entry that failed is followed by the next one this long after it began. */
export const RETRY_AFTER_MS = 5_000;
/**
 * A refresh still unanswered holds its claim this long: no second one starts meanwhile. On an
 * overloaded isolate a refresh can take longer than RETRY_AFTER_MS and still succeed, and a
 * second connection would only add to the load (the bench saw up to nine in a 12 s run); one
 * that hangs (Postgres frozen) is given up on after this. Past the pool's connect timeout
 * (CONNECT_TIMEOUT_MS, 10 s), so a refresh that cannot connect fails before its claim ends.
 */
export const UNANSWERED_REFRESH_MS = 15_000;

/** Thrown by a loader that may only read the cache: no refresh was attempted, nothing failed. */
export class NotCached extends Error {}

interface Entry<V> {
  value: V;
  expiresAt: number;
  staleUntil: number;
  /** Past its TTL, the next caller from this time on refreshes it; until then the stale value serves. */
  refreshAt: number;
}

type Lookup<V> = { state: "fresh" | "stale" | "refresh"; value: V } | { state: "missing" };

// No I/O: the logger only writes lines.
const log = createLogger({ component: "isolate-cache" });

/**
 * A small TTL cache meant to live at module scope: it holds plain data for the lifetime of
 * an isolate so hot-path reads (catalog, companies, sites) skip Postgres. Entries are
 * bounded in number and age; a full cache drops its least recently used entry. A `null` value
 * means "not found" and lives `missTtlMs`; with `maxMisses`, misses are kept apart under their
 * own bound, so that misses (which anyone can mint by asking for made-up keys) only ever push
 * out other misses, never a value.
 *
 * Stale-while-revalidate and stale-if-error: past its TTL an entry is kept for up to
 * `maxStaleMs`. The first caller to find it stale refreshes it, waiting at most
 * REFRESH_WAIT_MS; everyone else meanwhile gets the stale value at once. A refresh that fails
 * or is slow logs one warning and leaves the stale value in service. No second refresh of an
 * entry starts while one is unanswered (for up to UNANSWERED_REFRESH_MS; a slow one that
 * completes is stored); after a failure the next attempt comes RETRY_AFTER_MS after it began. Only a
 * value never loaded (or older than `maxStaleMs` past its TTL) makes the caller wait for
 * Postgres and fail with it.
 */
export class IsolateCache<V> {
  /** Values (and misses, without `maxMisses`), least recently used first. */
  private readonly entries = new Map<string, Entry<V>>();
  /** With `maxMisses`: the `null` entries, least recently used first. */
  private readonly misses = new Map<string, Entry<V>>();
  /**
   * Keys being loaded for the first time, and the load that will answer them: a hundred calls
   * that miss the same key at once wait for one query, not a hundred (each was a connection).
   */
  private readonly loading = new Map<string, Promise<unknown>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 5_000,
    private readonly options: { name?: string; missTtlMs?: number; maxStaleMs?: number; maxMisses?: number } = {},
  ) {}

  /** The fresh value, or undefined. */
  get(key: string, now = Date.now()): V | undefined {
    const entry = this.touch(key);
    return entry && entry.expiresAt > now ? entry.value : undefined;
  }

  set(key: string, value: V, now = Date.now()): void {
    this.delete(key);
    const isMiss = value === null && this.options.maxMisses !== undefined;
    const map = isMiss ? this.misses : this.entries;
    const bound = isMiss ? (this.options.maxMisses ?? 0) : this.maxEntries;
    if (map.size >= bound) {
      // Maps iterate in insertion order and a read re-inserts its key: the first key is the least recently used.
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    const ttl = value === null && this.options.missTtlMs !== undefined ? this.options.missTtlMs : this.ttlMs;
    const expiresAt = now + ttl;
    const staleUntil = expiresAt + (this.options.maxStaleMs ?? MAX_STALE_MS);
    map.set(key, { value, expiresAt, staleUntil, refreshAt: expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
    this.misses.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.misses.clear();
  }

  /** The entry of `key`, moved to the most recently used end of its map. */
  private touch(key: string): Entry<V> | undefined {
    for (const map of [this.entries, this.misses]) {
      const entry = map.get(key);
      if (entry) {
        map.delete(key);
        map.set(key, entry);
        return entry;
      }
    }
    return undefined;
  }

  /** The cached value, loading it when missing; see getMany. */
  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const values = await this.getMany([key], async () => new Map([[key, await load()]]));
    return values.get(key) as V;
  }

  /**
   * The values of `keys`: what the cache holds, and one call of `load` (which answers every
   * key it is given) for the missing ones and the stale ones due for a refresh. Throws only
   * when a key with no usable copy cannot be loaded, or NotCached from a cache-only loader.
   */
  async getMany(keys: Iterable<string>, load: (keys: string[]) => Promise<Map<string, V>>): Promise<Map<string, V>> {
    const now = Date.now();
    const values = new Map<string, V>();
    const stale = new Map<string, V>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const found = this.lookup(key, now);
      if (found.state === "missing") missing.push(key);
      else if (found.state === "refresh") stale.set(key, found.value);
      else values.set(key, found.value);
    }
    if (stale.size === 0 && missing.length === 0) return values;

    // A missing key another call is loading right now: wait for that load, then look again.
    const joined = missing.filter((key) => this.loading.has(key));
    const own = missing.filter((key) => !this.loading.has(key));
    const others = joined.map((key) => this.loading.get(key));
    if (own.length > 0 || stale.size > 0) {
      const refresh = this.refresh([...stale.keys(), ...own], load, stale);
      for (const key of own) {
        this.loading.set(key, refresh.loading);
        const done = () => {
          if (this.loading.get(key) === refresh.loading) this.loading.delete(key);
        };
        refresh.loading.then(done, done);
      }
      if (own.length > 0) {
        for (const [key, value] of await refresh.loading) values.set(key, value);
      } else {
        const loaded = await refresh.within(REFRESH_WAIT_MS);
        for (const [key, value] of loaded ?? stale) values.set(key, value);
      }
    }
    if (joined.length > 0) {
      await Promise.allSettled(others);
      // What that load stored; a key it did not answer (it failed, or only read the cache) is
      // loaded by this call itself.
      for (const [key, value] of await this.getMany(joined, load)) values.set(key, value);
    }
    return values;
  }

  private lookup(key: string, now: number): Lookup<V> {
    const entry = this.touch(key);
    if (!entry || entry.staleUntil <= now) return { state: "missing" };
    if (entry.expiresAt > now) return { state: "fresh", value: entry.value };
    if (entry.refreshAt > now) return { state: "stale", value: entry.value };
    // Claimed: the others serve the stale value until this refresh stores a new one; if it
    // fails, refresh() moves the claim's end to RETRY_AFTER_MS after it began.
    entry.refreshAt = now + UNANSWERED_REFRESH_MS;
    return { state: "refresh", value: entry.value };
  }

  /**
   * One load of `keys`, of which `stale` have a copy to fall back on. The result is stored
   * whenever it arrives; a failure (or an answer slower than the caller's wait) is logged
   * once and leaves the stale copies in service.
   */
  private refresh(keys: string[], load: (keys: string[]) => Promise<Map<string, V>>, stale: Map<string, V>) {
    let warned = false;
    const warn = (error: unknown) => {
      if (warned || stale.size === 0) return;
      warned = true;
      log.warn("cache refresh failed; serving the last good copy", {
        cache: this.options.name,
        entries: stale.size,
        error,
      });
    };
    const began = Date.now();
    const loading = load(keys).then(
      (loaded) => {
        const now = Date.now();
        for (const [key, value] of loaded) this.set(key, value, now);
        return loaded;
      },
      (error: unknown) => {
        // A failed attempt keeps its claim until RETRY_AFTER_MS after it began; a cache-only
        // look attempted nothing and gives the claim back.
        const retryAt = error instanceof NotCached ? 0 : began + RETRY_AFTER_MS;
        for (const key of stale.keys()) {
          const entry = this.entries.get(key) ?? this.misses.get(key);
          // (unless a newer value was stored meanwhile)
          if (entry && entry.expiresAt <= began) entry.refreshAt = Math.min(entry.refreshAt, retryAt);
        }
        if (!(error instanceof NotCached)) warn(error);
        throw error;
      },
    );
    // Whoever stops waiting for it, the load runs on; its outcome is handled above.
    loading.catch(() => {});
    /** The loaded values, or undefined once `waitMs` passed or the load failed. */
    const within = (waitMs: number) =>
      settleWithin(loading, waitMs).then(
        (loaded) => {
          if (!loaded) warn(new Error(`no answer within ${waitMs} ms`));
          return loaded;
        },
        (error: unknown) => {
          if (error instanceof NotCached) throw error;
          return undefined;
        },
      );
    return { loading, within };
  }
}
