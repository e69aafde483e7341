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
