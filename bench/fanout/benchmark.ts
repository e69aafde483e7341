import { join } from "node:path";
import type { Benchmark, BenchmarkOutcome } from "../lib/benchmark.ts";
import { startLocalRelay, type LocalRelay } from "../lib/local-relay.ts";
import { startLocalWorker } from "../lib/local-worker.ts";
import { fmt } from "../lib/report.ts";
import { perRoundRatios, runInterleaved, type Measurement } from "../lib/rounds.ts";
import { LatencyRecorder, median, type LatencySummary } from "../lib/stats.ts";
import { receiverSecrets } from "./direct.ts";
import { drainDirect, drainThroughRelay, type DrainFigures } from "./drain.ts";
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
 * 1, 10 and 100 subscribers, through the relay and through the fan-out baseline (a minimal
 * Worker of the relay's design, `baseline/worker.ts`), through the same baseline doing the
 * duties the contract gives any relay (the proposed comparison, see below), and two reference
 * lines: a Worker that POSTs to the receivers itself, and the client POSTing to them directly.
 * All five in interleaved rounds. Then the catch-up drain of a 20,000-event backlog through the relay,
 * through the relay without its attempt log (`without-attempt-log/`) and through the relay
 * without rate limiting (`without-rate-limit/`), alternating, beside the client POSTing the
 * same batches.
 */

/** Issue 9: relay p50 at most this multiple of the baseline's, at every subscriber count. */
const TARGET_OVER_BASELINE = 1.2;
/**
 * Proposed instead (BENCHMARKS.md): the same multiple of the baseline doing the contract's
 * duties (signature check, a lease per receiver, a signature per receiver, an outcome row per
 * answer), so that the ratio prices the relay's design rather than what any relay must do.
 */
const PROPOSED_TARGET_OVER_BASELINE_WITH_DUTIES = 1.2;
/** Issue 3. */
const TARGET_DRAIN_EVENTS_PER_SECOND = 5_000;
/** Issue 9: the attempt log may cost at most 10 % of drain throughput. */
const TARGET_ATTEMPT_LOG_SHARE = 0.9;
/**
 * Issue 11: enforcing rate limits may cost a subscriber without one no measurable drain
 * throughput. Measurable here means the relay without rate limiting drained faster in every
 * round: a one-sided sign test, which 5 rounds out of 5 pass by chance 1 time in 32.
 */
const rateLimitCostIsMeasurable = (perRoundShares: readonly number[]) => perRoundShares.every((share) => share < 1);
const HERE = import.meta.dirname;

type Scenario = { name: string; subscribers: number; samples: number; warmupSamples: number; idleMs: number };

// 4 rounds of 60 samples: 240 samples per configuration and path (×N receipts), enough for a
// p99. Sized so the latency part (five paths) takes about 6 minutes here; each run is also
// time-bounded. `idleMs` is the pause before each sample (latency.ts): at 100 subscribers the
// previous event's answers and outcomes take longer to settle.
const SCENARIOS: readonly Scenario[] = [
  { name: "1 subscriber", subscribers: 1, samples: 60, warmupSamples: 20, idleMs: 20 },
  { name: "10 subscribers", subscribers: 10, samples: 60, warmupSamples: 10, idleMs: 20 },
  { name: "100 subscribers", subscribers: 100, samples: 60, warmupSamples: 5, idleMs: 100 },
];
const PATHS: readonly LatencyPath[] = ["relay", "baseline", "baseline-with-duties", "worker-forward", "direct"];
const ROUNDS = 4;
const MAX_RUN_MS = 30_000;
const DRAIN_EVENTS = 20_000;
const DRAIN_ROUNDS = 5;
/**
 * The attempt log's worst case: one event per delivery, so one attempt row per event (the
 * regular drain writes one per 100 events). Both relays only, alternating.
 */
const SINGLE_EVENT_DRAIN = { events: 2_000, maxBatchSize: 1 };
const SINGLE_EVENT_DRAIN_ROUNDS = 5;
type RelayVariant = "relay" | "relay-without-attempt-log" | "relay-without-rate-limit";
type DrainPath = RelayVariant | "direct";
const RELAY_VARIANTS: readonly RelayVariant[] = ["relay", "relay-without-attempt-log", "relay-without-rate-limit"];
const DRAIN_PATHS: readonly DrainPath[] = [...RELAY_VARIANTS, "direct"];
const DRAIN_LABELS: Record<DrainPath, string> = {
  relay: "relay (resume → last event received)",
  "relay-without-attempt-log": "relay without the attempt log",
  "relay-without-rate-limit": "relay without rate limiting",
  direct: "direct (client POSTs the same batches)",
};

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
  console.log("fanout: starting the relay (one for latency, one for the drains), its variants without the attempt log and without rate limiting, the baseline Worker and the receivers…");
  const relay = await startLocalRelay({ allowInsecureDestinations: true });
  // The drains compare the relay with its variants, which sit idle through the latency part.
  // A relay of its own for them, idle alike, keeps the latency runs' history (workspaces,
  // watchdog alarms, warm objects) out of that comparison: draining through the latency relay,
  // the 1-event drain ran about 15 % below both variants (196 against 231 and 227 events/s),
  // whichever feature the variant lacked.
  const relayForDrains = await startLocalRelay({ allowInsecureDestinations: true, name: "relay-for-drains" });
  const withoutLog: LocalRelay = await startLocalRelay({
    allowInsecureDestinations: true,
    name: "relay-without-attempt-log",
    entrypoint: join(HERE, "without-attempt-log", "worker.ts"),
  });
  const withoutRateLimit: LocalRelay = await startLocalRelay({
    allowInsecureDestinations: true,
    name: "relay-without-rate-limit",
    entrypoint: join(HERE, "without-rate-limit", "worker.ts"),
  });
  const relays: Record<RelayVariant, LocalRelay> = {
    relay: relayForDrains,
    "relay-without-attempt-log": withoutLog,
    "relay-without-rate-limit": withoutRateLimit,
  };
  const baseline = await startLocalWorker({ name: "fanout-baseline", configPath: join(HERE, "baseline", "wrangler.toml") });
  const session = Date.now().toString(36);
  const groups: FanoutGroup[] = [];
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
            : target === "baseline"
              ? await measureBaseline(latencyRun, baseline)
              : target === "baseline-with-duties"
                ? await measureBaselineWithDuties(latencyRun, baseline)
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

    const drains = await runInterleaved(
      { targets: DRAIN_PATHS, scenarios: [DRAIN_EVENTS], warmupRounds: 1, rounds: DRAIN_ROUNDS },
      async ({ target, round }) => {
        const runId = `drain-${session}-r${round}-${target}`;
        const figures =
          target === "direct" ? await drainDirect(runId, DRAIN_EVENTS) : await drainThroughRelay(relays[target], runId, DRAIN_EVENTS);
        console.log(
          `  drain ${round}/${DRAIN_ROUNDS}   ${target.padEnd(25)} ${fmt(figures.eventsPerSecond, 0).padStart(7)} events/s ` +
            `(${fmt(figures.ms, 0)} ms, ${figures.deliveries} deliveries)`,
        );
        return figures;
      },
    );

    const singleEventDrains = await runInterleaved(
      { targets: RELAY_VARIANTS, scenarios: [SINGLE_EVENT_DRAIN], warmupRounds: 1, rounds: SINGLE_EVENT_DRAIN_ROUNDS },
      async ({ target, round }) => {
        const runId = `drain1-${session}-r${round}-${target}`;
        const figures = await drainThroughRelay(relays[target], runId, SINGLE_EVENT_DRAIN.events, SINGLE_EVENT_DRAIN.maxBatchSize);
        console.log(
          `  1-event drain ${round}/${SINGLE_EVENT_DRAIN_ROUNDS}   ${target.padEnd(25)} ${fmt(figures.eventsPerSecond, 0).padStart(7)} events/s ` +
            `(${fmt(figures.ms, 0)} ms, ${figures.deliveries} deliveries)`,
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
    const overBaselineWithDuties = ratiosOver("baseline-with-duties");
    const overForward = ratiosOver("worker-forward");
    const overDirect = ratiosOver("direct");
    const drainOf = (path: DrainPath) => {
      const runs: DrainFigures[] = drains.filter((d) => d.target === path).map((d) => d.result);
      return { path, eventsPerSecond: median(runs.map((r) => r.eventsPerSecond)), runs };
    };
    const drainResults = DRAIN_PATHS.map(drainOf);
    const relayDrain = drainResults[0]!.eventsPerSecond;
    // Drain with the log over drain without it, per round: 1 means free, 0.9 a 10 % cost.
    const logShares = perRoundRatios(drains, DRAIN_EVENTS, "relay", "relay-without-attempt-log", (r) => r.eventsPerSecond);
    const logShare = median(logShares);
    const singleEventOf = (path: RelayVariant) => {
      const runs = singleEventDrains.filter((d) => d.target === path).map((d) => d.result);
      return { path, eventsPerSecond: median(runs.map((r) => r.eventsPerSecond)), runs };
    };
    const singleEventResults = RELAY_VARIANTS.map(singleEventOf);
    const singleEventShares = perRoundRatios(singleEventDrains, SINGLE_EVENT_DRAIN, "relay", "relay-without-attempt-log", (r) => r.eventsPerSecond);
    const singleEventShare = median(singleEventShares);
    // Drain with rate limiting over drain without it, per round, for a subscriber without a limit.
    const rateLimitShares = perRoundRatios(drains, DRAIN_EVENTS, "relay", "relay-without-rate-limit", (r) => r.eventsPerSecond);
    const singleEventRateLimitShares = perRoundRatios(
      singleEventDrains,
      SINGLE_EVENT_DRAIN,
      "relay",
      "relay-without-rate-limit",
      (r) => r.eventsPerSecond,
    );
    const rateLimitRows = [
      { drain: `${DRAIN_EVENTS.toLocaleString("en-US")} events, 100 per delivery`, shares: rateLimitShares },
      { drain: `${SINGLE_EVENT_DRAIN.events.toLocaleString("en-US")} events, 1 per delivery`, shares: singleEventRateLimitShares },
    ];

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
          title: "Relay p50 over the baseline's, over the baseline with the contract's duties, and over the reference lines (median of per-round ratios)",
          columns: ["subscribers", "relay / baseline", "per round", "relay / baseline with duties", "per round", "relay / worker-forward", "relay / direct"],
          rows: overBaseline.map((o, i) => [
            o.scenario,
            `${fmt(o.median)}x`,
            o.perRound.map((x) => `${fmt(x)}x`).join(" "),
            `${fmt(overBaselineWithDuties[i]!.median)}x`,
            overBaselineWithDuties[i]!.perRound.map((x) => `${fmt(x)}x`).join(" "),
            `${fmt(overForward[i]!.median)}x`,
            `${fmt(overDirect[i]!.median)}x`,
          ]),
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
            DRAIN_LABELS[d.path],
            fmt(d.eventsPerSecond, 0),
            d.runs.map((r) => fmt(r.eventsPerSecond, 0)).join(" "),
            d.runs[0]?.deliveries ?? "",
          ]),
        },
        {
          title: `Catch-up drain of ${SINGLE_EVENT_DRAIN.events.toLocaleString("en-US")} events, one event per delivery (median of ${SINGLE_EVENT_DRAIN_ROUNDS} rounds)`,
          columns: ["path", "events/s", "per round", "deliveries"],
          rows: singleEventResults.map((d) => [
            DRAIN_LABELS[d.path],
            fmt(d.eventsPerSecond, 0),
            d.runs.map((r) => fmt(r.eventsPerSecond, 0)).join(" "),
            d.runs[0]?.deliveries ?? "",
          ]),
        },
        {
          title: "Rate limit cost to a subscriber without a limit: drain with rate limiting over drain without it (median of per-round ratios)",
          columns: ["drain", "with / without", "per round", "rounds the relay was not slower"],
          rows: rateLimitRows.map(({ drain, shares }) => [
            drain,
            `${fmt(median(shares) * 100, 1)} %`,
            shares.map((x) => `${fmt(x * 100, 1)} %`).join(" "),
            `${shares.filter((x) => x >= 1).length} of ${shares.length}`,
          ]),
        },
        {
          title: "Attempt log cost: drain with the log over drain without it (median of per-round ratios)",
          columns: ["drain", "with / without", "per round"],
          rows: [
            [`${DRAIN_EVENTS.toLocaleString("en-US")} events, 100 per delivery`, `${fmt(logShare * 100, 1)} %`, logShares.map((x) => `${fmt(x * 100, 1)} %`).join(" ")],
            [
              `${SINGLE_EVENT_DRAIN.events.toLocaleString("en-US")} events, 1 per delivery`,
              `${fmt(singleEventShare * 100, 1)} %`,
              singleEventShares.map((x) => `${fmt(x * 100, 1)} %`).join(" "),
            ],
          ],
        },
      ],
      checks: [
        ...overBaseline.map((o) => ({
          name: `p50 latency over the fan-out baseline, ${o.scenario}`,
          target: `<= ${TARGET_OVER_BASELINE}x`,
          actual: `${fmt(o.median)}x`,
          pass: o.median <= TARGET_OVER_BASELINE,
        })),
        ...overBaselineWithDuties.map((o) => ({
          name: `p50 latency over the baseline with the contract's duties (proposed), ${o.scenario}`,
          target: `<= ${PROPOSED_TARGET_OVER_BASELINE_WITH_DUTIES}x`,
          actual: `${fmt(o.median)}x`,
          pass: o.median <= PROPOSED_TARGET_OVER_BASELINE_WITH_DUTIES,
        })),
        {
          name: "catch-up drain",
          target: `>= ${TARGET_DRAIN_EVENTS_PER_SECOND.toLocaleString("en-US")} events/s`,
          actual: `${fmt(relayDrain, 0)} events/s`,
          pass: relayDrain >= TARGET_DRAIN_EVENTS_PER_SECOND,
        },
        {
          name: "drain with the attempt log / without it",
          target: `>= ${TARGET_ATTEMPT_LOG_SHARE * 100} %`,
          actual: `${fmt(logShare * 100, 1)} %`,
          pass: logShare >= TARGET_ATTEMPT_LOG_SHARE,
        },
        {
          name: "drain with the attempt log / without it, one event per delivery",
          target: `>= ${TARGET_ATTEMPT_LOG_SHARE * 100} %`,
          actual: `${fmt(singleEventShare * 100, 1)} %`,
          pass: singleEventShare >= TARGET_ATTEMPT_LOG_SHARE,
        },
        ...rateLimitRows.map(({ drain, shares }) => ({
          name: `drain with rate limiting / without it, no limit set, ${drain}`,
          target: "not slower in every round (sign test)",
          actual: `${fmt(median(shares) * 100, 1)} %, not slower in ${shares.filter((x) => x >= 1).length} of ${shares.length}`,
          pass: !rateLimitCostIsMeasurable(shares),
        })),
      ],
      data: {
        rounds: ROUNDS,
        scenarios: SCENARIOS,
        maxRunMs: MAX_RUN_MS,
        latency: pooled,
        overBaseline,
        overBaselineWithDuties,
        overForward,
        overDirect,
        drain: { events: DRAIN_EVENTS, rounds: DRAIN_ROUNDS, results: drainResults, attemptLogShare: { median: logShare, perRound: logShares } },
        singleEventDrain: {
          ...SINGLE_EVENT_DRAIN,
          rounds: SINGLE_EVENT_DRAIN_ROUNDS,
          results: singleEventResults,
          attemptLogShare: { median: singleEventShare, perRound: singleEventShares },
          rateLimitShare: { median: median(singleEventRateLimitShares), perRound: singleEventRateLimitShares },
        },
        rateLimitShare: { median: median(rateLimitShares), perRound: rateLimitShares },
        targets: {
          overBaseline: TARGET_OVER_BASELINE,
          proposedOverBaselineWithDuties: PROPOSED_TARGET_OVER_BASELINE_WITH_DUTIES,
          drainEventsPerSecond: TARGET_DRAIN_EVENTS_PER_SECOND,
          attemptLogShare: TARGET_ATTEMPT_LOG_SHARE,
        },
      },
    };
  } finally {
    await closeGroups(groups);
    await Promise.all([relay, ...Object.values(relays)].map((r) => r.worker.dispose()).concat(baseline.dispose()));
  }
}

export const fanoutBenchmark: Benchmark = {
  name: "fanout",
  description:
    "webhook fan-out latency at 1/10/100 subscribers vs a minimal Worker of the relay's design (and the same doing the contract's duties), and catch-up drain with and without the attempt log and rate limiting (issues 3, 9, 11)",
  runByDefault: true,
  run,
};
