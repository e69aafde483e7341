import type { QueryCtx } from "../_generated/server";

/**
 * Waits between attempts of a failing batch, by consecutive failure; the last repeats.
 * No jitter: one dispatcher per connection means no herd of retries from one deployment.
 */
export const DEFAULT_RETRY_SCHEDULE_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000];

export async function readSettings(ctx: QueryCtx) {
  return await ctx.db.query("settings").first();
}

/**
 * The origin stamped on outbound events and used to drop our own echoes: the configured one,
 * else the deployment's name (`happy-animal-123`), which is what the contract's examples and
 * a subscriber's `excludeOrigins` use.
 */
export async function resolveOrigin(ctx: QueryCtx): Promise<{ origin: string; source: "configured" | "deployment" }> {
  const configured = (await readSettings(ctx))?.origin;
  if (configured) return { origin: configured, source: "configured" };
  const { name } = await ctx.meta.getDeploymentMetadata();
  return { origin: name, source: "deployment" };
}

export async function retrySchedule(ctx: QueryCtx): Promise<number[]> {
  const schedule = (await readSettings(ctx))?.retryScheduleMs;
  return schedule && schedule.length > 0 ? schedule : DEFAULT_RETRY_SCHEDULE_MS;
}

/** The delay before the attempt that follows `consecutiveFailures` failures (>= 1). */
export function backoffDelay(schedule: readonly number[], consecutiveFailures: number): number {
  const index = Math.min(Math.max(consecutiveFailures, 1), schedule.length) - 1;
  return schedule[index] ?? DEFAULT_RETRY_SCHEDULE_MS[0]!;
}
