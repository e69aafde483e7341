import { describe, expect, it } from "vitest";
import {
  isUnackedFrames,
  recordSentFrame,
  releaseAckedFrames,
  unackedBytes,
  type UnackedFrames,
} from "../../durable-objects/feed/flow-control";

const sendFrames = (count: number, bytes = 10): UnackedFrames => {
  let frames: UnackedFrames = [];
  for (let v = 1; v <= count; v++) frames = recordSentFrame(frames, v * 100, bytes);
  return frames;
};

describe("feed flow control: unacked frames", () => {
  it("counts what was sent past the last ack, and an ack releases exactly the frames it covers", () => {
    const frames = sendFrames(3, 1_000);
    expect(unackedBytes(frames)).toBe(3_000);
    // An ack inside a frame does not release it: the consumer has not taken all of it in.
    expect(unackedBytes(releaseAckedFrames(frames, 150))).toBe(2_000);
    expect(unackedBytes(releaseAckedFrames(frames, 200))).toBe(1_000);
    expect(unackedBytes(releaseAckedFrames(frames, 300))).toBe(0);
    expect(unackedBytes(releaseAckedFrames(frames, 99))).toBe(3_000);
  });

  it("stays small enough for a socket attachment by merging the oldest frames, never under-counting", () => {
    const frames = sendFrames(1_000, 7);
    expect(isUnackedFrames(frames)).toBe(true);
    expect(JSON.stringify(frames).length).toBeLessThan(1_024);
    expect(unackedBytes(frames)).toBe(7_000);
    // After any ack, at least the bytes of the frames after it remain counted.
    for (const acked of [1, 50_000, 99_900, 99_999, 100_000]) {
      const exactlyAfter = 7 * Math.max(0, 1_000 - Math.floor(acked / 100));
      expect(unackedBytes(releaseAckedFrames(frames, acked))).toBeGreaterThanOrEqual(exactlyAfter);
    }
    expect(unackedBytes(releaseAckedFrames(frames, 100_000))).toBe(0);
  });

  it("accepts only well-formed lists from an attachment", () => {
    expect(isUnackedFrames([])).toBe(true);
    expect(isUnackedFrames([1, 2, 3])).toBe(false);
    expect(isUnackedFrames([1, -2])).toBe(false);
    expect(isUnackedFrames("1,2")).toBe(false);
    expect(isUnackedFrames(undefined)).toBe(false);
  });
});
