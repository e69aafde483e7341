import type { Migration } from "../schema";

/** Per-workspace operator statistics (contract §8), in one-minute buckets. */
export const statsMigrations: Migration[] = [
  {
    name: "stats/0001-minute-buckets",
    up: (sql) => {
      // One row per minute that saw any activity; `at` is the minute's start (ms). The 24 h
      // window merges fifteen of them per bucket. latency_bins is a sparse log-scale
      // histogram (see latency-histogram.ts) as JSON.
      sql`CREATE TABLE stats_minutes (
        at INTEGER PRIMARY KEY,
        ingested INTEGER NOT NULL,
        duplicates INTEGER NOT NULL,
        delivered INTEGER NOT NULL,
        failed_attempts INTEGER NOT NULL,
        dead_lettered INTEGER NOT NULL,
        latency_bins TEXT NOT NULL
      )`;
    },
  },
];
