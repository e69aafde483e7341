import type { Benchmark, BenchmarkOutcome } from "../lib/benchmark.ts";
import { startLocalRelay } from "../lib/local-relay.ts";
import { fmt } from "../lib/report.ts";
import { perRoundRatios, runInterleaved, type Measurement } from "../lib/rounds.ts";
import { LatencyRecorder, median, type LatencySummary } from "../lib/stats.ts";
import { receiverSecrets } from "./direct.ts";
import { drainDirect, drainThroughRelay, type DrainFigures } from "./drain.ts";
import { measureDirect, measureRelay, type LatencyFigures, type LatencyPath } from "./latency.ts";
import { closeGroups, createFanoutGroup, type FanoutGroup } from "./subscribers.ts";

/**
 * Issue 3's fan-out benchmark, against the relay under `wrangler dev` with webhook subscribers
 * on HTTP receivers on 127.0.0.1: end-to-end latency from the client's signed ingest to each
 * receiver at 1, 10 and 100 subscribers, beside the client POSTing to the same receivers
 * itself, in interleaved rounds; then the catch-up drain of a 20,000-event backlog.
 */

/** Targets of issue 3. */
const TARGET_OVERHEAD_AT_ONE = 3;
const TARGET_DRAIN_EVENTS_PER_SECOND = 5_000;

type Scenario = { name: string; subscribers: number; samples: number; warmupSamples: number };

// 4 rounds of 60 samples: 240 samples per configuration and path (×N receipts), enough for a
// p99. Sized so the latency part takes about 2 minutes here; each run is also time-bounded.
const SCENARIOS: readonly Scenario[] = [
  { name: "1 subscriber", subscribers: 1, samples: 60, warmupSamples: 20 },
  { name: "10 subscribers", subscribers: 10, samples: 60, warmupSamples: 10 },
  { name: "100 subscribers", subscribers: 100, samples: 60, warmupSamples: 5 },
];
const PATHS: readonly LatencyPath[] = ["relay", "direct"];
const ROUNDS = 4;
const MAX_RUN_MS = 20_000;
const DRAIN_EVENTS = 20_000;
const DRAIN_ROUNDS = 3;

type Pooled = { perReceiver: LatencySummary; allReceived: LatencySummary; response: LatencySummary; afterResponse: LatencySummary };

function pool(runs: readonly Measurement<LatencyPath, Scenario, LatencyFigures>[]): Pooled & { samples: number; timedOutRuns: number } {
  const merged = { perReceiver: new LatencyRecorder(), allReceived: new LatencyRecorder(), response: new LatencyRecorder(), afterResponse: new LatencyRecorder() };
  for (const { result } of runs) for (const key of Object.keys(merged) as (keyof typeof merged)[]) merged[key].merge(result[key]);
  return {
    samples: runs.reduce((n, r) => n + r.result.samples, 0),
    timedOutRuns: runs.filter((r) => r.result.timedOut).length,
    perReceiver: merged.perReceiver.summary(),
    allReceived: merged.allReceived.summary(),
    response: merged.response.summary(),
    afterResponse: merged.afterResponse.summary(),
  };
}

