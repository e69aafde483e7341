import { ingestBacklog } from "../lib/backlog.ts";
import type { Benchmark, BenchmarkOutcome } from "../lib/benchmark.ts";
import { startLocalRelay, type LocalRelay } from "../lib/local-relay.ts";
import { fmt } from "../lib/report.ts";
import { perRoundRatios, runInterleaved, type Measurement } from "../lib/rounds.ts";
import { LatencyRecorder, median, type LatencySummary } from "../lib/stats.ts";
import { readFeed, readPages, type ReadFigures, type ReadTarget } from "./readers.ts";

/**
 * Issue 5's feed benchmark, with issue 13's targets: readers catching up on a 20,000-event
 * backlog through the WebSocket feed (acking every frame), beside the same readers paging the
 * read API, one reader and 50 at once, in interleaved rounds, against the relay under
 * `wrangler dev`.
 */

type Path = "feed" | "read API";
type Scenario = { name: string; readers: number; warmupRounds: number; rounds: number };

const BACKLOG_EVENTS = 20_000;
const PATHS: readonly Path[] = ["feed", "read API"];
// 50 readers read a million events per run (about 600 MB of JSON), which takes this machine
// minutes; one round of them keeps the whole benchmark run within about 8 minutes.
const SCENARIOS: readonly Scenario[] = [
  { name: "1 reader", readers: 1, warmupRounds: 1, rounds: 3 },
  { name: "50 readers", readers: 50, warmupRounds: 0, rounds: 1 },
];
/** Every reader must hold the whole backlog by then, or the run fails. */
const READ_TIMEOUT_MS = 120_000;

/** One run: every reader started at once; figures per reader and for the group. */
type RunFigures = {
  readers: ReadFigures[];
  /** First connect → the last reader holds its last event. */
  wallMs: number;
  /** All readers' events over `wallMs`. */
  eventsPerSecond: number;
  /**
   * After the last reader is done, how long a request to the workspace then waits: work the
   * Durable Object still had queued (feed acks), which would otherwise slow the next run.
   */
  busyAfterMs: number;
};

async function readAll(relay: LocalRelay, path: Path, target: ReadTarget, readers: number, round: number): Promise<RunFigures> {
  const startedAt = performance.now();
  const results = await Promise.all(
    Array.from({ length: readers }, (_, i) => (path === "feed" ? readFeed(target, `bench-reader-${i}`) : readPages(target))),
  );
  const wallMs = performance.now() - startedAt;
  for (const [i, r] of results.entries()) {
    if (r.events !== BACKLOG_EVENTS) throw new Error(`${path} reader ${i} in round ${round} read ${r.events} events, not ${BACKLOG_EVENTS}`);
  }
  // The workspace's Durable Object takes requests and socket messages in order, so this call
  // returns only once everything the readers sent it has been handled.
  const settling = performance.now();
  await relay.admin.workspaceInfo(target.workspaceId);
  const busyAfterMs = performance.now() - settling;
  return { readers: results, wallMs, eventsPerSecond: (readers * BACKLOG_EVENTS) / (wallMs / 1000), busyAfterMs };
}

type Aggregate = {
  path: Path;
  scenario: string;
  readers: number;
  /** Median over rounds. */
  eventsPerSecond: number;
  perRoundEventsPerSecond: number[];
  /** Every reader of every round pooled: connect → last event, and connect → first event. */
  catchUp: LatencySummary;
  firstEvent: LatencySummary;
  messagesPerReader: number;
  /** Median over rounds (see `RunFigures.busyAfterMs`). */
  busyAfterMs: number;
};

function aggregate(runs: readonly Measurement<Path, Scenario, RunFigures>[], path: Path, scenario: Scenario): Aggregate {
  const mine = runs.filter((r) => r.target === path && r.scenario === scenario);
  const catchUp = new LatencyRecorder();
  const firstEvent = new LatencyRecorder();
  for (const reader of mine.flatMap((r) => r.result.readers)) {
    catchUp.record(reader.doneMs);
    firstEvent.record(reader.firstEventMs);
  }
  return {
    path,
    scenario: scenario.name,
    readers: scenario.readers,
    eventsPerSecond: median(mine.map((r) => r.result.eventsPerSecond)),
    perRoundEventsPerSecond: mine.map((r) => Math.round(r.result.eventsPerSecond)),
    catchUp: catchUp.summary(),
    firstEvent: firstEvent.summary(),
    messagesPerReader: mine[0]?.result.readers[0]?.messages ?? 0,
    busyAfterMs: median(mine.map((r) => r.result.busyAfterMs)),
  };
}

