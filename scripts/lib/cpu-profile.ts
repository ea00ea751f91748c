// CPU profiles of the local runtime: the Worker and its Durable Objects run in one workerd
// isolate, which `wrangler dev` exposes over the Chrome DevTools protocol on its inspector
// port. `npm run bench` with BENCH_PROFILE=1 records one profile per scenario (the measured run
// only) and summarizes where the isolate's CPU time went, by function and by source module.
import { readFile } from "node:fs/promises";
import WebSocket from "ws";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
/** V8's `Profiler.Profile`: sampled call-tree nodes, and which node each sample hit when. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The sampling interval asked of V8 (CpuProfiler.connect), in µs. */
export const SAMPLING_INTERVAL_US = 100;
/**
 * A sample that comes this long after the one before means the thread could not be sampled
 * meanwhile. V8 gives the whole gap to whatever it samples next: one 105 ms gap once made a
 * two-line function look like 2 % of the run. So a sample counts for one interval, and the rest
 * of its gap is reported as unsampled (stalledMs), unless the isolate was idle.
 */
const STALL_US = 10 * SAMPLING_INTERVAL_US;

export interface CpuShare {
  name: string;
  ms: number;
  /** of the isolate's busy time (samples outside "(idle)") */
  percent: number;
}

export interface CpuSummary {
  wallMs: number;
  busyMs: number;
  /**
   * Time between samples beyond STALL_US while the isolate was not idle: the sampler (which
   * needs a core too) or the isolate waited for one, or the isolate was blocked in native code.
   * Not in busyMs.
   */
  stalledMs: number;
  /** self time by function ("name module:line") */
  functions: CpuShare[];
  /** self time by source module of the bundle (src/…, node_modules/<package>) or V8 category */
  modules: CpuShare[];
}

/** One DevTools-protocol session with the Worker's isolate. */
export class CpuProfiler {
  private nextId = 1;
  private readonly pending = new Map<number, (message: { result?: unknown; error?: { message: string } }) => void>();

  private readonly socket: WebSocket;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
    });
  }

  /** Connects to the first target wrangler's inspector lists (the user Worker). */
  static async connect(inspectorPort: number): Promise<CpuProfiler> {
    const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as {
      webSocketDebuggerUrl?: string;
    }[];
    const url = targets.find((target) => target.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
    if (!url) throw new Error(`the inspector on port ${inspectorPort} lists no Worker to profile`);
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const profiler = new CpuProfiler(socket);
    await profiler.send("Profiler.enable");
    // 100 µs: fine enough for a request of a few milliseconds, cheap enough not to skew it much.
    await profiler.send("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
    return profiler;
  }

  start(): Promise<unknown> {
    return this.send("Profiler.start");
  }

  async stop(): Promise<CpuProfile> {
    return ((await this.send("Profiler.stop")) as { profile: CpuProfile }).profile;
  }

  close(): void {
    this.socket.close();
  }

  private send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (message) =>
        message.error ? reject(new Error(`${method}: ${message.error.message}`)) : resolve(message.result),
      );
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }
}

/**
 * The module each line of an esbuild bundle came from: esbuild heads every module's code with
 * a `// path/to/module.ts` comment, so a line belongs to the last such comment above it.
 */
export async function bundleModules(bundlePath: string): Promise<(line: number) => string> {
  const lines = (await readFile(bundlePath, "utf8")).split("\n");
  const starts: { line: number; module: string }[] = [];
  for (const [index, text] of lines.entries()) {
    const match = /^\/\/ ((?:src|durable-objects|node_modules)\/\S+)$/.exec(text);
    if (match?.[1]) starts.push({ line: index, module: packageOf(match[1]) });
  }
  return (line) => {
    let low = 0;
    let high = starts.length - 1;
    let found = "(bundle)";
    while (low <= high) {
      const middle = (low + high) >> 1;
      const start = starts[middle] as { line: number; module: string };
      if (start.line <= line) {
        found = start.module;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  };
}

/** `node_modules/.pnpm/…/node_modules/@scope/pkg/x.js` → `@scope/pkg`; our own files stay whole. */
function packageOf(path: string): string {
  const inModules = path.split("node_modules/").at(-1) ?? path;
  if (!path.startsWith("node_modules/")) return path;
  const parts = inModules.split("/");
  return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? inModules);
}

/** Self time per function and per module, largest first, as shares of the isolate's busy time. */
export function summarize(profile: CpuProfile, moduleOf: (line: number) => string, top = 15): CpuSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let stalledUs = 0;
  profile.samples.forEach((nodeId, index) => {
    let us = profile.timeDeltas[index] ?? 0;
    if (us > STALL_US && byId.get(nodeId)?.callFrame.functionName !== "(idle)") {
      stalledUs += us - SAMPLING_INTERVAL_US;
      us = SAMPLING_INTERVAL_US;
    }
    selfUs.set(nodeId, (selfUs.get(nodeId) ?? 0) + us);
  });
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let busyUs = 0;
  for (const [nodeId, us] of selfUs) {
    const frame = byId.get(nodeId)?.callFrame;
    if (!frame || frame.functionName === "(idle)") continue;
    busyUs += us;
    // V8's own categories: "(program)" (the runtime outside JS), "(garbage collector)", "(root)".
    const module = frame.url ? moduleOf(frame.lineNumber) : frame.functionName || "(native)";
    const name = `${frame.functionName || "(anonymous)"} ${module}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    modules.set(module, (modules.get(module) ?? 0) + us);
  }
  const shares = (totals: Map<string, number>) =>
    [...totals.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, percent: busyUs ? (100 * us) / busyUs : 0 }));
  return {
    wallMs: (profile.endTime - profile.startTime) / 1000,
    busyMs: busyUs / 1000,
    stalledMs: stalledUs / 1000,
    functions: shares(functions),
    modules: shares(modules),
  };
}

export function renderSummary(scenario: string, summary: CpuSummary): string {
  const busy = summary.wallMs ? (100 * summary.busyMs) / summary.wallMs : 0;
  const stalled = summary.wallMs ? (100 * summary.stalledMs) / summary.wallMs : 0;
  const table = (title: string, shares: CpuShare[]) => [
    `| ${title} | ms | % of busy |`,
    "| --- | ---: | ---: |",
    ...shares.map((share) => `| \`${share.name}\` | ${share.ms.toFixed(0)} | ${share.percent.toFixed(1)} |`),
  ];
  return [
    `### ${scenario}`,
    "",
    `The isolate was busy ${summary.busyMs.toFixed(0)} ms of ${summary.wallMs.toFixed(0)} ms (${busy.toFixed(0)} %), and unsampled ${summary.stalledMs.toFixed(0)} ms (${stalled.toFixed(0)} %: gaps over 1 ms between samples, while the sampler or the isolate waited for one of the busy cores or the isolate was blocked in native code; not in the tables, which share out the sampled time).`,
    "",
    ...table("Module (self time)", summary.modules),
    "",
    ...table("Function (self time)", summary.functions),
    "",
  ].join("\n");
}
