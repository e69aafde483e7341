/** Percentile math and latency summaries shared by every benchmark. */

/**
 * The p-th percentile (0..100) of ascending `sorted` values by the nearest-rank method: the
 * smallest value with at least p% of the samples at or below it. No interpolation, so a
 * reported p99 is always a latency that was actually observed.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** The middle value, or the mean of the two middle values of an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * One-sided sign test: the chance that at least `slower` of `rounds` paired rounds come out
 * slower when both sides are in truth equal (each round then a coin toss).
 */
export function signTestP(slower: number, rounds: number): number {
  let ways = 0;
  let choose = 1; // C(rounds, k), from k = 0
  for (let k = 0; k <= rounds; k++) {
    if (k >= slower) ways += choose;
    choose = (choose * (rounds - k)) / (k + 1);
  }
  return ways / 2 ** rounds;
}

export type LatencySummary = { count: number; meanMs: number; p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number };

/**
 * Records latencies in milliseconds. Keeps every sample (a few hundred thousand at most in
 * these benchmarks), so percentiles are exact rather than bucketed; recorders from several
 * rounds can be merged to pool their samples.
 */
export class LatencyRecorder {
  private samples = new Float64Array(1024);
  private size = 0;

  record(ms: number): void {
    if (this.size === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.size++] = ms;
  }

  merge(other: LatencyRecorder): void {
    for (const ms of other.values()) this.record(ms);
  }

  get count(): number {
    return this.size;
  }

  values(): Float64Array {
    return this.samples.subarray(0, this.size);
  }

  summary(): LatencySummary {
    const sorted = Float64Array.from(this.values()).sort();
    let sum = 0;
    for (const ms of sorted) sum += ms;
    return {
      count: sorted.length,
      meanMs: sorted.length ? sum / sorted.length : Number.NaN,
      p50Ms: percentile(sorted, 50),
      p90Ms: percentile(sorted, 90),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    };
  }
}
