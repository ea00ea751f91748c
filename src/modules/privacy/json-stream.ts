// A JSON document as a stream of chunks (one per array element and object member), so a large
// export is written out as it is serialized instead of as one string in memory.

function* chunks(value: unknown): Generator<string> {
  if (Array.isArray(value)) {
    yield "[";
    for (const [index, element] of value.entries()) {
      if (index > 0) yield ",";
      yield* chunks(element);
    }
    yield "]";
  } else if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    yield "{";
    let first = true;
    for (const [key, member] of Object.entries(value)) {
      if (member === undefined) continue;
      yield `${first ? "" : ","}${JSON.stringify(key)}:`;
      first = false;
      yield* chunks(member);
    }
    yield "}";
  } else {
    yield JSON.stringify(value) ?? "null";
  }
}

/** Chunks of at least this many characters are sent (not one write per scalar). */
const CHUNK_CHARS = 16 * 1024;

export function streamJson(value: unknown): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const parts = chunks(value);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      let buffer = "";
      for (let next = parts.next(); ; next = parts.next()) {
        if (next.done) {
          if (buffer) controller.enqueue(encoder.encode(buffer));
          controller.close();
          return;
        }
        buffer += next.value;
        if (buffer.length >= CHUNK_CHARS) break;
      }
      controller.enqueue(encoder.encode(buffer));
    },
  });
}
