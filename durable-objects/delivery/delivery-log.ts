import type { AttemptTrigger } from "../../src/contract/attempts";
import type { DeliveryOutcome, DeliveryRef } from "../../src/contract/delivery-messages";
import type { Subscriber } from "./subscriber-store";

export type DeliveryOutcomeRecord = {
  workspaceId: string;
  subscriber: Pick<Subscriber, "id" | "channel">;
  ref: DeliveryRef;
  trigger: AttemptTrigger;
  outcome: DeliveryOutcome;
  eventCount: number;
  /** True when the batch was no longer in flight, so the outcome changed nothing. */
  stale: boolean;
};

/**
 * One JSON line per delivery outcome, for Workers Logs to index (contract §9): who, which
 * versions, what came of it and how long it took; never a secret, a URL (it may carry a
 * token) or a payload. With the optional `DELIVERY_ANALYTICS` binding (Workers Analytics
 * Engine; absent by default) each outcome is also one data point, indexed by workspace.
 */
export function recordDeliveryOutcome(record: DeliveryOutcomeRecord, analytics?: AnalyticsEngineDataset): void {
  const { ref, outcome } = record;
  const channel = record.subscriber.channel === "alerts" ? "alert.delivery" : "delivery";
  const durationMs = Math.max(0, outcome.at - outcome.startedAt);
  console.log(
    JSON.stringify({
      message: channel,
      workspaceId: record.workspaceId,
      subscriberId: record.subscriber.id,
      webhookId: ref.deliveryId,
      fromVersion: ref.fromVersion,
      toVersion: ref.toVersion,
      eventCount: record.eventCount,
      attempt: ref.attempt,
      trigger: record.trigger,
      outcome: outcome.kind,
      status: outcome.status,
      durationMs,
      stale: record.stale,
    }),
  );
  analytics?.writeDataPoint({
    indexes: [record.workspaceId],
    blobs: [channel, record.subscriber.id, outcome.kind, record.trigger],
    doubles: [outcome.status ?? 0, durationMs, record.eventCount, ref.attempt, ref.fromVersion, ref.toVersion],
  });
}
