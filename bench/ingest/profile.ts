import type { Benchmark, BenchmarkOutcome } from "../lib/benchmark.ts";
import type { LocalWorker } from "../lib/local-worker.ts";
import { fmt } from "../lib/report.ts";
import { aggregate, pairedRatio, runIngestPlan, type IngestPlan, type IngestScenario } from "./measure.ts";
import { startBaseline, startIngestSteps, startRelay } from "./targets.ts";

/**
 * Where the relay's ingest spends its time: the baseline, then the relay's work added one
 * step at a time (`bench/ingest/variants/`), then the relay itself, in interleaved rounds.
 * At full load, 1000 / (requests/s) is what one request costs the bottleneck (the Durable
 * Object, which serves one request at a time, for batches); the difference between
 * neighbouring rows is what the added step costs per request.
 */

const SCENARIOS: readonly IngestScenario[] = [
  { name: "1 event/request", eventsPerRequest: 1, requests: 400, warmupRequests: 100 },
  { name: "100 events/request", eventsPerRequest: 100, requests: 100, warmupRequests: 20 },
];

async function run(): Promise<BenchmarkOutcome> {
  console.log("ingest-profile: starting the baseline, the steps Worker and the relay…");
  const workers: LocalWorker[] = [];
  try {
    const started = [await startBaseline(), await startIngestSteps(), await startRelay()];
    workers.push(...started.flatMap((s) => s.workers));
    const targets = started.flatMap((s) => s.targets);
    const plan: IngestPlan = { targets, scenarios: SCENARIOS, warmupRounds: 1, rounds: 3, concurrency: 16, maxRunMs: 15_000 };
    const measured = await runIngestPlan(plan);

    const baseline = targets[0]!;
    const breakdown = (scenario: IngestScenario) => {
      const figures = targets.map((target) => aggregate(measured, target, scenario));
      const msPerRequest = figures.map((f) => 1000 / f.requestsPerSecond);
      return figures.map((f, i) => ({
        target: f.target,
        eventsPerSecond: f.eventsPerSecond,
        p50Ms: f.latency.p50Ms,
        msPerRequest: msPerRequest[i]!,
        addedMsPerRequest: i > 0 ? msPerRequest[i]! - msPerRequest[i - 1]! : Number.NaN,
        shareOfBaseline: pairedRatio(measured, scenario, targets[i]!, baseline).median,
      }));
    };
    const results = SCENARIOS.map((scenario) => ({ scenario: scenario.name, steps: breakdown(scenario) }));
    return {
      tables: results.map(({ scenario, steps }) => ({
        title: `Ingest cost breakdown, ${scenario}, ${plan.concurrency} connections (medians of ${plan.rounds} rounds)`,
        columns: ["worker / step", "events/s", "% of baseline", "p50 ms", "ms/request", "added ms/request"],
        rows: steps.map((r) => [
          r.target,
          fmt(r.eventsPerSecond, 0),
          `${fmt(r.shareOfBaseline * 100)}%`,
          fmt(r.p50Ms),
          fmt(r.msPerRequest, 2),
          Number.isNaN(r.addedMsPerRequest) ? "" : fmt(r.addedMsPerRequest, 2),
        ]),
      })),
      checks: [],
      data: { concurrency: plan.concurrency, rounds: plan.rounds, scenarios: SCENARIOS, results },
    };
  } finally {
    await Promise.all(workers.map((w) => w.dispose()));
  }
}

export const ingestProfileBenchmark: Benchmark = {
  name: "ingest-profile",
  description: "where batched ingest time goes: baseline, the relay's work step by step, the relay",
  runByDefault: false,
  run,
};
