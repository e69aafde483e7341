/**
 * What the attempt log keeps of a receiver's answer: at most 1 KiB, cut on a character
 * boundary, whether the answer declares its length or streams it, and never more than that
 * read from an answer that does not end.
 */
import { describe, expect, it } from "vitest";
import { readBodyPrefix } from "../../src/delivery/response-body";

const encoder = new TextEncoder();

/** A body that never ends: `chunk` again and again, for as long as it is read. */
function endless(chunk: string): Response {
  const bytes = encoder.encode(chunk);
  return new Response(new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(bytes) }));
}

/** A body of known bytes, sent in `chunks` pieces without a declared length. */
function streamed(text: string, chunks: number): Response {
  const bytes = encoder.encode(text);
  const size = Math.ceil(bytes.length / chunks);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += size) controller.enqueue(bytes.slice(at, at + size));
      controller.close();
    },
  });
  return new Response(body);
}

describe("reading the start of a receiver's answer", () => {
  it("keeps a short answer that declares its length whole", async () => {
    const text = "accepted, thanks";
    const response = new Response(text, { headers: { "content-length": String(encoder.encode(text).length) } });
    expect(await readBodyPrefix(response, 1024)).toBe(text);
  });

  it("keeps the first 1 KiB of a longer answer, declared or streamed", async () => {
    const text = "x".repeat(5000);
    const declared = new Response(text, { headers: { "content-length": "5000" } });
    expect(await readBodyPrefix(declared, 1024)).toBe("x".repeat(1024));
    expect(await readBodyPrefix(streamed(text, 7), 1024)).toBe("x".repeat(1024));
  });

  it("drops a character the limit splits, whichever way the answer is read", async () => {
    // 1023 ASCII bytes, then "é" (2 bytes): the limit falls inside it.
    const text = `${"a".repeat(1023)}é and more`;
    expect(await readBodyPrefix(streamed(text, 3), 1024)).toBe("a".repeat(1023));
    const short = `${"a".repeat(9)}é`;
    expect(await readBodyPrefix(new Response(short, { headers: { "content-length": "11" } }), 10)).toBe("a".repeat(9));
  });

  it("stops reading an answer that never ends", async () => {
    expect(await readBodyPrefix(endless("spam "), 1024)).toBe("spam ".repeat(205).slice(0, 1024));
  });

  it("does not trust the declared length of an encoded answer, which may inflate to any size", async () => {
    // What a few compressed bytes may decode to: 40 MB, of which only 64 bytes may be read.
    let pulled = 0;
    const chunk = encoder.encode("z".repeat(4096));
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (++pulled > 10_000) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = new Response(body, { headers: { "content-length": "20", "content-encoding": "gzip" } });
    expect(await readBodyPrefix(response, 64)).toBe("z".repeat(64));
    expect(pulled).toBeLessThan(10);
  });

  it("keeps nothing of an answer without a body", async () => {
    expect(await readBodyPrefix(new Response(null, { status: 204 }), 1024)).toBe("");
  });
});
