import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IngestRateLimiter } from "../../durable-objects/ingest/rate-limiter";

describe("the ingest rate limiter", () => {
  it("admits the cap, refuses the next with the seconds until the oldest request leaves the window", () => {
    const limiter = new IngestRateLimiter(5);
    const t0 = 1_000_000_000;
    for (let i = 0; i < 3; i++) expect(limiter.admit(t0).ok).toBe(true);
    expect(limiter.admit(t0 + 10_000).ok).toBe(true);
    expect(limiter.admit(t0 + 20_000).ok).toBe(true);
    // Full: the three requests of t0 leave the window 60 s after t0, i.e. 40 s from now.
    expect(limiter.admit(t0 + 20_000)).toEqual({ ok: false, retryAfterSeconds: 40 });
    expect(limiter.admit(t0 + 59_999).ok).toBe(false);
    expect(limiter.admit(t0 + 60_000).ok).toBe(true);
  });

  it("never admits more than the cap in any 60 consecutive seconds, and Retry-After is honest", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }),
        (limit, gaps) => {
          const limiter = new IngestRateLimiter(limit);
          const admitted: number[] = [];
          let now = 1_700_000_000_000;
          for (const gap of gaps) {
            now += gap;
            const answer = limiter.admit(now);
            const second = Math.floor(now / 1000);
            const inLastMinute = admitted.filter((s) => s > second - 60).length;
            if (answer.ok) {
              admitted.push(second);
              expect(inLastMinute + 1).toBeLessThanOrEqual(limit);
            } else {
              // Refused only when full, and told a wait after which one more fits.
              expect(inLastMinute).toBe(limit);
              const later = second + answer.retryAfterSeconds;
              expect(admitted.filter((s) => s > later - 60).length).toBeLessThan(limit);
              expect(answer.retryAfterSeconds).toBeGreaterThanOrEqual(1);
            }
          }
        },
      ),
      { numRuns: 300, seed: 20261201 },
    );
  });
});
