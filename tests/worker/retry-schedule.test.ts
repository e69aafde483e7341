import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../../src/contract/retry-after";
import { nextRetryDelaySeconds, retryPolicy } from "../../src/delivery/retry-schedule";

const noJitter = () => 0.5;
const vars = (schedule = "", maxAge = "") => ({ RELAY_RETRY_SCHEDULE: schedule, RELAY_RETRY_MAX_AGE_SECONDS: maxAge });

describe("retry schedule", () => {
  it("follows the contract's default schedule, then every 12 h, until 72 h", () => {
    const policy = retryPolicy(vars());
    let failingFor = 0;
    const delays: number[] = [];
    for (let failures = 1; ; failures++) {
      const delay = nextRetryDelaySeconds({ policy, failures, failingForSeconds: failingFor, retryAfterSeconds: null, random: noJitter });
      if (delay === undefined) break;
      delays.push(delay);
      failingFor += delay;
    }
    expect(delays.slice(0, 10)).toEqual([5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200]);
    expect(delays.slice(10).every((d) => d === 43200)).toBe(true);
    expect(failingFor).toBeLessThanOrEqual(72 * 3600);
    expect(failingFor + 43200).toBeGreaterThan(72 * 3600);
  });

  it("applies ±20% jitter", () => {
    const policy = retryPolicy(vars());
    const low = nextRetryDelaySeconds({ policy, failures: 2, failingForSeconds: 0, retryAfterSeconds: null, random: () => 0 });
    const high = nextRetryDelaySeconds({ policy, failures: 2, failingForSeconds: 0, retryAfterSeconds: null, random: () => 0.999999 });
    expect(low).toBeCloseTo(24, 5);
    expect(high).toBeCloseTo(36, 3);
  });

  it("uses RELAY_RETRY_SCHEDULE, repeating its last delay until RELAY_RETRY_MAX_AGE_SECONDS", () => {
    const policy = retryPolicy(vars("1,1,2", "60"));
    const at = (failures: number, failingFor = 0) =>
      nextRetryDelaySeconds({ policy, failures, failingForSeconds: failingFor, retryAfterSeconds: null, random: noJitter });
    expect([at(1), at(2), at(3), at(4), at(40)]).toEqual([1, 1, 2, 2, 2]);
    expect(at(1, 59.5)).toBeUndefined(); // past the max age
    // A malformed override falls back to the default schedule.
    expect(retryPolicy(vars("1,x")).schedule[0]).toBe(5);
  });

  it("keeps retrying a short override for the whole max age (a 30 s outage is no dead letter)", () => {
    // The case from the field: "1,1,2,2,3,5" with a one-hour max age used to give up after ~14 s.
    const policy = retryPolicy(vars("1,1,2,2,3,5", "3600"));
    let failingFor = 0;
    let retries = 0;
    for (let failures = 1; ; failures++) {
      const delay = nextRetryDelaySeconds({ policy, failures, failingForSeconds: failingFor, retryAfterSeconds: null, random: noJitter });
      if (delay === undefined) break;
      failingFor += delay;
      retries++;
    }
    expect(failingFor).toBeGreaterThan(3600 - 5);
    expect(failingFor).toBeLessThanOrEqual(3600);
    expect(retries).toBe(6 + Math.floor((3600 - 14) / 5));
  });

  it("waits at least Retry-After, capped at one hour", () => {
    const policy = retryPolicy(vars("1,1,1"));
    const withRetryAfter = (seconds: number) =>
      nextRetryDelaySeconds({ policy, failures: 1, failingForSeconds: 0, retryAfterSeconds: seconds, random: noJitter });
    expect(withRetryAfter(30)).toBe(30);
    expect(withRetryAfter(0)).toBe(1);
    expect(retryPolicy(vars("1", "100000")) && nextRetryDelaySeconds({ policy: retryPolicy(vars("1", "100000")), failures: 1, failingForSeconds: 0, retryAfterSeconds: 99999, random: noJitter })).toBe(3600);
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-11-22T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("Sun, 22 Nov 2026 00:01:00 GMT", now)).toBe(60);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
