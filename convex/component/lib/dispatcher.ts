import type { Doc, Id } from "../_generated/dataModel";
import { internal } from "../_generated/api";
import type { MutationCtx, QueryCtx } from "../_generated/server";

/**
 * One dispatcher per connection, single-flight: a run holds a lease while it drains the
 * outbox, and whoever finds the dispatcher idle (a synced write, `syncNow`, the recovery cron)
 * schedules the next run. Every transition reads and writes the `dispatchers` row, so Convex's
 * optimistic concurrency serialises them: a write that saw the dispatcher running conflicts
 * with the run that set it idle and retries, and then wakes it.
 */
export const MAX_BATCH = 100;
/** Longer than a run can take (20 batches × 15 s timeout), so a live run never loses it. */
export const LEASE_MS = 6 * 60_000;

export async function dispatcherOf(ctx: QueryCtx, connectionId: Id<"connections">) {
  return await ctx.db
    .query("dispatchers")
    .withIndex("by_connection", (q) => q.eq("connectionId", connectionId))
    .unique();
}

export async function healthOf(ctx: QueryCtx, connectionId: Id<"connections">) {
  return await ctx.db
    .query("connectionHealth")
    .withIndex("by_connection", (q) => q.eq("connectionId", connectionId))
    .unique();
}

function leaseExpired(dispatcher: Doc<"dispatchers">, now: number): boolean {
  return (dispatcher.leaseUntil ?? 0) <= now;
}

/**
 * Schedules a run unless one is due anyway. `skipBackoff` (manual sync) also cuts a backoff
 * short; otherwise a backing-off dispatcher keeps its scheduled retry.
 */
export async function wake(
  ctx: MutationCtx,
  dispatcher: Doc<"dispatchers">,
  options: { now: number; skipBackoff?: boolean },
): Promise<boolean> {
  const { now } = options;
  const due =
    dispatcher.phase === "idle" ||
    (dispatcher.phase === "backoff" && options.skipBackoff === true) ||
    ((dispatcher.phase === "scheduled" || dispatcher.phase === "running") && leaseExpired(dispatcher, now));
  if (!due) return false;
  await scheduleRun(ctx, dispatcher, 0, { phase: "scheduled", leaseUntil: now + LEASE_MS });
  return true;
}

/** Schedules `dispatch.run` after `delayMs` and records the new phase with the job. */
export async function scheduleRun(
  ctx: MutationCtx,
  dispatcher: Doc<"dispatchers">,
  delayMs: number,
  state: { phase: "scheduled"; leaseUntil: number } | { phase: "backoff"; nextAttemptAt: number },
): Promise<void> {
  const runJobId = await ctx.scheduler.runAfter(delayMs, internal.dispatch.run, {
    connectionId: dispatcher.connectionId,
  });
  await ctx.db.replace("dispatchers", dispatcher._id, {
    connectionId: dispatcher.connectionId,
    batchLimit: dispatcher.batchLimit,
    runJobId,
    ...state,
  });
}

export async function hasPendingDeliveries(ctx: QueryCtx, connectionId: Id<"connections">): Promise<boolean> {
  const first = await ctx.db
    .query("deliveries")
    .withIndex("by_connection_status", (q) => q.eq("connectionId", connectionId).eq("status", "pending"))
    .first();
  return first !== null;
}
