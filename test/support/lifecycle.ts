// The session lifecycle as the tests drive it: the isolate's clock moved on (Date only, for
// the Worker and the session objects alike; timers run in real time), each object's alarm run
// when the test says, and what the object then holds.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { vi } from "vitest";
import type { SessionDoc } from "../../durable-objects/contract";
import { type Shopper, sessionStubOf } from "./sessions";

type Owner = Pick<Shopper, "address">;

/** Sets this isolate's clock (Date only) to `at`; `realTime()` gives it back. */
export function travelTo(at: number): void {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
  vi.setSystemTime(at);
}

export function realTime(): void {
  vi.useRealTimers();
}

export interface ObjectState {
  /** when the object's alarm is set for, or null */
  alarm: number | null;
  session: SessionDoc | undefined;
  /** the names of the documents it stores */
  documents: string[];
  /** outbox rows waiting to be sent */
  pending: number;
}

/** What the session's object holds now, and when it will wake. */
export function objectState(owner: Owner): Promise<ObjectState> {
  return runInDurableObject(sessionStubOf(owner), async (_instance, state) => {
    const sql = state.storage.sql;
    const documents = sql.exec<{ name: string; body: string }>("SELECT name, body FROM documents").toArray();
    const session = documents.find((doc) => doc.name === "session");
    return {
      alarm: await state.storage.getAlarm(),
      session: session ? (JSON.parse(session.body) as SessionDoc) : undefined,
      documents: documents.map((doc) => doc.name).sort(),
      pending: sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n,
    };
  });
}

/** Runs the object's alarm now, as the runtime would when it is due; false when none was set. */
export const wake = (owner: Owner) => runDurableObjectAlarm(sessionStubOf(owner));

/**
 * The wake-ups that follow a change (its send ~2 s later, the confirming send 30 s later), each
 * run at the time it is set for, as the runtime would, until the alarm is set for `until` or
 * later (or not at all). Returns the alarm then.
 */
export async function quietUntil(owner: Owner, until = Date.now() + 60_000): Promise<number | null> {
  for (let wakeUps = 0; ; wakeUps++) {
    const { alarm } = await objectState(owner);
    if (alarm === null || alarm >= until) return alarm;
    if (wakeUps > 5) throw new Error(`the alarm keeps waking before ${new Date(until).toISOString()}`);
    travelTo(alarm);
    await wake(owner);
  }
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the results in order. */
export async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Polls `check` until it is true, or fails after `timeoutMs`. A check that throws (a test
 * connection to Postgres timing out on a loaded machine) counts as not yet; its last error is
 * reported if time runs out, with what `diagnose` says of the state then.
 */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  { timeoutMs = 600_000, diagnose }: { timeoutMs?: number; diagnose?: () => Promise<string> } = {},
): Promise<void> {
  const started = performance.now();
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() - started > timeoutMs) {
      // What the state was, so a failure says where things stopped (the objects, the queue, Postgres).
      const detail = diagnose ? await diagnose().catch((error: unknown) => `(diagnosis failed: ${error})`) : "";
      throw new Error(`not in time: ${what}${detail ? `; ${detail}` : ""}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