async function run(): Promise<BenchmarkOutcome> {
  console.log(`feed: starting the relay and ingesting a ${BACKLOG_EVENTS.toLocaleString("en-US")}-event backlog…`);
  const relay = await startLocalRelay();
  try {
    const workspaceId = `feed-${Date.now().toString(36)}`;
    const { ingressSecret } = await relay.admin.createWorkspace(workspaceId);
    const head = await ingestBacklog({ relay, workspaceId, ingressSecret, events: BACKLOG_EVENTS, idPrefix: workspaceId });
    const { key } = await relay.admin.createReadKey(workspaceId, "bench");
    const target: ReadTarget = { baseUrl: relay.worker.url, workspaceId, readKey: key, through: head, timeoutMs: READ_TIMEOUT_MS };

    const measured: Measurement<Path, Scenario, RunFigures>[] = [];
    for (const scenario of SCENARIOS) {
      const plan = { targets: PATHS, scenarios: [scenario], warmupRounds: scenario.warmupRounds, rounds: scenario.rounds };
      measured.push(
        ...(await runInterleaved(plan, async ({ target: path, round, warmup }) => {
          const figures = await readAll(relay, path, target, scenario.readers, round);
          const label = warmup ? "warm-up" : `round ${round - scenario.warmupRounds + 1}/${scenario.rounds}`;
          console.log(
            `  ${label.padEnd(11)} ${scenario.name.padEnd(11)} ${path.padEnd(9)} ` +
              `${fmt(figures.eventsPerSecond, 0).padStart(9)} events/s  last reader done after ${fmt(figures.wallMs, 0)} ms, ` +
              `relay busy ${fmt(figures.busyAfterMs, 0)} ms after`,
          );
          return figures;
        })),
      );
    }
    const results = SCENARIOS.flatMap((scenario) => PATHS.map((path) => aggregate(measured, path, scenario)));
    const ratio = (scenario: Scenario) => {
      const perRound = perRoundRatios(measured, scenario, "feed", "read API", (r) => r.eventsPerSecond);
      return { scenario: scenario.name, median: median(perRound), perRound };
    };
    const ratios = SCENARIOS.map(ratio);

    return {
      tables: [
        {
          title: `Reading a ${BACKLOG_EVENTS.toLocaleString("en-US")}-event backlog (events/s: median of rounds; times: every reader of every round)`,
          columns: [
            "readers / path",
            "events/s (all readers)",
            "per round",
            "catch-up p50 ms",
            "catch-up max ms",
            "first event p50 ms",
            "frames or pages",
            "relay busy after, ms",
          ],
          rows: results.map((a) => [
            `${a.scenario} / ${a.path}`,
            fmt(a.eventsPerSecond, 0),
            a.perRoundEventsPerSecond.map((x) => fmt(x, 0)).join(" "),
            fmt(a.catchUp.p50Ms, 0),
            fmt(a.catchUp.maxMs, 0),
            fmt(a.firstEvent.p50Ms, 1),
            a.messagesPerReader,
            fmt(a.busyAfterMs, 0),
          ]),
        },
        {
          title: "Feed throughput over read-API throughput (median of per-round ratios)",
          columns: ["readers", "feed / read API", "per round"],
          rows: ratios.map((r) => [r.scenario, `${fmt(r.median, 2)}x`, r.perRound.map((x) => `${fmt(x, 2)}x`).join(" ")]),
        },
      ],
      // Issue 13's targets; correctness (every event, in order, to every reader) is enforced by
      // failing the run instead.
      checks: ratios.map((r) => {
        const target = r.scenario === "1 reader" ? 2 : 1;
        return {
          name: `feed / read API, ${r.scenario} (median of per-round ratios)`,
          target: `≥ ${target}x`,
          actual: `${fmt(r.median, 2)}x`,
          pass: r.median >= target,
        };
      }),
      data: { backlogEvents: BACKLOG_EVENTS, scenarios: SCENARIOS, results, ratios },
    };
  } finally {
    await relay.worker.dispose();
  }
}

export const feedBenchmark: Benchmark = {
  name: "feed",
  description: "WebSocket feed catch-up on a 20,000-event backlog, 1 and 50 readers, vs paging the read API (issue 5)",
  runByDefault: true,
  run,
};
