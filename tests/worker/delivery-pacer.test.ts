import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DeliveryPacer } from "../../durable-objects/delivery/pacer";

/** Drives the pacer as the dispatcher does: start whenever allowed, batches as large as allowed. */
function drain(perSecond: number, backlog: number, maxBatchSize = 100, start = 1_700_000_000_000) {
  const pacer = new DeliveryPacer();
  const starts: { at: number; count: number }[] = [];
  let now = start;
  let left = backlog;
  while (left > 0) {
    const allowance = pacer.allowance("s", { eventsPerSecond: perSecond }, now);
    if (!allowance.ok) {
      expect(allowance.retryAt).toBeGreaterThan(now);
      now = allowance.retryAt;
      continue;
    }
    const count = Math.min(allowance.maxEvents, maxBatchSize, left);
    pacer.record("s", count, now);
    starts.push({ at: now, count });
    left -= count;
    now += 3; // the batch's round trip, before the next one may start
  }
  return starts;
}

const maxInAnyWindow = (starts: { at: number; count: number }[], windowMs: number) =>
  Math.max(...starts.map((s) => starts.filter((t) => t.at >= s.at && t.at < s.at + windowMs).reduce((n, t) => n + t.count, 0)));

describe("the delivery pacer", () => {
  it("drains a 200-event backlog at 5 events/s in small steady batches, never 50 in 10 s", () => {
    const starts = drain(5, 200);
    expect(starts.every((s) => s.count <= 5)).toBe(true);
    // Even with a second of network jitter, no 10 s at the receiver hold more than 50.
    expect(maxInAnyWindow(starts, 11_000)).toBeLessThanOrEqual(50);
    const seconds = (starts.at(-1)!.at - starts[0]!.at) / 1000;
    expect(200 / seconds).toBeGreaterThan(4); // drains near the limit, not far below it
  });

  it("holds any limit and batch size (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 200, noNaN: true }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 100 }),
        (perSecond, backlog, maxBatchSize) => {
          const starts = drain(perSecond, backlog, maxBatchSize);
          expect(starts.reduce((n, s) => n + s.count, 0)).toBe(backlog);
          const windowCap = Math.max(1, Math.floor(perSecond * 10));
          expect(maxInAnyWindow(starts, 11_000)).toBeLessThanOrEqual(windowCap);
        },
      ),
      { numRuns: 200, seed: 911 },
    );
  });

  it("keeps subscribers apart", () => {
    const pacer = new DeliveryPacer();
    const now = 1_700_000_000_000;
    pacer.record("a", 5, now);
    expect(pacer.allowance("a", { eventsPerSecond: 5 }, now + 10).ok).toBe(false);
    expect(pacer.allowance("b", { eventsPerSecond: 5 }, now + 10)).toEqual({ ok: true, maxEvents: 5 });
  });
});
