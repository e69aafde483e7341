import { IngestBody, MAX_EVENT_BYTES, type EventEnvelope } from "../contract/event";
import { failure, toValidationIssues, unreadableBody, type Result } from "../contract/errors";
import matchesIngestBodySchema from "../contract/generated/ingest-body-validator.js";

/**
 * A validated ingest request, shaped for the log's append. The workspace's Durable Object
 * serves one request at a time and shares its isolate with the Worker locally, so what
 * crosses the RPC is a few flat values and one JSON string (a string is cloned for the price
 * of a copy; a hundred small objects are not), which SQL reads as it is.
 */
export type PreparedBatch = {
  /** Event ids in request order: the dedupe lookup and the lamport rule run over them. */
  ids: string[];
  /** Each event's `lamport`, or null, in request order. */
  lamports: (number | null)[];
  /** JSON array of one `PreparedRow` per event, in request order. SQL reads it with `json_each`. */
  rows: string;
};

/** One event of a batch: the columns the log filters on, and `body`, the event as the log stores it. */
export type PreparedRow = [id: string, entityKind: string, eventType: string, origin: string, body: string, entityId: string];

const encoder = new TextEncoder();
/** UTF-8 size of a string, without encoding it when it is clearly small enough. */
function utf8Bytes(text: string): number {
  return text.length * 3 <= MAX_EVENT_BYTES ? text.length : encoder.encode(text).length;
}

/**
 * Validates a parsed ingest body against `IngestBody` and returns its events as zod's parse
 * would (unknown keys removed). Most bodies are valid, and the validator compiled from the
 * schema accepts those in a fraction of zod's time in a Worker; zod decides every other body
 * and writes the errors.
 */
export function validateIngestBody(json: unknown): Result<{ events: EventEnvelope[] }> {
  const accepted = acceptedEvents(json);
  if (accepted) return { ok: true, events: accepted };
  const parsed = IngestBody.safeParse(json);
  if (!parsed.success) {
    return failure("invalid_request", "body does not match the ingest schema", toValidationIssues(parsed.error));
  }
  return { ok: true, events: parsed.data.events };
}

/**
 * The body's events when they pass the validator compiled from `IngestBody`
 * (`scripts/codegen/ingest-body-validator.ts`) and their ids are unique (the one rule of
 * `IngestBody` that JSON Schema cannot say); undefined otherwise. Unknown keys are removed in
 * place, so the events are what zod's parse would return.
 */
function acceptedEvents(json: unknown): EventEnvelope[] | undefined {
  if (!matchesIngestBodySchema(json)) return undefined;
  const { events } = json as IngestBody;
  return new Set(events.map((event) => event.id)).size === events.length ? events : undefined;
}

// `fatal` so bytes that are not UTF-8 are not silently replaced, and `ignoreBOM` so a leading
// byte-order mark stays in the text: the text must encode back to exactly the bytes signed.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const BYTE_ORDER_MARK = "\uFEFF";

/**
 * An ingest request's body as the signature check needs it, and its preparation. The signature
 * is checked over the bytes as sent, before anything about the body is judged; so a body that
 * is not UTF-8 text, or that starts with a byte-order mark (which JSON forbids, RFC 8259 §8.1),
 * is kept whole for the check and refused afterwards as `400 invalid_request`, never `401`.
 */
export function decodeIngestBody(bytes: Uint8Array): {
  signedBody: string | Uint8Array;
  prepared: Result<{ batch: PreparedBatch }>;
} {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { signedBody: bytes, prepared: unreadableBody("body is not valid UTF-8") };
  }
  if (text.startsWith(BYTE_ORDER_MARK)) {
    return {
      signedBody: text,
      prepared: unreadableBody("body starts with a UTF-8 byte-order mark; send the JSON without it"),
    };
  }
  return { signedBody: text, prepared: prepareIngest(text) };
}

/**
 * Parses and validates an ingest body once, at the edge (the Worker), and serializes each
 * event once for storage. The DO still decides what the caller is told first: an unknown
 * workspace or a bad signature wins over a bad body.
 */
export function prepareIngest(rawBody: string): Result<{ batch: PreparedBatch }> {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return unreadableBody("body is not valid JSON");
  }
  const validated = validateIngestBody(json);
  if (!validated.ok) return validated;
  return toPreparedBatch(validated.events);
}

/** Serializes validated events for the log's append, refusing any event over the size limit. */
export function toPreparedBatch(events: readonly EventEnvelope[]): Result<{ batch: PreparedBatch }> {
  const rows: PreparedRow[] = [];
  for (const [index, event] of events.entries()) {
    const body = JSON.stringify(event);
    if (utf8Bytes(body) > MAX_EVENT_BYTES) {
      return failure("payload_too_large", `events[${index}] is larger than ${MAX_EVENT_BYTES} bytes`);
    }
    rows.push([event.id, event.entityKind, event.eventType, event.source.origin, body, event.entityId]);
  }
  return {
    ok: true,
    batch: {
      ids: events.map((event) => event.id),
      lamports: events.map((event) => event.lamport ?? null),
      rows: JSON.stringify(rows),
    },
  };
}
