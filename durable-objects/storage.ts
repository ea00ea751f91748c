// The ShopperSession's SQLite storage: a few JSON documents (session, cart, and later the
// wishlist and comparison), the replication outbox and the idempotency records. Every
// method is synchronous, so a caller can compose them inside one `transactionSync`.
//
// The documents are also kept in memory, parsed (docs/design.md, 98):
// a read on the hot path costs neither a query nor a JSON.parse. The object is the single
// writer of its storage and every change to the documents table goes through this class, so
// the copy stays what SQLite holds; the one way SQLite moves back behind it is a transaction
// that rolls back, and UnitOfWork then calls `forgetCachedDocuments()`. A cached document is
// shared by every reader, so nobody may change one in place (build a new object and write it).

/**
 * Bounds of a session's Idempotency-Key records (docs/design.md, "Security"): a key is honoured
 * for 24 hours, or until this many newer keyed changes, or this many bytes of newer answers,
 * have displaced it. A cart answer is at most ~330 KB, so the last few always fit.
 */
export const MAX_IDEMPOTENCY_RECORDS = 100;
export const MAX_IDEMPOTENCY_BYTES = 1024 * 1024;

// The documents a session keeps, by name.
export const SESSION = "session";

/** a token object that only points at a customer's session */
export const LINK = "link";
export const WISHLIST = "wishlist";
/** a customer's cross-site tokens: digests, expiries, generation (never replicated) */
export const CROSS_SITE_TOKENS = "cross-site-tokens";
export const COMPARISON = "comparison";
/** the replication retry state */
export const REPLICATION = "replication";
/** after an erasure: the ids of the sessions erased here (privacy.ts), and nothing else */
export const ERASED = "erased";
/** after the lifecycle forgot the session: when, and nothing else (its token must not start it again) */
export const FORGOTTEN = "forgotten";
/** A name with an id in it has a `:` (only carts so far); the other names are the fixed ones above. */
export const cartDocName = (cartId: string) => `cart:${cartId}`;

/** Bump when the SQL below changes; `migrate()` brings older objects forward. */
const SCHEMA_VERSION = 1;

const MIGRATIONS: Record<number, string[]> = {
  1: [
    "CREATE TABLE documents (name TEXT PRIMARY KEY, body TEXT NOT NULL)",
    // One row per change to replicate; `resource` names the document that changed.
    "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, resource TEXT NOT NULL, version INTEGER NOT NULL, created_at INTEGER NOT NULL)",
    "CREATE TABLE idempotency (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL)",
    "CREATE INDEX idempotency_created_at ON idempotency (created_at)",
  ],
};

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** A cached "no such document": known absent until written. */
const ABSENT = Symbol("absent");

