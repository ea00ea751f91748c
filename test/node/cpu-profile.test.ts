// The bench's profile summary (BENCH_PROFILE=1): a sample that arrives long after the one
// before must not hand the whole gap to whatever V8 happened to sample next.
import { describe, expect, it } from "vitest";
import { type CpuProfile, SAMPLING_INTERVAL_US, summarize } from "../../scripts/lib/cpu-profile.ts";

const frame = (functionName: string, url = "index.js", lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});

/** Nodes: 1 idle, 2 `work` (line 10), 3 `small` (line 20); samples with their deltas in µs. */
function profile(samples: [node: number, deltaUs: number][]): CpuProfile {
  const timeDeltas = samples.map(([, delta]) => delta);
  return {
    nodes: [
      { id: 1, callFrame: frame("(idle)", "") },
      { id: 2, callFrame: frame("work", "index.js", 10) },
      { id: 3, callFrame: frame("small", "index.js", 20) },
    ],
    startTime: 0,
    endTime: timeDeltas.reduce((sum, delta) => sum + delta, 0),
    samples: samples.map(([node]) => node),
    timeDeltas,
  };
}

describe("CPU profile summary", () => {
  it("a stall is reported apart, not as the self time of the function sampled after it", () => {
    const work = Array.from({ length: 100 }, (): [number, number] => [2, SAMPLING_INTERVAL_US]);
    const summary = summarize(profile([...work, [3, 50_000]]), () => "src/x.ts");

    expect(summary.stalledMs).toBeCloseTo(50 - SAMPLING_INTERVAL_US / 1000);
    expect(summary.busyMs).toBeCloseTo(10 + SAMPLING_INTERVAL_US / 1000);
    expect(summary.functions.map((share) => share.name)).toEqual(["work src/x.ts:11", "small src/x.ts:21"]);
    expect(summary.functions[1]?.ms).toBeCloseTo(SAMPLING_INTERVAL_US / 1000);
  });

  it("a long gap before an idle sample is idle time, neither busy nor stalled", () => {
    const summary = summarize(
      profile([
        [2, SAMPLING_INTERVAL_US],
        [1, 80_000],
      ]),
      () => "src/x.ts",
    );
    expect(summary.stalledMs).toBe(0);
    expect(summary.busyMs).toBeCloseTo(SAMPLING_INTERVAL_US / 1000);
    expect(summary.wallMs).toBeCloseTo(80.1);
  });
});
