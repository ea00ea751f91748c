// Editing a session object's SQLite behind its back. The object keeps its documents in memory
// (durable-objects/storage.ts): a test that rewrites a stored document must have it forget
// them, as a restart would, or its next call still sees the old ones.
import { runInDurableObject } from "cloudflare:test";
import type { SessionStorage } from "../../durable-objects/storage";

/** Runs `edit` inside the object, then has it read its documents from SQLite again. */
export function editStorage<R>(
  stub: DurableObjectStub,
  edit: (state: DurableObjectState, instance: unknown) => R | Promise<R>,
): Promise<R> {
  return runInDurableObject(stub, async (instance, state) => {
    try {
      return await edit(state, instance);
    } finally {
      (instance as unknown as { store: SessionStorage }).store.forgetCachedDocuments();
    }
  });
}

/** A document as SQLite holds it, read behind the object's back (its copy in memory not consulted). */
export function storedDocument<T>(sql: SqlStorage, name: string): T | undefined {
  const row = sql.exec<{ body: string }>("SELECT body FROM documents WHERE name = ?", name).toArray()[0];
  return row ? (JSON.parse(row.body) as T) : undefined;
}
