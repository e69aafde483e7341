import { IngestBody, MAX_EVENT_BYTES } from "../contract/event";
import { failure, toValidationIssues, type Result } from "../contract/errors";

/**
 * One validated event as the log stores it: the fields the log indexes and orders by, and the
 * event's serialized JSON. Flat strings and numbers, so it crosses the RPC to the workspace's
 * Durable Object for the price of a copy.
 */
export type PreparedEvent = {
  id: string;
  lamport: number | undefined;
  entityKind: string;
  eventType: string;
  origin: string;
  body: string;
};

const encoder = new TextEncoder();
/** UTF-8 size of a string, without encoding it when it is clearly small enough. */
function utf8Bytes(text: string): number {
  return text.length * 3 <= MAX_EVENT_BYTES ? text.length : encoder.encode(text).length;
}

/**
 * Parses and validates an ingest body once, at the edge (the Worker), and serializes each
 * event once for storage. This keeps the work off the workspace's Durable Object, which
 * serves one request at a time. The DO still decides what the caller is told first: an
 * unknown workspace or a bad signature wins over a bad body.
 */
export function prepareIngest(rawBody: string): Result<{ events: PreparedEvent[] }> {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return failure("invalid_request", "body is not valid JSON");
  }
  const parsed = IngestBody.safeParse(json);
  if (!parsed.success) {
    return failure("invalid_request", "body does not match the ingest schema", toValidationIssues(parsed.error));
  }
  const events: PreparedEvent[] = [];
  for (const [index, event] of parsed.data.events.entries()) {
    const body = JSON.stringify(event);
    if (utf8Bytes(body) > MAX_EVENT_BYTES) {
      return failure("payload_too_large", `events[${index}] is larger than ${MAX_EVENT_BYTES} bytes`);
    }
    events.push({
      id: event.id,
      lamport: event.lamport,
      entityKind: event.entityKind,
      eventType: event.eventType,
      origin: event.source.origin,
      body,
    });
  }
  return { ok: true, events };
}