/**
 * Freezes a document and everything in it, so a change in place throws a TypeError (modules
 * run in strict mode) where it would otherwise make the cached copy differ from SQLite.
 */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export class SessionStorage {
  /**
   * The parsed documents by name, as SQLite holds them. Only documents that exist are kept,
   * plus "absent" for a fixed name (LINK, CODES… read on every call, mostly missing); never
   * for a name with an id, which may come from a request (a cart id): so it is never larger
   * than the documents table and a handful of fixed names.
   */
  private readonly documents = new Map<string, unknown>();

  /**
   * @param freezeDocuments deep-freeze what is cached, so a change in place fails loudly:
   * development and test only, as freezing walks every document on every write and read from
   * SQLite, CPU that production does not spend (its code is the tested code).
   */
  constructor(
    private readonly sql: SqlStorage,
    private readonly freezeDocuments = false,
  ) {}

  /**
   * Creates or upgrades the tables; called once per object start in `blockConcurrencyWhile`.
   * Each call into SQLite has a fixed cost, so statements are joined: one `exec` makes the
   * version table if it is missing (writing nothing otherwise) and reads the version (the
   * cursor answers for the last statement; no error to catch and match), and a new object's
   * whole schema is a second one. An object already up to date costs the first call only.
   */
  migrate(): void {
    const row = this.sql
      .exec<{ version: number }>(
        [
          "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
          "INSERT INTO schema_version (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)",
          "SELECT version FROM schema_version",
        ].join(";\n"),
      )
      .one();
    if (row.version < SCHEMA_VERSION) {
      const statements: string[] = [];
      for (let version = row.version + 1; version <= SCHEMA_VERSION; version += 1) {
        statements.push(...(MIGRATIONS[version] ?? []), `UPDATE schema_version SET version = ${version}`);
      }
      this.sql.exec(statements.join(";\n"));
    }
    // A migration may rewrite documents: nothing read before it stays.
    this.forgetCachedDocuments();
  }

  /** A stored document; shared with every other reader, so never to be changed in place. */
  read<T>(name: string): T | undefined {
    const cached = this.documents.get(name);
    if (cached === ABSENT) return undefined;
    if (cached !== undefined) return cached as T;
    const row = this.sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = ?", name).toArray()[0];
    if (row) return this.cache(name, JSON.parse(row.body) as T);
    if (!name.includes(":")) this.documents.set(name, ABSENT);
    return undefined;
  }

  /** Stores a document; `body` is what later reads return, so the caller must not change it afterwards. */
  write(name: string, body: unknown): void {
    this.sql.exec(
      "INSERT INTO documents (name, body) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body",
      name,
      JSON.stringify(body),
    );
    this.cache(name, body);
  }

  /**
   * Drops the documents kept in memory: the next reads come from SQLite. For a transaction
   * that rolled back (UnitOfWork), and for tests that edit SQLite behind the object's back.
   */
  forgetCachedDocuments(): void {
    this.documents.clear();
  }

  private cache<T>(name: string, document: T): T {
    this.documents.set(name, this.freezeDocuments ? deepFreeze(document) : document);
    return document;
  }

  /** The names of every document kept. */
  documentNames(): string[] {
    return this.sql
      .exec<{ name: string }>("SELECT name FROM documents")
      .toArray()
      .map((row) => row.name);
  }

  remove(name: string): void {
    this.sql.exec("DELETE FROM documents WHERE name = ?", name);
    this.documents.delete(name);
  }

  enqueue(resource: string, version: number, now: number): void {
    this.sql.exec("INSERT INTO outbox (resource, version, created_at) VALUES (?, ?, ?)", resource, version, now);
  }

  /** The pending changes, oldest first: `lastSeq` is what a successful flush may delete. */
  pending(): { resources: string[]; lastSeq: number } | undefined {
    const rows = this.sql
      .exec<{ resource: string; seq: number }>("SELECT resource, MAX(seq) AS seq FROM outbox GROUP BY resource")
      .toArray();
    if (rows.length === 0) return undefined;
    return { resources: rows.map((row) => row.resource), lastSeq: Math.max(...rows.map((row) => row.seq)) };
  }

  /** Deletes what a flush replicated; entries written meanwhile (higher seq) stay. */
  acknowledge(lastSeq: number): void {
    this.sql.exec("DELETE FROM outbox WHERE seq <= ?", lastSeq);
  }

  /** Whether a change to `resource` still waits to be replicated. */
  isPending(resource: string): boolean {
    return this.sql.exec("SELECT 1 FROM outbox WHERE resource = ? LIMIT 1", resource).toArray().length > 0;
  }

  outboxSize(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
  }

  findIdempotent(key: string): { fingerprint: string; response: StoredResponse } | undefined {
    const row = this.sql
      .exec<{ fingerprint: string; status: number; body: string }>(
        "SELECT fingerprint, status, body FROM idempotency WHERE key = ?",
        key,
      )
      .toArray()[0];
    return row && { fingerprint: row.fingerprint, response: { status: row.status, body: JSON.parse(row.body) } };
  }

  /**
   * Stores the answer to a keyed change, then keeps the session's records within their bounds:
   * the newest MAX_IDEMPOTENCY_RECORDS, and no more than MAX_IDEMPOTENCY_BYTES of answers
   * (newest first; the newest record always stays, whatever its size).
   */
  rememberIdempotent(key: string, fingerprint: string, response: StoredResponse, now: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO idempotency (key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?)",
      key,
      fingerprint,
      response.status,
      JSON.stringify(response.body),
      now,
    );
    this.sql.exec(
      `DELETE FROM idempotency WHERE rowid IN (
         SELECT rowid FROM (
           SELECT rowid, ROW_NUMBER() OVER newest AS position, SUM(length(CAST(body AS BLOB))) OVER newest AS bytes
           FROM idempotency WINDOW newest AS (ORDER BY created_at DESC, rowid DESC)
         ) WHERE position > ? OR (position > 1 AND bytes > ?))`,
      MAX_IDEMPOTENCY_RECORDS,
      MAX_IDEMPOTENCY_BYTES,
    );
  }

  /** Removes records older than `cutoff`; returns the oldest remaining record's time. */
  sweepIdempotency(cutoff: number): number | undefined {
    this.sql.exec("DELETE FROM idempotency WHERE created_at < ?", cutoff);
    return (
      this.sql.exec<{ oldest: number | null }>("SELECT MIN(created_at) AS oldest FROM idempotency").one().oldest ??
      undefined
    );
  }

  /** Forgets stored answers whose body contains `fragment` (an upgrade erasing what must not be kept). */
  forgetIdempotentContaining(fragment: string): void {
    this.sql.exec("DELETE FROM idempotency WHERE instr(body, ?) > 0", fragment);
  }

  /** Drops the live state (documents and idempotency); the outbox must be empty first. */
  clearLiveState(keep: string[]): void {
    const placeholders = keep.map(() => "?").join(", ");
    this.sql.exec(`DELETE FROM documents WHERE name NOT IN (${placeholders || "''"})`, ...keep);
    this.forgetCachedDocuments();
    this.sql.exec("DELETE FROM idempotency");
  }

  /**
   * Erases everything the object stores but `keep` — documents, pending changes, idempotency
   * records — and says how much there was (a data-subject erasure, privacy.ts).
   */
  eraseAll(keep: string[]): { documents: number; pendingChanges: number; idempotencyRecords: number } {
    const count = (table: string) => this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
    const documents = this.documentNames().filter((name) => !keep.includes(name)).length;
    const pendingChanges = count("outbox");
    const idempotencyRecords = count("idempotency");
    this.clearLiveState(keep);
    this.sql.exec("DELETE FROM outbox");
    return { documents, pendingChanges, idempotencyRecords };
  }
}
