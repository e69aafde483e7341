import { register } from "node:module";
import type { ReplicaTarget } from "../../replicator/test/support/replica-targets.ts";
import { ingestBacklog } from "../lib/backlog.ts";
import type { Benchmark, BenchmarkOutcome } from "../lib/benchmark.ts";
import { startLocalRelay } from "../lib/local-relay.ts";
import { fmt } from "../lib/report.ts";
import { runInterleaved, type Measurement } from "../lib/rounds.ts";
import { median } from "../lib/stats.ts";
import type { RunFigures, Scenario } from "./catch-up.ts";

/**
 * Issue 13's replicator benchmark: `runBridge` catching up on a 20,000-event backlog into each
 * adapter — SQLite, Postgres on PGlite, Prisma over libsql and over pg on PGlite — beside the
 * memory adapter, whose figure is the bridge and transport alone. Two ways: the default
 * (WebSocket feed, batches of up to 100) and serverless batch mode reading pages of 1000, so
 * batch size shows. Every run starts from an empty replica; interleaved rounds.
 */

const BACKLOG_EVENTS = 20_000;
/** The backlog's events touch this many users (`bench/lib/events.ts`). */
const BACKLOG_ENTITIES = 5_000;
const SCENARIOS: readonly Scenario[] = [
  { name: "feed, ≤ 100 per batch", mode: "feed", eventsPerBatch: 100 },
  { name: "pages of 1000", mode: "pages", eventsPerBatch: 1_000 },
];
const ROUNDS = 2;

/**
 * The replicator's modules, loaded once the resolve hook is in place: they import the relay's
 * shared contract modules, which name their siblings without an extension (as runner.mjs does).
 */
async function loadReplicator() {
  register("../../replicator/ts-resolve.mjs", import.meta.url);
  const [{ catchUp }, { generatePrismaClients }, { replicaTargets }] = await Promise.all([
    import("./catch-up.ts"),
    import("../../replicator/test/support/prisma-clients.ts"),
    import("../../replicator/test/support/replica-targets.ts"),
  ]);
  return { catchUp, generatePrismaClients, replicaTargets };
}

async function run(): Promise<BenchmarkOutcome> {
  console.log(`replicator: generating Prisma clients, starting the relay, ingesting a ${BACKLOG_EVENTS.toLocaleString("en-US")}-event backlog…`);
  const { catchUp, generatePrismaClients, replicaTargets } = await loadReplicator();
  await generatePrismaClients();
  const relay = await startLocalRelay();
  const { targets, stop } = replicaTargets();
  try {
    const workspaceId = `replicator-${Date.now().toString(36)}`;
    const { ingressSecret } = await relay.admin.createWorkspace(workspaceId);
    const head = await ingestBacklog({ relay, workspaceId, ingressSecret, events: BACKLOG_EVENTS, idPrefix: workspaceId });
    const { key } = await relay.admin.createReadKey(workspaceId, "bench");
    const relayUrl = relay.worker.url.toString();

    let runs = 0;
    const measured: Measurement<ReplicaTarget, Scenario, RunFigures>[] = await runInterleaved(
      { targets, scenarios: SCENARIOS, warmupRounds: 0, rounds: ROUNDS },
      async ({ target, scenario, round }) => {
        const figures = await catchUp({
          target,
          scenario,
          relayUrl,
          workspaceId,
          readKey: key,
          head,
          consumer: `bench-${runs++}`,
          events: BACKLOG_EVENTS,
          entities: BACKLOG_ENTITIES,
        });
        console.log(
          `  round ${round + 1}/${ROUNDS} ${scenario.name.padEnd(22)} ${target.name.padEnd(21)} ` +
            `${fmt(figures.eventsPerSecond, 0).padStart(7)} events/s  (${fmt(figures.wallMs, 0)} ms, ${figures.batches} batches)`,
        );
        return figures;
      },
    );
    const results = SCENARIOS.flatMap((scenario) =>
      targets.map((target) => {
        const mine = measured.filter((m) => m.target === target && m.scenario === scenario);
        return {
          adapter: target.name,
          scenario: scenario.name,
          eventsPerSecond: Math.round(median(mine.map((m) => m.result.eventsPerSecond))),
          perRound: mine.map((m) => Math.round(m.result.eventsPerSecond)),
          wallMs: Math.round(median(mine.map((m) => m.result.wallMs))),
          batches: Math.round(median(mine.map((m) => m.result.batches))),
        };
      }),
    );
    return {
      tables: [
        {
          title: `Replicator catch-up on a ${BACKLOG_EVENTS.toLocaleString("en-US")}-event backlog (${BACKLOG_ENTITIES.toLocaleString("en-US")} entities) (median of ${ROUNDS} rounds; memory = the bridge and transport alone)`,
          columns: ["transport / adapter", "events/s", "per round", "catch-up ms", "batches"],
          rows: results.map((r) => [
            `${r.scenario} / ${r.adapter}`,
            fmt(r.eventsPerSecond, 0),
            r.perRound.map((x) => fmt(x, 0)).join(" "),
            fmt(r.wallMs, 0),
            r.batches,
          ]),
        },
      ],
      // Issue 13 asks for the figures, not a target; a run that misses events fails instead.
      checks: [],
      data: { backlogEvents: BACKLOG_EVENTS, entities: BACKLOG_ENTITIES, rounds: ROUNDS, scenarios: SCENARIOS, results },
    };
  } finally {
    await stop();
    await relay.worker.dispose();
  }
}

export const replicatorBenchmark: Benchmark = {
  name: "replicator",
  description: "Replicator catch-up on a 20,000-event backlog into memory, SQLite, Postgres (PGlite) and Prisma (libsql, pg) (issue 13)",
  runByDefault: true,
  run,
};
