// The isolate cache's single flight: concurrent calls that miss the same key wait for one load
// (in the bench, a hundred session objects adding the same product each opened a connection),
// and a stale entry has one refresh at a time.
import { describe, expect, it, vi } from "vitest";
import { IsolateCache, NotCached, RETRY_AFTER_MS, UNANSWERED_REFRESH_MS } from "../../../src/lib/isolate-cache";

const later = <T>(value: T, ms = 20) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe("IsolateCache single flight", () => {
  it("a hundred concurrent misses of one key make one load, and all get its value", async () => {
    const cache = new IsolateCache<number>(60_000);
    const calls: string[][] = [];
    const load = async (keys: string[]) => {
      calls.push(keys);
      return later(new Map(keys.map((key) => [key, 42] as [string, number])));
    };
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.getMany(["p"], load)));
    expect(calls).toEqual([["p"]]);
    expect(results.every((values) => values.get("p") === 42)).toBe(true);
  });

  it("a call joins the keys being loaded and loads only the others itself", async () => {
    const cache = new IsolateCache<string>(60_000);
    const calls: string[][] = [];
    const load = async (keys: string[]) => {
      calls.push(keys);
      return later(new Map(keys.map((key) => [key, `v-${key}`] as [string, string])));
    };
    const [first, second] = await Promise.all([cache.getMany(["a"], load), cache.getMany(["a", "b"], load)]);
    expect(calls).toEqual([["a"], ["b"]]);
    expect(first.get("a")).toBe("v-a");
    expect([...second.entries()].sort()).toEqual([
      ["a", "v-a"],
      ["b", "v-b"],
    ]);
  });

  it("when the load it joined fails, a call loads for itself; a failure reaches only its own caller", async () => {
    const cache = new IsolateCache<number>(60_000);
    let attempts = 0;
    const load = async (keys: string[]) => {
      attempts++;
      if (attempts === 1) {
        await later(undefined);
        throw new Error("postgres unreachable");
      }
      return new Map(keys.map((key) => [key, 7] as [string, number]));
    };
    const [failed, joined] = await Promise.allSettled([cache.getMany(["p"], load), cache.getMany(["p"], load)]);
    expect(failed.status).toBe("rejected");
    expect(joined).toEqual({ status: "fulfilled", value: new Map([["p", 7]]) });
    expect(attempts).toBe(2);
  });

  it("a cache-only look that finds nothing still says so (NotCached) to a call that joined it", async () => {
    const cache = new IsolateCache<number>(60_000);
    const cacheOnly = async (): Promise<Map<string, number>> => {
      await later(undefined, 5);
      throw new NotCached();
    };
    const results = await Promise.allSettled([cache.getMany(["p"], cacheOnly), cache.getMany(["p"], cacheOnly)]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
  });
});

describe("IsolateCache refresh of a stale entry", () => {
  /** A load that answers when told to (or fails), counting its calls. */
  function controlledLoad() {
    const pending: Array<{ resolve: (value: number) => void; reject: (error: Error) => void }> = [];
    const load = (keys: string[]) =>
      new Promise<Map<string, number>>((resolve, reject) => {
        pending.push({
          resolve: (value) => resolve(new Map(keys.map((key) => [key, value] as [string, number]))),
          reject,
        });
      });
    return { load, pending };
  }

  it("no second refresh starts while one is unanswered, however slow; a failed one is retried RETRY_AFTER_MS after it began", async () => {
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: start });
    try {
      const cache = new IsolateCache<number>(1_000);
      cache.set("p", 1, start);
      vi.setSystemTime(start + 2_000); // past the TTL
      const { load, pending } = controlledLoad();
      // The first caller claims the refresh, waits REFRESH_WAIT_MS for it, then takes the copy.
      expect((await cache.getMany(["p"], load)).get("p")).toBe(1);
      expect(pending).toHaveLength(1);
      // Long past RETRY_AFTER_MS, the refresh still runs (an overloaded isolate): no second one.
      vi.setSystemTime(start + 2_000 + RETRY_AFTER_MS + 2_000);
      expect((await cache.getMany(["p"], load)).get("p")).toBe(1);
      expect(pending).toHaveLength(1);
      // It answers after all: stored, and served fresh.
      pending[0]?.resolve(2);
      await vi.waitFor(() => expect(cache.get("p")).toBe(2));

      // Stale again; this refresh fails: the next caller RETRY_AFTER_MS after it began tries again.
      const failedAt = Date.now() + 2_000;
      vi.setSystemTime(failedAt);
      const refreshing = cache.getMany(["p"], load);
      pending[1]?.reject(new Error("postgres unreachable"));
      expect((await refreshing).get("p")).toBe(2);
      vi.setSystemTime(failedAt + RETRY_AFTER_MS - 1);
      await cache.getMany(["p"], load);
      expect(pending).toHaveLength(2);
      vi.setSystemTime(failedAt + RETRY_AFTER_MS);
      void cache.getMany(["p"], load);
      expect(pending).toHaveLength(3);

      // One that never answers (Postgres frozen) holds its claim for UNANSWERED_REFRESH_MS only.
      vi.setSystemTime(failedAt + RETRY_AFTER_MS + UNANSWERED_REFRESH_MS - 1);
      void cache.getMany(["p"], load);
      expect(pending).toHaveLength(3);
      vi.setSystemTime(failedAt + RETRY_AFTER_MS + UNANSWERED_REFRESH_MS);
      void cache.getMany(["p"], load);
      expect(pending).toHaveLength(4);
    } finally {
      vi.useRealTimers();
    }
  });
});
