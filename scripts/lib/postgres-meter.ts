// What the bench and the resilience run read from Postgres about its own load: whether
// background replication has finished (no client connection for a while) and how many sessions
// (connections) have been opened so far. One long-lived connection does both, so the meter's
// own connections never show up in what it measures (the resilience checks query through it too).
import pg from "pg";

export class PostgresMeter {
  readonly client: pg.Client;

  private constructor(client: pg.Client) {
    this.client = client;
  }

  static async open(databaseUrl: string): Promise<PostgresMeter> {
    const client = new pg.Client({ connectionString: databaseUrl });
    client.on("error", () => undefined);
    await client.connect();
    return new PostgresMeter(client);
  }

  /**
   * Sessions opened on the whole server since its start (`pg_stat_database.sessions`, Postgres
   * ≥ 14). A backend's count is flushed by 1 s after it starts or when it exits, so read it once
   * the connections to be counted have closed (after settle()).
   */
  async sessionsOpened(): Promise<number> {
    const { rows } = await this.client.query<{ n: string | null }>(
      "select sum(sessions)::text as n from pg_stat_database",
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** The single number `query` answers (a count or a sum), e.g. the rows a scenario changed. */
  async count(query: string): Promise<number> {
    const { rows } = await this.client.query<Record<string, string | number | null>>(query);
    const [value] = Object.values(rows[0] ?? {});
    return Number(value ?? 0);
  }

  /** client connections other than the meter's own */
  async clientConnections(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()",
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Waits until Postgres has had no other client connection for `quietMs` (background
   * replication done), at most `maxMs`; resolves with how long it waited and whether it settled.
   * The default quiet time outlasts a session's outbox window (FLUSH_DELAY_MS, 5 s, in
   * durable-objects/scheduler.ts) plus the queue's batch window (1 s): a shorter one can fall
   * between a change and its send, and leave that replication to the next scenario.
   */
  async settle(maxMs: number, quietMs = 7_000): Promise<{ waitedMs: number; settled: boolean }> {
    const started = Date.now();
    let quietSince: number | undefined;
    while (Date.now() - started < maxMs) {
      quietSince = (await this.clientConnections()) > 0 ? undefined : (quietSince ?? Date.now());
      if (quietSince !== undefined && Date.now() - quietSince >= quietMs) {
        return { waitedMs: Date.now() - started, settled: true };
      }
      await new Promise((done) => setTimeout(done, 200));
    }
    return { waitedMs: Date.now() - started, settled: false };
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
