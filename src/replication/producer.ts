// Puts resource versions on the replication queue: one message per send of a session (split
// when its bodies pass Queues' message size), large bodies through R2, in as few `sendBatch`
// calls as Queues' limits allow (100 messages and 256 KB per call). Resolves once Queues has
// every message; throws otherwise, and the caller keeps its outbox and retries.
import {
  MAX_INLINE_BODY_BYTES,
  MESSAGE_FORMAT,
  type ReplicaBodyInput,
  type ReplicaKind,
  type ReplicationMessageInput,
  type ResourceEntryInput,
  storedBodyKey,
} from "./messages";

/** Queues' limits for one `sendBatch` call. */
const MAX_BATCH_MESSAGES = 100;
const MAX_BATCH_BYTES = 250_000;
/** What a message adds around its bodies (ids, kinds, versions), generously. */
const ENVELOPE_BYTES = 1_000;
const ENTRY_BYTES = 200;

export interface Sender {
  objectId: string;
  companyId: string;
  sessionId: string;
}

export interface Replica {
  kind: ReplicaKind;
  resourceId: string;
  version: number;
  body: ReplicaBodyInput;
}

const encoder = new TextEncoder();

export async function sendReplicas(
  env: Pick<Env, "REPLICATION_QUEUE" | "ARCHIVE">,
  sender: Sender,
  replicas: Replica[],
): Promise<void> {
  // The messages of this send: resources packed while their inline bodies fit one message.
  const messages: { entries: ResourceEntryInput[]; bytes: number }[] = [];
  for (const replica of replicas) {
    const json = JSON.stringify(replica.body);
    const bodyBytes = encoder.encode(json).byteLength;
    const { kind, resourceId, version } = replica;
    let entry: ResourceEntryInput;
    let bytes: number;
    if (bodyBytes > MAX_INLINE_BODY_BYTES) {
      // Too large to travel inline: the body goes to R2 (one object per resource, overwritten
      // by newer versions, so the consumer reads this version or a newer one).
      const stored = storedBodyKey(kind, resourceId);
      await env.ARCHIVE.put(stored, json, { httpMetadata: { contentType: "application/json" } });
      entry = { kind, resourceId, version, stored };
      bytes = ENTRY_BYTES;
    } else {
      entry = { kind, resourceId, version, body: replica.body };
      bytes = bodyBytes + ENTRY_BYTES;
    }
    const last = messages[messages.length - 1];
    if (last && last.bytes + bytes <= MAX_INLINE_BODY_BYTES) {
      last.entries.push(entry);
      last.bytes += bytes;
    } else messages.push({ entries: [entry], bytes: bytes + ENVELOPE_BYTES });
  }

  const batches: MessageSendRequest<ReplicationMessageInput>[][] = [];
  let batchBytes = 0;
  for (const { entries, bytes } of messages) {
    let batch = batches[batches.length - 1];
    if (!batch || batch.length === MAX_BATCH_MESSAGES || batchBytes + bytes > MAX_BATCH_BYTES) {
      batch = [];
      batches.push(batch);
      batchBytes = 0;
    }
    batch.push({ body: { format: MESSAGE_FORMAT, ...sender, resources: entries }, contentType: "json" });
    batchBytes += bytes;
  }
  for (const batch of batches) await env.REPLICATION_QUEUE.sendBatch(batch);
}
