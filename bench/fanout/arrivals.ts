import type { Receiver, ReceivedRequest } from "../lib/receiver.ts";

/**
 * When the first request matching `matches` that arrives from now on reached `receiver`
 * (`performance.now()` at the end of its body). Call it before sending, so nothing is missed;
 * only requests that arrive after the call are scanned, each once.
 */
export async function nextArrival(
  receiver: Receiver,
  matches: (request: ReceivedRequest) => boolean,
  timeoutMs: number,
): Promise<number> {
  let scanned = receiver.received.length;
  let arrivedAt = Number.NaN;
  await receiver.waitFor((received) => {
    for (; scanned < received.length; scanned++) {
      if (matches(received[scanned]!)) {
        arrivedAt = received[scanned]!.receivedAt;
        return true;
      }
    }
    return false;
  }, timeoutMs);
  return arrivedAt;
}

/** True when a request went to `path` and its body carries the event `eventId`. */
export function carriesEvent(path: string, eventId: string): (request: ReceivedRequest) => boolean {
  const needle = `"id":${JSON.stringify(eventId)}`;
  return (request) => request.path === path && request.body.includes(needle);
}
