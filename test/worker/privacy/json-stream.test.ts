// The export's body is written in chunks (src/modules/privacy/json-stream.ts): whatever the
// chunking, the text is exactly JSON.stringify of the document.
import { describe, expect, it } from "vitest";
import { streamJson } from "../../../src/modules/privacy/json-stream";

async function collect(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(decoder.decode(next.value));
  return chunks;
}

describe("streamJson", () => {
  it("writes exactly JSON.stringify of the document, in several chunks when large", async () => {
    const document = {
      at: new Date("2025-01-02T03:04:05.000Z"),
      skipped: undefined,
      empty: { list: [], object: {}, nothing: null },
      text: 'quotes " and \\ and \u00e9 and \n',
      rows: Array.from({ length: 2_000 }, (_, index) => ({ index, name: `row ${index}`, flag: index % 2 === 0 })),
    };
    const chunks = await collect(streamJson(document));
    expect(chunks.join("")).toBe(JSON.stringify(document));
    expect(chunks.length).toBeGreaterThan(1);
  });

  it("writes scalars and empty documents too", async () => {
    for (const value of [null, 0, "x", [], {}])
      expect((await collect(streamJson(value))).join("")).toBe(JSON.stringify(value));
  });
});
