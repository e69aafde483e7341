import { z } from "zod";

/** The windows of `GET …/stats` and the width of their buckets (contract §8). */
export const STATS_WINDOWS = {
  "1h": { bucketSeconds: 60, buckets: 60 },
  "24h": { bucketSeconds: 900, buckets: 96 },
} as const;

export const StatsWindow = z.enum(["1h", "24h"]);
export type StatsWindow = z.infer<typeof StatsWindow>;

export const StatsQuery = z.object({ window: StatsWindow.default("1h") });
export type StatsQuery = z.infer<typeof StatsQuery>;

/**
 * One time bucket. `at` is the bucket's start (ms). Counts are of events, except
 * `failedAttempts` (attempts). `deadLettered` counts events given up on into dead letters.
 * Percentiles are null when the bucket has no deliveries.
 */
export const StatsBucket = z.object({
  at: z.number().int(),
  ingested: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  delivered: z.number().int().min(0),
  failedAttempts: z.number().int().min(0),
  deadLettered: z.number().int().min(0),
  deliveryP50Ms: z.number().min(0).nullable(),
  deliveryP95Ms: z.number().min(0).nullable(),
});
export type StatsBucket = z.infer<typeof StatsBucket>;

/** Every bucket of the window, oldest first, the current (partial) bucket last; empty ones are zeros. */
export const WorkspaceStats = z.object({
  window: StatsWindow,
  bucketSeconds: z.number().int(),
  buckets: z.array(StatsBucket),
});
export type WorkspaceStats = z.infer<typeof WorkspaceStats>;
