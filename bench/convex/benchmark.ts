import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OutboxThroughput, PathFigures } from "../../convex/testing/outbox-throughput.measure.ts";
import type { Benchmark, BenchmarkOutcome } from "../lib/benchmark.ts";
import { startLocalRelay } from "../lib/local-relay.ts";
import { fmt } from "../lib/report.ts";
import { median } from "../lib/stats.ts";

/**
 * Issue 12's outbox benchmark: events per second from synced mutations through the Convex
 * component's outbox to the relay's log, under convex-test, batched as the dispatcher batches
 * (up to 100 per signed request, one dispatcher per connection), beside plain writes (the
 * app's cost alone) and direct signed ingest in batches of 100 (the relay's side alone), in
 * interleaved rounds against the relay under `wrangler dev`. convex-test needs Vite, so the
 * measuring runs in a Vitest child process (`convex/testing/outbox-throughput.measure.ts`).
 */

/**
 * Two run sizes: convex-test's in-memory database scans a whole table for every index query,
 * so a synced write (which looks up its entity and, in the dispatcher, the pending deliveries)
 * costs more the more events a run has already written. A deployment's indexes do not.
 */
const SIZES = [100, 500];
const ROUNDS = 5;
const PATHS = [
  ["plain", "plain writes (no federation)"],
  ["synced", "synced writes → outbox → relay log"],
  ["direct", "direct signed ingest, 100/batch"],
] as const;

async function measure(setup: unknown): Promise<OutboxThroughput> {
  const dir = await mkdtemp(join(tmpdir(), "bench-convex-"));
  const out = join(dir, "figures.json");
  try {
    const root = join(import.meta.dirname, "..", "..");
    await new Promise<void>((resolve, reject) => {
      const child = spawn("npx", ["vitest", "run", "--config", "bench/convex/vitest.config.ts"], {
        cwd: root,
        env: { ...process.env, BENCH_SETUP: JSON.stringify(setup), BENCH_OUT: out },
        stdio: ["ignore", "inherit", "inherit"],
      });
      child.on("error", reject);
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the measuring Vitest run exited with ${code}`))));
    });
    return JSON.parse(await readFile(out, "utf8")) as OutboxThroughput;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function run(): Promise<BenchmarkOutcome> {
  console.log("convex-outbox: starting the relay…");
  const relay = await startLocalRelay();
  try {
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const bySize = [];
      for (const events of SIZES) {
        const workspace = async (path: string) => {
          const id = `bench-convex-${path}-${events}-${round}-${Date.now().toString(36)}`;
          const { ingressSecret } = await relay.admin.createWorkspace(id);
          return { workspace: id, secret: ingressSecret, readKey: (await relay.admin.createReadKey(id, "bench")).key };
        };
        bySize.push({ synced: await workspace("synced"), direct: await workspace("direct") });
      }
      rounds.push(bySize);
    }
    const measured = await measure({ relayUrl: relay.worker.url.origin, sizes: SIZES, rounds });
    const runs = (size: number, path: (typeof PATHS)[number][0]) => measured.rounds.map((r) => r[size]![path]);
    const medianOf = (size: number, path: (typeof PATHS)[number][0], pick: (f: PathFigures) => number) =>
      median(runs(size, path).map(pick));
    return {
      tables: [
        {
          title: `Convex outbox under convex-test, ${ROUNDS} interleaved rounds (medians)`,
          columns: ["events per run / path", "events/s", "ms per run", "of which writes", "batches per run", "per round (events/s)"],
          rows: SIZES.flatMap((events, size) =>
            PATHS.map(([key, label]) => [
              `${events} / ${label}`,
              fmt(medianOf(size, key, (f) => f.eventsPerSecond), 0),
              fmt(medianOf(size, key, (f) => f.elapsedMs), 0),
              key === "synced" ? fmt(medianOf(size, key, (f) => f.writesMs ?? 0), 0) : "-",
              key === "plain" ? "-" : fmt(medianOf(size, key, (f) => f.batches ?? 0), 0),
              runs(size, key).map((f) => fmt(f.eventsPerSecond, 0)).join(" "),
            ]),
          ),
        },
        {
          title: "Synced writes end to end as a share of direct ingest (median of per-round ratios)",
          columns: ["events per run", "synced / direct", "per round"],
          rows: SIZES.map((events, size) => {
            const ratios = measured.rounds.map((r) => r[size]!.synced.eventsPerSecond / r[size]!.direct.eventsPerSecond);
            return [events, `${fmt(median(ratios) * 100)}%`, ratios.map((x) => `${fmt(x * 100, 0)}%`).join(" ")];
          }),
        },
      ],
      checks: [],
      data: { sizes: SIZES, rounds: ROUNDS, measured },
    };
  } finally {
    await relay.worker.dispose();
  }
}

export const convexOutboxBenchmark: Benchmark = {
  name: "convex-outbox",
  description: "Convex component: synced mutations through the outbox to the relay's log, under convex-test",
  // Named to run (`npm run bench -- convex-outbox`): its figures are convex-test's, which the
  // relay's regular benchmarks should not wait on.
  runByDefault: false,
  run,
};
