// Puts resource versions on the replication queue: `sendBatch` in as few calls as Queues'
// limits allow (100 messages and 256 KB per call), large bodies through R2. Resolves once
// Queues has every message; throws otherwise, and the caller keeps its outbox and retries.
import {
  MAX_INLINE_BODY_BYTES,
  MESSAGE_FORMAT,
  type ReplicaBodyInput,
  type ReplicaKind,
  type ReplicationMessageInput,
  storedBodyKey,
} from "./messages";

/** Queues' limits for one `sendBatch` call. */
const MAX_BATCH_MESSAGES = 100;
const MAX_BATCH_BYTES = 250_000;
/** What a message adds around its body (ids, kind, version), generously. */
const ENVELOPE_BYTES = 1_000;

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
  const batches: MessageSendRequest<ReplicationMessageInput>[][] = [[]];
  let batchBytes = 0;
  for (const replica of replicas) {
    const json = JSON.stringify(replica.body);
    const bodyBytes = encoder.encode(json).byteLength;
    const envelope = {
      format: MESSAGE_FORMAT,
      ...sender,
      kind: replica.kind,
      resourceId: replica.resourceId,
      version: replica.version,
    } as const;
    let message: ReplicationMessageInput;
    let bytes: number;
    if (bodyBytes > MAX_INLINE_BODY_BYTES) {
      // Too large to travel inline: the body goes to R2 (one object per resource, overwritten
      // by newer versions, so the consumer reads this version or a newer one).
      const stored = storedBodyKey(replica.kind, replica.resourceId);
      await env.ARCHIVE.put(stored, json, { httpMetadata: { contentType: "application/json" } });
      message = { ...envelope, stored };
      bytes = ENVELOPE_BYTES;
    } else {
      message = { ...envelope, body: replica.body };
      bytes = bodyBytes + ENVELOPE_BYTES;
    }
    let batch = batches[batches.length - 1] as MessageSendRequest<ReplicationMessageInput>[];
    if (batch.length === MAX_BATCH_MESSAGES || batchBytes + bytes > MAX_BATCH_BYTES) {
      batch = [];
      batches.push(batch);
      batchBytes = 0;
    }
    batch.push({ body: message, contentType: "json" });
    batchBytes += bytes;
  }
  for (const batch of batches) {
    if (batch.length) await env.REPLICATION_QUEUE.sendBatch(batch);
  }
}
