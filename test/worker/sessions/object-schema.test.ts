// A session object's SQLite schema: a new object creates all of it in one call into SQLite
// (durable-objects/storage.ts, migrate), and starting an object already up to date changes nothing.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SessionStorage } from "../../../durable-objects/storage";
import { sessionStub } from "../../../src/session-client";

const schemaOf = (sql: SqlStorage) => ({
  objects: sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name",
    )
    .toArray()
    .map((row) => row.name),
  versions: sql
    .exec<{ version: number }>("SELECT version FROM schema_version")
    .toArray()
    .map((row) => row.version),
});

describe("the session object's schema", () => {
  it("a new object has every table and index, at the current version, once", async () => {
    const stub = sessionStub(env, {
      kind: "customer",
      companyId: crypto.randomUUID(),
      customerId: crypto.randomUUID(),
    });
    const schema = await runInDurableObject(stub, (_instance, state) => schemaOf(state.storage.sql));
    expect(schema).toEqual({
      objects: ["documents", "idempotency", "idempotency_created_at", "outbox", "schema_version"],
      versions: [1],
    });
  });

  it("migrating again changes nothing and keeps what is stored", async () => {
    const stub = sessionStub(env, {
      kind: "customer",
      companyId: crypto.randomUUID(),
      customerId: crypto.randomUUID(),
    });
    const after = await runInDurableObject(stub, (_instance, state) => {
      const store = new SessionStorage(state.storage.sql);
      store.write("session", { kept: true });
      store.migrate();
      store.migrate();
      return { schema: schemaOf(state.storage.sql), kept: new SessionStorage(state.storage.sql).read("session") };
    });
    expect(after.schema.versions).toEqual([1]);
    expect(after.schema.objects).toContain("documents");
    expect(after.kept).toEqual({ kept: true });
  });
});
