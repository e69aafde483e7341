/** What every benchmark module exports, so `bench/run.ts` can list, run and report them alike. */

export type Table = {
  title: string;
  columns: readonly string[];
  rows: readonly (readonly (string | number)[])[];
};

/** A target from an issue, checked against the measured figure. */
export type Check = { name: string; target: string; actual: string; pass: boolean };

export type BenchmarkOutcome = {
  tables: Table[];
  checks: Check[];
  /** Machine-readable figures, written under the benchmark's name in `.bench/results.json`. */
  data: Record<string, unknown>;
};

export type Benchmark = {
  name: string;
  /** One line for `npm run bench -- --list`. */
  description: string;
  /** False for diagnostic benchmarks that run only when named. */
  runByDefault: boolean;
  run(): Promise<BenchmarkOutcome>;
};
