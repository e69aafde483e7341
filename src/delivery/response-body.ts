/**
 * Reads at most `maxBytes` of a response body and cancels the rest, so a receiver that
 * answers with a huge (or endless) body costs the relay nothing beyond the bytes it keeps.
 * The result is cut at a UTF-8 character boundary: a character the limit splits is dropped
 * whole, never kept as a broken byte sequence.
 */
export async function readBodyPrefix(response: Response, maxBytes: number): Promise<string> {
  const body = response.body;
  if (!body) return "";
  // The usual answer is short and says so: read it whole, which costs a fraction of reading a
  // stream chunk by chunk. The declared length bounds the body only when it is not encoded: a
  // few compressed bytes may inflate to any size.
  const declared = response.headers.get("content-length");
  const encoded = (response.headers.get("content-encoding") ?? "identity") !== "identity";
  if (!encoded && declared !== null && /^\d+$/.test(declared) && Number(declared) <= maxBytes) {
    return decodeKept(new Uint8Array(await response.arrayBuffer()).subarray(0, maxBytes));
  }
  const reader = body.getReader();
  const kept = new Uint8Array(maxBytes);
  let length = 0;
  try {
    while (length < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.byteLength, maxBytes - length);
      kept.set(value.subarray(0, take), length);
      length += take;
    }
  } finally {
    // Stops the download of whatever is left; harmless when the body is already done.
    reader.cancel().catch(() => undefined);
  }
  return decodeKept(kept.subarray(0, length));
}

/** `stream: true` holds back a trailing incomplete sequence instead of emitting U+FFFD for it. */
function decodeKept(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes, { stream: true });
}
