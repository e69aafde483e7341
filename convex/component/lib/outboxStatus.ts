import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";

/**
 * An outbox event's overall status, from its deliveries: pending while any connection still
 * has to get it, failed when a receiver refused it, sent when all have it, and skipped when
 * there was nowhere to send it.
 */
export async function refreshOutboxStatus(ctx: MutationCtx, outboxId: Id<"outbox">): Promise<void> {
  const event = await ctx.db.get("outbox", outboxId);
  if (!event) return;
  const deliveries = await ctx.db
    .query("deliveries")
    .withIndex("by_outbox", (q) => q.eq("outboxId", outboxId))
    .collect();
  const status = deliveries.some((d) => d.status === "pending")
    ? "pending"
    : deliveries.some((d) => d.status === "failed")
      ? "failed"
      : deliveries.length > 0
        ? "sent"
        : "skipped";
  if (status !== event.status) await ctx.db.patch("outbox", outboxId, { status });
}
