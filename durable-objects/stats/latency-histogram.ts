/**
 * A fixed log-scale histogram of latencies in milliseconds, mergeable by adding counts (the
 * mapping of DDSketch, Masson et al., VLDB 2019, without its bin collapsing, which the range
 * of delivery latencies never needs: 1 ms to 72 h is about 1,000 bins, stored sparsely).
 *
 * Bin 0 holds 0 ms. Bin i ≥ 1 holds the values in (γ^(i-2), γ^(i-1)] and answers with
 * 2γ^(i-1)/(γ+1), which is within a relative error α = (γ-1)/(γ+1) of every value in the
 * bin. So a percentile read from the histogram is within α of the exact nearest-rank
 * percentile of the recorded values (and of the merged values, for merged histograms).
 */
export const LATENCY_RELATIVE_ERROR = 0.01;
const GAMMA = (1 + LATENCY_RELATIVE_ERROR) / (1 - LATENCY_RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);

/** Sparse bins: bin index → count. */
export type LatencyBins = Record<string, number>;

export function binOf(ms: number): number {
  if (ms <= 0) return 0;
  return Math.ceil(Math.log(ms) / LOG_GAMMA) + 1;
}

function valueOf(bin: number): number {
  if (bin === 0) return 0;
  return (2 * Math.pow(GAMMA, bin - 1)) / (GAMMA + 1);
}

export function addLatency(bins: LatencyBins, ms: number): void {
  const bin = binOf(ms);
  bins[bin] = (bins[bin] ?? 0) + 1;
}

export function mergeInto(target: LatencyBins, source: LatencyBins): void {
  for (const [bin, count] of Object.entries(source)) target[bin] = (target[bin] ?? 0) + count;
}

/**
 * The nearest-rank `p` percentile (0 < p ≤ 1): the value of rank ⌈p·n⌉ in sorted order, or
 * null for an empty histogram. Rounded to 0.01 ms.
 */
export function percentile(bins: LatencyBins, p: number): number | null {
  const sorted = Object.entries(bins)
    .map(([bin, count]) => [Number(bin), count] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((n, [, count]) => n + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const [bin, count] of sorted) {
    seen += count;
    if (seen >= rank) return Math.round(valueOf(bin) * 100) / 100;
  }
  return null; // unreachable: the last bin reaches the total
}
