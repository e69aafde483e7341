import { isUnackedFrames, type UnackedFrames } from "./flow-control";

/**
 * What a feed socket remembers across hibernation, in its attachment: the consumer it acks for,
 * the last version it was sent, the last version it acknowledged (null until its first ack),
 * whether that ack is saved as the consumer's cursor yet (acks are saved in batches, see
 * `LiveFeed`), and the frames sent past that ack (flow control). Everything else is re-read
 * from SQLite, so a socket costs a few hundred bytes of memory however far behind it is.
 */
export type SocketState = {
  consumer: string | null;
  cursor: number;
  acked: number | null;
  ackSaved: boolean;
  unacked: UnackedFrames;
};

const isVersion = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value);

export function readSocketState(ws: WebSocket): SocketState | undefined {
  const value: unknown = ws.deserializeAttachment();
  if (typeof value !== "object" || value === null) return undefined;
  const { consumer, cursor, acked, ackSaved, unacked } = value as Record<string, unknown>;
  if (!isVersion(cursor) || !(consumer === null || typeof consumer === "string")) return undefined;
  if (!(acked === null || isVersion(acked))) return undefined;
  // A socket from before frames were recorded: count nothing in flight; its window refills on its own.
  // Attachments written before acks were batched saved every ack at once.
  return { consumer, cursor, acked, ackSaved: ackSaved !== false, unacked: isUnackedFrames(unacked) ? unacked : [] };
}

export function writeSocketState(ws: WebSocket, state: SocketState): void {
  ws.serializeAttachment({
    consumer: state.consumer,
    cursor: state.cursor,
    acked: state.acked,
    ackSaved: state.ackSaved,
    unacked: state.unacked,
  });
}
