import { MAX_READ_LIMIT } from "../../src/contract/event";
import type { ErrorFrame, HeartbeatFrame } from "../../src/contract/feed";
import { storedEventJson, type SizedRow } from "../event-log";

/**
 * An events frame holds at most what one read API page may hold…
 *
 * Every frame costs a message each way, because a consumer acks it, and per message the
 * runtime's cost is fixed: frames of 100 events spent most of a catch-up on messages, not on
 * events (BENCHMARKS.md, issue 13).
 */
export const FRAME_MAX_EVENTS = MAX_READ_LIMIT;
/**
 * …and stops growing before it passes 512 KiB, half of the 1 MiB a Worker may receive in one
 * WebSocket message, so a consumer running in a Worker or a Durable Object can take every
 * frame. A single event (at most 256 KiB at ingest) always fits, and goes alone if need be.
 */
export const FRAME_MAX_BYTES = 512 * 1024;

/**
 * Server frames as text. The events frame splices stored-event JSON that is already
 * serialized, so rows are never parsed and re-encoded on the way out.
 */
export function eventsFrameText(storedEventsJson: readonly string[], head: number): string {
  return `{"type":"events","events":[${storedEventsJson.join(",")}],"head":${head}}`;
}

/** An events frame ready to send: its text, its size in UTF-8 bytes, and its last version. */
export type EventsFrameOut = { text: string; bytes: number; last: number };

/**
 * The events frame for the first of `rows` that fit in `FRAME_MAX_BYTES` (at least one row),
 * or undefined when there are none. Sizes are UTF-8 bytes, as a WebSocket message counts
 * them: a body's size comes from SQLite, and all the rest of the frame (ids, numbers, the
 * envelope) is ASCII, so there a character is a byte.
 */
export function eventsFrameOf(workspaceId: string, rows: readonly SizedRow[], head: number): EventsFrameOut | undefined {
  if (rows.length === 0) return undefined;
  const events: string[] = [];
  let bytes = eventsFrameText([], head).length;
  let last = 0;
  for (const row of rows) {
    const json = storedEventJson(workspaceId, row);
    const separator = events.length > 0 ? 1 : 0;
    const size = json.length - row.body.length + row.body_bytes + separator;
    if (events.length > 0 && bytes + size > FRAME_MAX_BYTES) break;
    events.push(json);
    bytes += size;
    last = row.version;
  }
  return { text: eventsFrameText(events, head), bytes, last };
}

export function heartbeatFrameText(head: number, at: number): string {
  const frame: HeartbeatFrame = { type: "heartbeat", head, at };
  return JSON.stringify(frame);
}

export function errorFrameText(code: string, message: string): string {
  const frame: ErrorFrame = { type: "error", code, message };
  return JSON.stringify(frame);
}
