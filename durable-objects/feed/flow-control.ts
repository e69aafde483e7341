/**
 * Flow-control accounting of one feed socket: the frames it was sent and has not acked yet,
 * as flat pairs `[lastVersion, bytes, lastVersion, bytes, …]`, oldest first. It lives in the
 * socket's attachment, so an ack costs a few array operations rather than a scan of the log.
 *
 * Attachments are small (2 KiB at most), so the list is capped: past the cap, the two oldest
 * frames merge into one ending at the later version. Merging only ever delays releasing bytes
 * until the later version is acked, so unacked bytes are over-counted, never under-counted.
 */
export type UnackedFrames = number[];

const MAX_FRAMES = 32;

/** Records a frame sent to the socket. */
export function recordSentFrame(frames: UnackedFrames, lastVersion: number, bytes: number): UnackedFrames {
  const next = [...frames, lastVersion, bytes];
  if (next.length > MAX_FRAMES * 2) {
    const [, firstBytes, secondLast, secondBytes] = next as [number, number, number, number];
    next.splice(0, 4, secondLast, firstBytes + secondBytes);
  }
  return next;
}

/** Forgets the frames an ack of `version` covers: those ending at or before it. */
export function releaseAckedFrames(frames: UnackedFrames, version: number): UnackedFrames {
  let start = 0;
  while (start < frames.length && frames[start]! <= version) start += 2;
  return frames.slice(start);
}

/** Bytes sent and not yet acked. */
export function unackedBytes(frames: UnackedFrames): number {
  let bytes = 0;
  for (let i = 1; i < frames.length; i += 2) bytes += frames[i]!;
  return bytes;
}

/** True for a value that can be an `UnackedFrames` (attachments written by older code have none). */
export function isUnackedFrames(value: unknown): value is UnackedFrames {
  return (
    Array.isArray(value) &&
    value.length % 2 === 0 &&
    value.length <= MAX_FRAMES * 2 &&
    value.every((n) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0)
  );
}
