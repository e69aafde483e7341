/**
 * `npm run bench [-- name…]`: runs the named benchmarks (by default, all but the diagnostic
 * ones) one after another, prints their tables, and records their figures in
 * `.bench/results.json`.
 * `npm run bench -- --list` lists them. Exits non-zero if a benchmark fails to run; a missed
 * target is reported, not an error, since a benchmark's job is to measure.
 */
import { loadavg } from "node:os";
import type { Benchmark } from "./lib/benchmark.ts";
import { renderChecks, renderTable } from "./lib/report.ts";
import { machineFacts, RESULTS_PATH, saveResults } from "./lib/results.ts";
import { ingestBenchmark } from "./ingest/benchmark.ts";
import { ingestProfileBenchmark } from "./ingest/profile.ts";
import { fanoutBenchmark } from "./fanout/benchmark.ts";
import { fanoutProfileBenchmark } from "./fanout/profile.ts";
import { drainBenchmark } from "./fanout/drain-benchmark.ts";
import { feedBenchmark } from "./feed/benchmark.ts";
import { convexOutboxBenchmark } from "./convex/benchmark.ts";
import { feedProfileBenchmark } from "./feed/profile.ts";
import { replicatorBenchmark } from "./replicator/benchmark.ts";

/** Every benchmark, in the order a full run goes through them. */
const BENCHMARKS: readonly Benchmark[] = [
  ingestBenchmark,
  ingestProfileBenchmark,
  fanoutBenchmark,
  fanoutProfileBenchmark,
  drainBenchmark,
  feedBenchmark,
  convexOutboxBenchmark,
  feedProfileBenchmark,
  replicatorBenchmark,
];

/** The benchmarks named in `args`, or every regular one; undefined if a name is unknown. */
function select(args: readonly string[]): Benchmark[] | undefined {
  if (args.length === 0) return BENCHMARKS.filter((b) => b.runByDefault);
  const selected = args.map((name) => BENCHMARKS.find((b) => b.name === name));
  return selected.every((b) => b !== undefined) ? selected : undefined;
}

async function main(args: string[]): Promise<void> {
  if (args.includes("--list")) {
    for (const b of BENCHMARKS) console.log(`${b.name.padEnd(16)} ${b.description}${b.runByDefault ? "" : " (only when named)"}`);
    return;
  }
  const selected = select(args);
  if (!selected) {
    console.error(`unknown benchmark in "${args.join(" ")}"; available: ${BENCHMARKS.map((b) => b.name).join(", ")}`);
    process.exitCode = 2;
    return;
  }
  const machine = machineFacts();
  console.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}, ` +
      `wrangler ${machine.wrangler}, workerd ${machine.workerd}`,
  );
  for (const benchmark of selected) {
    const started = performance.now();
    // Other work on the machine skews absolute figures; the load average says how busy it was.
    const loadBefore = loadavg()[0]!;
    const outcome = await benchmark.run();
    const seconds = (performance.now() - started) / 1000;
    const loadAverage = { before: loadBefore, after: loadavg()[0]! };
    console.log();
    for (const table of outcome.tables) console.log(renderTable(table) + "\n");
    if (outcome.checks.length) console.log(renderChecks(outcome.checks) + "\n");
    console.log(
      `${benchmark.name} took ${seconds.toFixed(0)} s; 1-minute load average ` +
        `${loadAverage.before.toFixed(1)} before, ${loadAverage.after.toFixed(1)} after`,
    );
    await saveResults(
      benchmark.name,
      { durationSeconds: Math.round(seconds), loadAverage, checks: outcome.checks, ...outcome.data },
      machine,
    );
  }
  console.log(`results written to ${RESULTS_PATH}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
