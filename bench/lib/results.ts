import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";

export const RESULTS_PATH = join(import.meta.dirname, "..", "..", ".bench", "results.json");

export type MachineFacts = {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  wrangler: string;
  workerd: string;
  platform: string;
};

/** The facts that make a figure comparable: the runtime versions are those wrangler runs. */
export function machineFacts(): MachineFacts {
  const require = createRequire(import.meta.url);
  const wranglerPkg = require.resolve("wrangler/package.json");
  // The workerd that wrangler runs is its own dependency, which may differ from a top-level one.
  const workerd = createRequire(wranglerPkg)("workerd") as { version: string; compatibilityDate: string };
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    wrangler: (require(wranglerPkg) as { version: string }).version,
    workerd: `${workerd.version} (compatibility date ${workerd.compatibilityDate})`,
    platform: `${process.platform}-${process.arch}`,
  };
}

type ResultsFile = { machine: MachineFacts; benchmarks: Record<string, { finishedAt: string } & Record<string, unknown>> };

/**
 * Records one benchmark's figures in `.bench/results.json`, keeping the other benchmarks'
 * latest figures, so running one benchmark alone does not erase the rest.
 */
export async function saveResults(name: string, data: Record<string, unknown>, machine: MachineFacts): Promise<void> {
  let file: ResultsFile = { machine, benchmarks: {} };
  try {
    file = JSON.parse(await readFile(RESULTS_PATH, "utf8")) as ResultsFile;
  } catch {
    // No earlier results (or unreadable ones): start a new file.
  }
  file.machine = machine;
  file.benchmarks[name] = { finishedAt: new Date().toISOString(), ...data };
  await mkdir(dirname(RESULTS_PATH), { recursive: true });
  await writeFile(RESULTS_PATH, JSON.stringify(file, null, 2) + "\n");
}
