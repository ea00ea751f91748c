// The bench's server CPU (scripts/lib/server-cpu.ts): the CPU time of the processes it started,
// by part of the stack, and none of its own.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cpuSpent, stackCpu } from "../../scripts/lib/server-cpu.ts";

/** A child that keeps a core busy for `ms`, named like the WebSocket proxy so it counts as "proxy". */
function busyChild(ms: number): Promise<void> {
  const script = `const end = Date.now() + ${ms}; while (Date.now() < end) {} // ws-proxy`;
  const child = spawn(process.execPath, ["-e", script, "ws-proxy"], { stdio: "ignore" });
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

describe.runIf(process.platform === "linux")("server CPU", () => {
  it("does not count the bench's own CPU time (autocannon runs in it)", () => {
    const before = stackCpu() ?? {};
    const ownBefore = process.cpuUsage();
    const end = Date.now() + 300;
    while (Date.now() < end) {}
    const spent = Object.values(cpuSpent(before, stackCpu() ?? {})).reduce((sum, ms) => sum + ms, 0);
    expect(process.cpuUsage(ownBefore).user / 1000).toBeGreaterThan(200);
    expect(spent).toBeLessThan(100);
  });

  it("counts a child's CPU time under its part of the stack", async () => {
    const before = stackCpu() ?? {};
    const running = busyChild(1_000);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const during = cpuSpent(before, stackCpu() ?? {});
    await running;
    expect(during.proxy).toBeGreaterThan(300);
    expect(during.proxy).toBeLessThan(1_000);
  });
});
