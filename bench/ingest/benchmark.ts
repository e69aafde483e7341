import type { Benchmark, BenchmarkOutcome } from "../lib/benchmark.ts";
import type { LocalWorker } from "../lib/local-worker.ts";
import { fmt } from "../lib/report.ts";
import { aggregate, pairedRatio, runIngestPlan, type IngestPlan, type IngestScenario } from "./measure.ts";
import { startBaseline, startRelay } from "./targets.ts";

/**
 * Issue 2's ingest benchmark: the relay's signed ingest against a minimal Worker that appends
 * the same batches to a SQLite Durable Object (`bench/baseline/`), both under `wrangler dev`
 * on this machine, in interleaved rounds. A third target is the same minimal append into a
 * log with the relay's event-search indexes, which contract §8 (issue 9) added to the relay
 * after issue 2 set its target: the relay is also checked against it ("proposed").
 */

/** Target of issue 2: batched ingest reaches this share of the baseline's events/s. */
const TARGET_BATCH_RATIO = 0.7;

// Sized so that each run lasts a few seconds here (a 1-second run is at the mercy of one
// hiccup of a shared 2-core machine) and the whole benchmark about 4 minutes; the time bound
// keeps it from running away on a machine busy with other work.
const SINGLE: IngestScenario = { name: "1 event/request", eventsPerRequest: 1, requests: 1_200, warmupRequests: 300 };
const BATCH: IngestScenario = { name: "100 events/request", eventsPerRequest: 100, requests: 400, warmupRequests: 40 };

async function run(): Promise<BenchmarkOutcome> {
  console.log("ingest: starting the relay and the baseline Worker…");
  const workers: LocalWorker[] = [];
  try {
    const relay = await startRelay();
    workers.push(...relay.workers);
    const baseline = await startBaseline();
    workers.push(...baseline.workers);
    const [relayTarget, baselineTarget, indexedTarget] = [relay.targets[0]!, baseline.targets[0]!, baseline.targets[1]!];

    const plan: IngestPlan = {
      targets: [relayTarget, baselineTarget, indexedTarget],
      scenarios: [SINGLE, BATCH],
      warmupRounds: 1,
      // Every order of the three targets twice (a balanced order, `runInterleaved`). Over six,
      // the batched ratio's median moved between runs of the same code by more than its
      // distance to the target (66–80 %, BENCHMARKS.md): twelve give it twice the rounds.
      rounds: 12,
      concurrency: 16,
      maxRunMs: 8_000,
    };
    const measured = await runIngestPlan(plan);

    const results = plan.scenarios.flatMap((s) => plan.targets.map((t) => aggregate(measured, t, s)));
    const ratios = plan.scenarios.map((s) => ({ scenario: s.name, ...pairedRatio(measured, s, relayTarget, baselineTarget) }));
    const indexedRatios = plan.scenarios.map((s) => ({ scenario: s.name, ...pairedRatio(measured, s, relayTarget, indexedTarget) }));
    // What the search indexes alone cost the minimal append.
    const indexCost = plan.scenarios.map((s) => ({ scenario: s.name, ...pairedRatio(measured, s, indexedTarget, baselineTarget) }));
    const batchRatio = pairedRatio(measured, BATCH, relayTarget, baselineTarget).median;
    const indexedBatchRatio = pairedRatio(measured, BATCH, relayTarget, indexedTarget).median;
    const percent = (r: { median: number; perRound: number[] }) => [
      `${fmt(r.median * 100)}%`,
      r.perRound.map((x) => `${fmt(x * 100, 0)}%`).join(" "),
    ];

    return {
      tables: [
        {
          title: `Ingest, ${plan.concurrency} concurrent connections (throughput: median of ${plan.rounds} rounds; latency: all rounds pooled)`,
          columns: ["scenario / worker", "requests/s", "events/s", "p50 ms", "p99 ms", "max ms"],
          rows: results.map((a) => [
            `${a.scenario} / ${a.target}`,
            fmt(a.requestsPerSecond, 0),
            fmt(a.eventsPerSecond, 0),
            fmt(a.latency.p50Ms),
            fmt(a.latency.p99Ms),
            fmt(a.latency.maxMs),
          ]),
        },
        {
          title: "Throughput as a share of another target's (median of per-round ratios)",
          columns: ["scenario", "relay / baseline", "per round", "relay / baseline with search indexes", "per round", "baseline with search indexes / baseline", "per round"],
          rows: plan.scenarios.map((s, i) => [s.name, ...percent(ratios[i]!), ...percent(indexedRatios[i]!), ...percent(indexCost[i]!)]),
        },
      ],
      checks: [
        {
          name: "batched ingest events/s vs baseline",
          target: `>= ${TARGET_BATCH_RATIO * 100}%`,
          actual: `${fmt(batchRatio * 100)}%`,
          pass: batchRatio >= TARGET_BATCH_RATIO,
        },
        {
          name: "batched ingest events/s vs the baseline with the relay's search indexes (proposed)",
          target: `>= ${TARGET_BATCH_RATIO * 100}%`,
          actual: `${fmt(indexedBatchRatio * 100)}%`,
          pass: indexedBatchRatio >= TARGET_BATCH_RATIO,
        },
      ],
      data: {
        concurrency: plan.concurrency,
        warmupRounds: plan.warmupRounds,
        rounds: plan.rounds,
        maxRunMs: plan.maxRunMs,
        scenarios: plan.scenarios,
        results,
        ratios,
        indexedRatios,
        indexCost,
        targetBatchRatio: TARGET_BATCH_RATIO,
      },
    };
  } finally {
    await Promise.all(workers.map((w) => w.dispose()));
  }
}

export const ingestBenchmark: Benchmark = {
  name: "ingest",
  description: "signed ingest, 1 and 100 events/request, vs a minimal SQLite-DO Worker (issue 2)",
  runByDefault: true,
  run,
};