async function run(): Promise<BenchmarkOutcome> {
  console.log("fanout: starting the relay and the subscribers' receivers…");
  const relay = await startLocalRelay({ allowInsecureDestinations: true });
  const session = Date.now().toString(36);
  const groups: FanoutGroup[] = [];
  try {
    for (const s of SCENARIOS) {
      groups.push(await createFanoutGroup({ relay, workspaceId: `fanout-${session}-n${s.subscribers}`, count: s.subscribers, start: "head" }));
    }
    const secrets = groups.map((g) => receiverSecrets(g.subscriptions.length));

    const latency = await runInterleaved(
      { targets: PATHS, scenarios: SCENARIOS, warmupRounds: 1, rounds: ROUNDS },
      async ({ target, scenario, round, warmup }) => {
        const i = SCENARIOS.indexOf(scenario);
        const measure = target === "relay" ? measureRelay : measureDirect;
        const figures = await measure({
          relay,
          group: groups[i]!,
          directSecrets: secrets[i]!,
          samples: warmup ? scenario.warmupSamples : scenario.samples,
          idPrefix: `${session}-r${round}-${target}`,
          maxRunMs: MAX_RUN_MS,
        });
        const summary = figures.perReceiver.summary();
        console.log(
          `  ${(warmup ? "warm-up" : `round ${round}/${ROUNDS}`).padEnd(11)} ${scenario.name.padEnd(16)} ${target.padEnd(7)} ` +
            `${String(figures.samples).padStart(4)} samples  p50 ${fmt(summary.p50Ms)} ms  p99 ${fmt(summary.p99Ms)} ms` +
            (figures.timedOut ? "  (time bound hit)" : ""),
        );
        return figures;
      },
    );

    const drains = await runInterleaved(
      { targets: PATHS, scenarios: [DRAIN_EVENTS], warmupRounds: 0, rounds: DRAIN_ROUNDS },
      async ({ target, round }) => {
        const runId = `drain-${session}-r${round}-${target}`;
        const figures = target === "relay" ? await drainThroughRelay(relay, runId, DRAIN_EVENTS) : await drainDirect(runId, DRAIN_EVENTS);
        console.log(
          `  drain ${round + 1}/${DRAIN_ROUNDS}   ${target.padEnd(7)} ${fmt(figures.eventsPerSecond, 0).padStart(7)} events/s ` +
            `(${fmt(figures.ms, 0)} ms, ${figures.deliveries} deliveries)`,
        );
        return figures;
      },
    );

    const pooled = SCENARIOS.flatMap((scenario) =>
      PATHS.map((path) => ({ scenario: scenario.name, path, ...pool(latency.filter((m) => m.scenario === scenario && m.target === path)) })),
    );
    const overheads = SCENARIOS.map((scenario) => {
      // Relay p50 over direct p50, per round.
      const perRound = perRoundRatios(latency, scenario, "relay", "direct", (r) => r.perReceiver.summary().p50Ms);
      return { scenario: scenario.name, subscribers: scenario.subscribers, median: median(perRound), perRound };
    });
    const drainOf = (path: LatencyPath) => {
      const runs: DrainFigures[] = drains.filter((d) => d.target === path).map((d) => d.result);
      return { path, eventsPerSecond: median(runs.map((r) => r.eventsPerSecond)), runs };
    };
    const drainResults = PATHS.map(drainOf);
    const overheadAtOne = overheads[0]!.median;
    const relayDrain = drainResults[0]!.eventsPerSecond;

    return {
      tables: [
        {
          title: `Fan-out latency, client send → receipt, one event at a time (${ROUNDS} rounds pooled)`,
          columns: ["subscribers / path", "samples", "p50 ms", "p99 ms", "max ms", "last receiver p50", "last receiver p99"],
          rows: pooled.map((p) => [
            `${p.scenario} / ${p.path}`,
            p.samples,
            fmt(p.perReceiver.p50Ms, 2),
            fmt(p.perReceiver.p99Ms, 2),
            fmt(p.perReceiver.maxMs, 2),
            fmt(p.allReceived.p50Ms, 2),
            fmt(p.allReceived.p99Ms, 2),
          ]),
        },
        {
          title: "Relay p50 over direct p50 (median of per-round ratios)",
          columns: ["subscribers", "relay / direct", "per round"],
          rows: overheads.map((o) => [o.scenario, `${fmt(o.median)}x`, o.perRound.map((x) => `${fmt(x)}x`).join(" ")]),
        },
        {
          title: "Relay legs (p50 ms): client → ingest response, response → receipt, client → receipt",
          columns: ["subscribers", "ingest response", "response → receipt", "send → receipt"],
          rows: pooled
            .filter((p) => p.path === "relay")
            .map((p) => [p.scenario, fmt(p.response.p50Ms, 2), fmt(p.afterResponse.p50Ms, 2), fmt(p.perReceiver.p50Ms, 2)]),
        },
        {
          title: `Catch-up drain of ${DRAIN_EVENTS.toLocaleString("en-US")} events to one receiver (median of ${DRAIN_ROUNDS} rounds)`,
          columns: ["path", "events/s", "per round", "deliveries"],
          rows: drainResults.map((d) => [
            d.path === "relay" ? "relay (resume → last event received)" : "direct (client POSTs the same batches)",
            fmt(d.eventsPerSecond, 0),
            d.runs.map((r) => fmt(r.eventsPerSecond, 0)).join(" "),
            d.runs[0]?.deliveries ?? "",
          ]),
        },
      ],
      checks: [
        {
          name: "p50 latency overhead over a direct POST, 1 subscriber",
          target: `<= ${TARGET_OVERHEAD_AT_ONE}x`,
          actual: `${fmt(overheadAtOne)}x`,
          pass: overheadAtOne <= TARGET_OVERHEAD_AT_ONE,
        },
        {
          name: "catch-up drain",
          target: `>= ${TARGET_DRAIN_EVENTS_PER_SECOND.toLocaleString("en-US")} events/s`,
          actual: `${fmt(relayDrain, 0)} events/s`,
          pass: relayDrain >= TARGET_DRAIN_EVENTS_PER_SECOND,
        },
      ],
      data: {
        rounds: ROUNDS,
        scenarios: SCENARIOS,
        maxRunMs: MAX_RUN_MS,
        latency: pooled,
        overheads,
        drain: { events: DRAIN_EVENTS, rounds: DRAIN_ROUNDS, results: drainResults },
        targets: { overheadAtOneSubscriber: TARGET_OVERHEAD_AT_ONE, drainEventsPerSecond: TARGET_DRAIN_EVENTS_PER_SECOND },
      },
    };
  } finally {
    await closeGroups(groups);
    await relay.worker.dispose();
  }
}

export const fanoutBenchmark: Benchmark = {
  name: "fanout",
  description: "webhook fan-out latency at 1/10/100 subscribers vs a direct POST, and catch-up drain (issue 3)",
  runByDefault: true,
  run,
};
