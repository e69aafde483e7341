import type { ErrorFrame, HeartbeatFrame } from "../../src/contract/feed";

/**
 * Server frames as text. The events frame splices stored-event JSON that is already
 * serialized, so rows are never parsed and re-encoded on the way out.
 */
export function eventsFrameText(storedEventsJson: readonly string[], head: number): string {
  return `{"type":"events","events":[${storedEventsJson.join(",")}],"head":${head}}`;
}

export function heartbeatFrameText(head: number, at: number): string {
  const frame: HeartbeatFrame = { type: "heartbeat", head, at };
  return JSON.stringify(frame);
}

export function errorFrameText(code: string, message: string): string {
  const frame: ErrorFrame = { type: "error", code, message };
  return JSON.stringify(frame);
}
