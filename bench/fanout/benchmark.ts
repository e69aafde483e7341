import { join } from "node:path";
import type { Benchmark, BenchmarkOutcome } from "../lib/benchmark.ts";
import { startLocalRelay } from "../lib/local-relay.ts";
import { startLocalWorker } from "../lib/local-worker.ts";
import { fmt } from "../lib/report.ts";
import { perRoundRatios, roundsWhere, runInterleaved, type Measurement } from "../lib/rounds.ts";
import { LatencyRecorder, median, type LatencySummary } from "../lib/stats.ts";
import { receiverSecrets } from "./direct.ts";
import {
  measureBaseline,
  measureBaselineWithDuties,
  measureDirect,
  measureForward,
  measureRelay,
  type LatencyFigures,
  type LatencyPath,
} from "./latency.ts";
import { closeGroups, createFanoutGroup, type FanoutGroup } from "./subscribers.ts";

/**
 * The fan-out benchmark, against the relay under `wrangler dev` with webhook subscribers on
 * HTTP receivers on 127.0.0.1: end-to-end latency from the client's ingest to each receiver at
 * 1, 10 and 100 subscribers, through the relay and through the fan-out baseline Worker
 * (`baseline/worker.ts`), a minimal Worker of the relay's design, four ways:
 *   - as issue 9 defines it, one Worker invocation per receiver;
 *   - grouped, six receivers to an invocation, as the relay sends them (the relay's design
 *     since it carries six attempts to an invocation);
 *   - each of those two doing the duties the contract gives any relay (the proposed
 *     comparison, see below).
 * Two reference lines: a Worker that POSTs to the receivers itself, and the client POSTing to
 * them directly. The relay also runs on a second workspace, an A/A control. All eight in
 * interleaved rounds. The catch-up drains are a benchmark of their own (`drain-benchmark.ts`).
 */

/**
 * Issue 9: relay p50 at most this multiple of the baseline's, at every subscriber count. It is
 * checked against the baseline as the issue defines it (one invocation per receiver) and
 * against the same baseline grouped as the relay groups its attempts: the issue asks for "a
 * baseline of the relay's own design", and the relay's design changed.
 */
const TARGET_OVER_BASELINE = 1.2;
/**
 * Proposed instead (BENCHMARKS.md): the same multiple of the grouped baseline doing the
 * contract's duties (signature check, a lease per receiver, a signature per receiver, an
 * outcome row per answer), so that the ratio prices the relay's design rather than what any
 * relay must do.
 */
const PROPOSED_TARGET_OVER_BASELINE_WITH_DUTIES = 1.2;
const HERE = import.meta.dirname;

type Scenario = { name: string; subscribers: number; samples: number; warmupSamples: number; idleMs: number };

// 8 rounds of 35 samples: 280 samples per configuration and path (×N receipts), enough for a
// p99, and with the eight paths in a balanced order (`balancedOrder`) each path runs once in each
// position and follows every other path once. Sized so that the benchmark takes about 9 minutes
// here; each run is also time-bounded. `idleMs` is the pause before each sample (latency.ts): at 100 subscribers the
// previous event's answers and outcomes take longer to settle.
const SCENARIOS: readonly Scenario[] = [
  { name: "1 subscriber", subscribers: 1, samples: 35, warmupSamples: 20, idleMs: 20 },
  { name: "10 subscribers", subscribers: 10, samples: 35, warmupSamples: 10, idleMs: 20 },
  { name: "100 subscribers", subscribers: 100, samples: 35, warmupSamples: 5, idleMs: 100 },
];
/**
 * "relay-again" is the relay unchanged, on a second workspace with receivers of its own: the
 * relay over it is an A/A control, which shows how far apart two identical paths come out here,
 * and so how close to a target a ratio can be told from it.
 */
