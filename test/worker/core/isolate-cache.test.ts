// The isolate cache's single flight: concurrent calls that miss the same key wait for one load
// (in the bench, a hundred session objects adding the same product each opened a connection).
import { describe, expect, it } from "vitest";
import { IsolateCache, NotCached } from "../../../src/lib/isolate-cache";

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
