/**
 * Interleaved A/B measurement. Two targets measured one after the other drift apart with the
 * machine (another process waking up, thermal limits, a growing page cache), so each round
 * runs every scenario on every target back to back, and alternate rounds reverse the target
 * order (A B, B A, A B, …) so that neither always goes first. Warm-up rounds run the same
 * way and are discarded.
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

export async function runInterleaved<Target, Scenario, Result>(
  plan: RoundPlan<Target, Scenario>,
  runOne: (ctx: RunContext<Target, Scenario>) => Promise<Result>,
): Promise<Measurement<Target, Scenario, Result>[]> {
  const measured: Measurement<Target, Scenario, Result>[] = [];
  const total = plan.warmupRounds + plan.rounds;
  for (let round = 0; round < total; round++) {
    const warmup = round < plan.warmupRounds;
    const targets = round % 2 === 0 ? plan.targets : [...plan.targets].reverse();
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