const PATHS: readonly LatencyPath[] = [
  "relay",
  "relay-again",
  "baseline",
  "baseline-grouped",
  "baseline-with-duties",
  "baseline-grouped-with-duties",
  "worker-forward",
  "direct",
];
const ROUNDS = 8;
const MAX_RUN_MS = 30_000;

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
  console.log("fanout: starting the relay, the baseline Worker and the receivers…");
  const relay = await startLocalRelay({ allowInsecureDestinations: true });
  const baseline = await startLocalWorker({ name: "fanout-baseline", configPath: join(HERE, "baseline", "wrangler.toml") });
  const session = Date.now().toString(36);
  const groups: FanoutGroup[] = [];
  const groupsAgain: FanoutGroup[] = [];
  try {
    // A secret per receiver: the direct POSTs sign with them, and so does the baseline's duties path.
    const secrets: string[][] = [];
    for (const s of SCENARIOS) {
      const group = await createFanoutGroup({ relay, workspaceId: `fanout-${session}-n${s.subscribers}`, count: s.subscribers, start: "head" });
      secrets.push(receiverSecrets(s.subscribers));
      const registered = await fetch(new URL(`/groups/${group.workspaceId}/receivers`, baseline.url), {
        method: "PUT",
        body: JSON.stringify({
          urls: group.subscriptions.map((sub) => sub.receiver.url.href),
          ingressSecret: group.ingressSecret,
          secrets: secrets.at(-1),
        }),
      });
      if (registered.status !== 204) throw new Error(`baseline: registering receivers answered ${registered.status}`);
      groups.push(group);
      groupsAgain.push(
        await createFanoutGroup({ relay, workspaceId: `fanout-${session}-n${s.subscribers}-again`, count: s.subscribers, start: "head" }),
      );
    }

    const latency = await runInterleaved(
      { targets: PATHS, scenarios: SCENARIOS, warmupRounds: 1, rounds: ROUNDS },
      async ({ target, scenario, round, warmup }) => {
        const i = SCENARIOS.indexOf(scenario);
        const latencyRun = {
          relay,
          group: groups[i]!,
          directSecrets: secrets[i]!,
          samples: warmup ? scenario.warmupSamples : scenario.samples,
          idPrefix: `${session}-r${round}-${target}`,
          maxRunMs: MAX_RUN_MS,
          idleMs: scenario.idleMs,
        };
        const figures =
          target === "relay"
            ? await measureRelay(latencyRun)
            : target === "relay-again"
              ? await measureRelay({ ...latencyRun, group: groupsAgain[i]! })
              : target === "baseline" || target === "baseline-grouped"
                ? await measureBaseline(latencyRun, baseline, target === "baseline-grouped")
                : target === "baseline-with-duties" || target === "baseline-grouped-with-duties"
                  ? await measureBaselineWithDuties(latencyRun, baseline, target === "baseline-grouped-with-duties")
                  : target === "worker-forward"
                    ? await measureForward(latencyRun, baseline)
                    : await measureDirect(latencyRun);
        const summary = figures.perReceiver.summary();
        console.log(
          `  ${(warmup ? "warm-up" : `round ${round}/${ROUNDS}`).padEnd(11)} ${scenario.name.padEnd(16)} ${target.padEnd(20)} ` +
            `${String(figures.samples).padStart(4)} samples  p50 ${fmt(summary.p50Ms)} ms  p99 ${fmt(summary.p99Ms)} ms` +
            (figures.timedOut ? "  (time bound hit)" : ""),
        );
        return figures;
      },
    );

    const pooled = SCENARIOS.flatMap((scenario) =>
      PATHS.map((path) => ({ scenario: scenario.name, path, ...pool(latency.filter((m) => m.scenario === scenario && m.target === path)) })),
    );
    // Relay p50 over another path's p50, per round (the two ran back to back).
    const ratiosOver = (other: LatencyPath) =>
      SCENARIOS.map((scenario) => {
        const perRound = perRoundRatios(latency, scenario, "relay", other, (r) => r.perReceiver.summary().p50Ms);
        return { scenario: scenario.name, subscribers: scenario.subscribers, median: median(perRound), perRound };
      });
    const overBaseline = ratiosOver("baseline");
    const overGroupedBaseline = ratiosOver("baseline-grouped");
    const overBaselineWithDuties = ratiosOver("baseline-with-duties");
    const overGroupedBaselineWithDuties = ratiosOver("baseline-grouped-with-duties");
    const overForward = ratiosOver("worker-forward");
    const overDirect = ratiosOver("direct");
    const overItself = ratiosOver("relay-again");
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
          title:
            "Relay p50 over the baselines' (one invocation per receiver, and grouped six to an invocation as the relay sends), with and without the contract's duties (median of per-round ratios)",
          columns: ["subscribers", "relay / baseline", "per round", "relay / grouped baseline", "per round", "relay / baseline with duties", "relay / grouped baseline with duties", "per round"],
          rows: overBaseline.map((o, i) => [
            o.scenario,
            `${fmt(o.median, 2)}x`,
            o.perRound.map((x) => `${fmt(x, 2)}x`).join(" "),
            `${fmt(overGroupedBaseline[i]!.median, 2)}x`,
            overGroupedBaseline[i]!.perRound.map((x) => `${fmt(x, 2)}x`).join(" "),
            `${fmt(overBaselineWithDuties[i]!.median, 2)}x`,
            `${fmt(overGroupedBaselineWithDuties[i]!.median, 2)}x`,
            overGroupedBaselineWithDuties[i]!.perRound.map((x) => `${fmt(x, 2)}x`).join(" "),
          ]),
        },
        {
          title: "Relay p50 over the reference lines' (median of per-round ratios)",
          columns: ["subscribers", "relay / worker-forward", "relay / direct"],
          rows: overForward.map((o, i) => [o.scenario, `${fmt(o.median, 2)}x`, `${fmt(overDirect[i]!.median, 2)}x`]),
        },
        {
          title:
            "A/A control: the relay's p50 over the same relay's on another workspace; how far apart identical paths come out (median of per-round ratios)",
          columns: ["subscribers", "relay / relay again", "per round", "rounds the relay was not slower"],
          rows: overItself.map((o) => [
            o.scenario,
            `${fmt(o.median, 2)}x`,
            o.perRound.map((x) => `${fmt(x, 2)}x`).join(" "),
            // Ratios of latency: at most 1 is not slower.
            roundsWhere(o.perRound, (ratio) => ratio <= 1),
          ]),
        },
        {
          title: "Relay legs (p50 ms): client → ingest response, response → receipt, client → receipt",
          columns: ["subscribers", "ingest response", "response → receipt", "send → receipt"],
          rows: pooled
            .filter((p) => p.path === "relay")
            .map((p) => [p.scenario, fmt(p.response.p50Ms, 2), fmt(p.afterResponse.p50Ms, 2), fmt(p.perReceiver.p50Ms, 2)]),
        },
      ],
      checks: [
        ...overBaseline.map((o) => ({
          name: `p50 latency over the fan-out baseline (an invocation per receiver, as issue 9 has it), ${o.scenario}`,
          target: `<= ${TARGET_OVER_BASELINE}x`,
          // Two decimals: a ratio of 1.21 printed as "1.2x" next to MISS would read as a pass.
          actual: `${fmt(o.median, 2)}x`,
          pass: o.median <= TARGET_OVER_BASELINE,
        })),
        ...overGroupedBaseline.map((o) => ({
          name: `p50 latency over the fan-out baseline grouped as the relay sends (six to an invocation), ${o.scenario}`,
          target: `<= ${TARGET_OVER_BASELINE}x`,
          actual: `${fmt(o.median, 2)}x`,
          pass: o.median <= TARGET_OVER_BASELINE,
        })),
        ...overGroupedBaselineWithDuties.map((o) => ({
          name: `p50 latency over the grouped baseline with the contract's duties (proposed), ${o.scenario}`,
          target: `<= ${PROPOSED_TARGET_OVER_BASELINE_WITH_DUTIES}x`,
          actual: `${fmt(o.median, 2)}x`,
          pass: o.median <= PROPOSED_TARGET_OVER_BASELINE_WITH_DUTIES,
        })),
      ],
      data: {
        rounds: ROUNDS,
        scenarios: SCENARIOS,
        maxRunMs: MAX_RUN_MS,
        latency: pooled,
        overBaseline,
        overGroupedBaseline,
        overBaselineWithDuties,
        overGroupedBaselineWithDuties,
        overForward,
        overDirect,
        overItself,
        targets: {
          overBaseline: TARGET_OVER_BASELINE,
          proposedOverBaselineWithDuties: PROPOSED_TARGET_OVER_BASELINE_WITH_DUTIES,
        },
      },
    };
  } finally {
    await closeGroups([...groups, ...groupsAgain]);
    await Promise.all([relay.worker.dispose(), baseline.dispose()]);
  }
}

export const fanoutBenchmark: Benchmark = {
  name: "fanout",
  description:
    "webhook fan-out latency at 1/10/100 subscribers vs a minimal Worker of the relay's design (an invocation per receiver, and six to one as the relay sends), and the same doing the contract's duties (issues 3, 9)",
  runByDefault: true,
  run,
};
