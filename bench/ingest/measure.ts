import { ingestBodies } from "../lib/events.ts";
import { runLoad, type LoadResult } from "../lib/load.ts";
import { fmt } from "../lib/report.ts";
import { perRoundRatios, runInterleaved, type Measurement } from "../lib/rounds.ts";
import { SIGNATURE_TOLERANCE_SECONDS } from "../lib/signed-request.ts";
import { LatencyRecorder, median, type LatencySummary } from "../lib/stats.ts";
import type { IngestTarget } from "./targets.ts";

/** Ingest runs of fixed size on several targets in interleaved rounds, shared by the ingest benchmarks. */

export type IngestScenario = { name: string; eventsPerRequest: number; requests: number; warmupRequests: number };

export type IngestPlan = {
  targets: readonly IngestTarget[];
  scenarios: readonly IngestScenario[];
  warmupRounds: number;
  rounds: number;
  concurrency: number;
  /** Each run stops here even if requests remain, so a slow machine still finishes. */
  maxRunMs: number;
};

export type RunFigures = { requestsPerSecond: number; eventsPerSecond: number; load: LoadResult };
export type IngestMeasurement = Measurement<IngestTarget, IngestScenario, RunFigures>;

async function measureRun(
  plan: IngestPlan,
  target: IngestTarget,
  scenario: IngestScenario,
  logId: string,
  requests: number,
): Promise<RunFigures> {
  const bodies = ingestBodies({ prefix: logId, requests, eventsPerRequest: scenario.eventsPerRequest });
  const run = await target.prepare(logId, bodies);
  const load = await runLoad({
    baseUrl: target.baseUrl,
    requests: run.requests,
    concurrency: plan.concurrency,
    maxDurationMs: plan.maxRunMs,
  });
  if (load.failed > 0) {
    throw new Error(`${target.name} failed ${load.failed} of ${requests} requests: ${load.failures.join(" | ")}`);
  }
  // A figure only counts if the events really are in the log.
  const stored = await run.storedEvents();
  const sent = load.completed * scenario.eventsPerRequest;
  if (stored !== sent) throw new Error(`${target.name} stored ${stored} events of ${sent} acknowledged`);
  return { requestsPerSecond: load.requestsPerSecond, eventsPerSecond: load.requestsPerSecond * scenario.eventsPerRequest, load };
}

/** Runs the plan, logging one line per run, and returns the measured (non-warm-up) runs. */
export function runIngestPlan(plan: IngestPlan): Promise<IngestMeasurement[]> {
  // Requests are signed just before their run; all of a run must be sent while they are valid.
  if (plan.maxRunMs / 1000 > SIGNATURE_TOLERANCE_SECONDS / 2) throw new Error("runs would outlive their signatures");
  const session = Date.now().toString(36);
  return runInterleaved(plan, async ({ target, scenario, round, warmup }) => {
    const logId = `bench-${session}-r${round}-${scenario.eventsPerRequest}-${target.name.replace(/\W/g, "")}`;
    const figures = await measureRun(plan, target, scenario, logId, warmup ? scenario.warmupRequests : scenario.requests);
    const label = warmup ? "warm-up" : `round ${round - plan.warmupRounds + 1}/${plan.rounds}`;
    console.log(
      `  ${label.padEnd(11)} ${scenario.name.padEnd(18)} ${target.name.padEnd(10)} ` +
        `${fmt(figures.requestsPerSecond, 0).padStart(6)} req/s ${fmt(figures.eventsPerSecond, 0).padStart(7)} events/s  ` +
        `p50 ${fmt(figures.load.latency.summary().p50Ms)} ms${figures.load.timedOut ? "  (time bound hit)" : ""}`,
    );
    return figures;
  });
}

export type IngestAggregate = {
  target: string;
  scenario: string;
  eventsPerRequest: number;
  runs: number;
  /** Medians over the rounds. */
  requestsPerSecond: number;
  eventsPerSecond: number;
  perRoundEventsPerSecond: number[];
  /** All rounds' requests pooled. */
  latency: LatencySummary;
  timedOutRuns: number;
};

export function aggregate(measured: readonly IngestMeasurement[], target: IngestTarget, scenario: IngestScenario): IngestAggregate {
  const runs = measured.filter((m) => m.target === target && m.scenario === scenario);
  const latency = new LatencyRecorder();
  for (const run of runs) latency.merge(run.result.load.latency);
  return {
    target: target.name,
    scenario: scenario.name,
    eventsPerRequest: scenario.eventsPerRequest,
    runs: runs.length,
    requestsPerSecond: median(runs.map((r) => r.result.requestsPerSecond)),
    eventsPerSecond: median(runs.map((r) => r.result.eventsPerSecond)),
    perRoundEventsPerSecond: runs.map((r) => Math.round(r.result.eventsPerSecond)),
    latency: latency.summary(),
    timedOutRuns: runs.filter((r) => r.result.load.timedOut).length,
  };
}

/**
 * Throughput of `target` over `reference`, per round and the median of those. Runs of one
 * round are back to back, so a per-round ratio compares like with like even when the
 * machine's load drifts between rounds.
 */
export function pairedRatio(
  measured: readonly IngestMeasurement[],
  scenario: IngestScenario,
  target: IngestTarget,
  reference: IngestTarget,
): { perRound: number[]; median: number } {
  const perRound = perRoundRatios(measured, scenario, target, reference, (r) => r.eventsPerSecond);
  return { perRound, median: median(perRound) };
}
