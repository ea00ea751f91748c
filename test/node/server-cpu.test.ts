// The bench's server CPU (scripts/lib/server-cpu.ts): the CPU time of the processes it started,
// by part of the stack, and none of its own.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cpuSpent, stackCpu } from "../../scripts/lib/server-cpu.ts";

/** Keeps this process busy until it has spent `ms` of CPU time (user and system). */
function spinFor(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    for (let i = 0; i < 100_000; i++);
    const spent = process.cpuUsage(start);
    if (spent.user + spent.system >= ms * 1000) return;
  }
}

/**
 * A child that spends `ms` of CPU time (however long that takes on a loaded host), named like
 * the WebSocket proxy so it counts as "proxy".
 */
function busyChild(ms: number): Promise<void> {
  const script = `${spinFor}; spinFor(${ms}); // ws-proxy`;
  const child = spawn(process.execPath, ["-e", script, "ws-proxy"], { stdio: "ignore" });
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

describe.runIf(process.platform === "linux")("server CPU", () => {
  it("does not count the bench's own CPU time (autocannon runs in it)", () => {
    const before = stackCpu() ?? {};
    // 300 ms of this process' own CPU time, however long the host lets that take (on a loaded
    // VM, 300 ms of wall time can be far less CPU time)
    spinFor(300);
    const spent = Object.values(cpuSpent(before, stackCpu() ?? {})).reduce((sum, ms) => sum + ms, 0);
    expect(spent).toBeLessThan(100);
  });

  it("counts a child's CPU time under its part of the stack", async () => {
    const before = stackCpu() ?? {};
    let exited = false;
    const running = busyChild(600).then(() => {
      exited = true;
    });
    // Read while it runs (once exited, its time is its parent's, this test's own): the most seen.
    let seen = 0;
    while (!exited) {
      seen = Math.max(seen, cpuSpent(before, stackCpu() ?? {}).proxy ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await running;
    expect(seen).toBeGreaterThan(300);
    expect(seen).toBeLessThan(1_000);
  });
});
