/**
 * Interleaved A/B measurement. Two targets measured one after the other drift apart with the
 * machine (another process waking up, thermal limits, a growing page cache), so each round
 * runs every scenario on every target back to back, in an order that gives every target every
 * position equally often (`balancedOrder`; for two targets A B, B A, A B, …). Warm-up rounds run
 * the same way and are discarded.
 */
export type RoundPlan<Target, Scenario> = {
  targets: readonly Target[];
  scenarios: readonly Scenario[];
  warmupRounds: number;
  rounds: number;
};

export type RunContext<Target, Scenario> = {
  target: Target;
  scenario: Scenario;
  /** 0-based; warm-up rounds come first and have `warmup: true`. */
  round: number;
  warmup: boolean;
};

export type Measurement<Target, Scenario, Result> = RunContext<Target, Scenario> & { result: Result };

/**
 * The order of `targets` in a round, from a Williams design: over n rounds (2n when n is odd)
 * every target runs in every position equally often, and follows every other target equally
 * often. For two targets that is reversing the order every other round. Reversing alone, for
 * more, cancels a drift along the round but not an effect of the position itself: with three
 * targets the middle one would always run second, with four the middle two always second or
 * third. The drain benchmark's A/A control measured such an effect (BENCHMARKS.md).
 */
export function balancedOrder<Target>(targets: readonly Target[], round: number): readonly Target[] {
  const n = targets.length;
  // The first row: 0, 1, n-1, 2, n-2, …; row r adds r to each (mod n).
  const first = Array.from({ length: n }, (_, i) => (i % 2 === 1 ? (i + 1) / 2 : (n - i / 2) % n));
  const row = first.map((k) => targets[(k + round) % n]!);
  // For an odd n, the mirror rows complete the balance of who follows whom.
  return n % 2 === 1 && Math.floor(round / n) % 2 === 1 ? row.reverse() : row;
}

export async function runInterleaved<Target, Scenario, Result>(
  plan: RoundPlan<Target, Scenario>,
  runOne: (ctx: RunContext<Target, Scenario>) => Promise<Result>,
): Promise<Measurement<Target, Scenario, Result>[]> {
  const measured: Measurement<Target, Scenario, Result>[] = [];
  const total = plan.warmupRounds + plan.rounds;
  for (let round = 0; round < total; round++) {
    const warmup = round < plan.warmupRounds;
    const targets = balancedOrder(plan.targets, round);
    for (const scenario of plan.scenarios) {
      for (const target of targets) {
        const ctx = { target, scenario, round, warmup };
        const result = await runOne(ctx);
        if (!warmup) measured.push({ ...ctx, result });
      }
    }
  }
  return measured;
}

/**
 * `value` of `numerator`'s run over `denominator`'s, for every round in which both ran
 * `scenario`. The two runs of a round are back to back, so a per-round ratio compares like
 * with like even when the machine's load drifts between rounds.
 */
export function perRoundRatios<Target, Scenario, Result>(
  measured: readonly Measurement<Target, Scenario, Result>[],
  scenario: Scenario,
  numerator: Target,
  denominator: Target,
  value: (result: Result) => number,
): number[] {
  const ratios: number[] = [];
  for (const round of new Set(measured.map((m) => m.round))) {
    const find = (target: Target) => measured.find((m) => m.round === round && m.scenario === scenario && m.target === target);
    const a = find(numerator);
    const b = find(denominator);
    if (a && b) ratios.push(value(a.result) / value(b.result));
  }
  return ratios;
}

/** How many per-round ratios `holds` accepts, as a report shows it: "k of n". */
export const roundsWhere = (perRound: readonly number[], holds: (ratio: number) => boolean): string =>
  `${perRound.filter(holds).length} of ${perRound.length}`;
