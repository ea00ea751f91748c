// Child process of `npm run bench` (started by bench-stack.ts): runs the local stack, so the
// WebSocket proxy's traffic does not share an event loop with autocannon's clock. Talks to
// the parent over IPC: sends {type:"ready", databaseUrl, wsProxy} or {type:"failed", message};
// stops on {type:"stop"}, on SIGINT/SIGTERM/SIGHUP (a Ctrl-C reaches it directly) and when the
// parent goes away, even killed (the IPC channel closes).
import { errorText } from "../../src/lib/error-fields.ts";
import type { BenchStackOptions, StackMessage } from "./bench-stack.ts";
import { type LocalStack, onShutdownSignal, startLocalStack } from "./local-stack.ts";

const options = JSON.parse(process.env.BENCH_STACK_OPTIONS ?? "{}") as BenchStackOptions;
const send = (message: StackMessage) => {
  if (process.connected) process.send?.(message);
};

let stack: LocalStack | undefined;
let starting = true;
let stopping: Promise<void> | undefined;

function stop(exitCode: number): Promise<void> {
  stopping ??= (async () => {
    // start-up finishes (or fails and cleans up after itself) before the stack can be stopped
    while (starting) await new Promise((done) => setTimeout(done, 50));
    try {
      await stack?.stop();
    } catch (error) {
      console.error(`[stack] stopping: ${errorText(error)}`);
      exitCode ||= 1;
    }
    process.exit(exitCode);
  })();
  return stopping;
}

onShutdownSignal(() => void stop(0));
process.on("message", (message: StackMessage) => {
  if (message.type === "stop") void stop(0);
});
process.on("disconnect", () => void stop(0));

try {
  stack = await startLocalStack({
    dataDir: options.dataDir,
    persistent: false,
    pgPort: options.pgPort,
    proxyPort: options.proxyPort,
    log: (line) => console.log(`[stack] ${line}`),
  });
  send({ type: "ready", databaseUrl: stack.databaseUrl, wsProxy: stack.wsProxy });
} catch (error) {
  send({ type: "failed", message: errorText(error) });
  starting = false;
  await stop(1);
}
starting = false;
