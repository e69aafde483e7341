import type { AttemptTrigger } from "../../src/contract/attempts";
import type { DeliveryOutcome, DeliveryRef } from "../../src/contract/delivery-messages";
import type { Subscriber } from "./subscriber-store";

/**
 * One JSON line per delivery outcome, for Workers Logs to index (contract §9): who, which
 * versions, what came of it and how long it took. Never a secret, a URL (it may carry a
 * token) or a payload.
 */
export function logDeliveryOutcome(input: {
  workspaceId: string;
  subscriber: Pick<Subscriber, "id" | "channel">;
  ref: DeliveryRef;
  trigger: AttemptTrigger;
  outcome: DeliveryOutcome;
  eventCount: number;
  /** True when the batch was no longer in flight, so the outcome changed nothing. */
  stale: boolean;
}): void {
  const { ref, outcome } = input;
  console.log(
    JSON.stringify({
      message: input.subscriber.channel === "alerts" ? "alert.delivery" : "delivery",
      workspaceId: input.workspaceId,
      subscriberId: input.subscriber.id,
      webhookId: ref.deliveryId,
      fromVersion: ref.fromVersion,
      toVersion: ref.toVersion,
      eventCount: input.eventCount,
      attempt: ref.attempt,
      trigger: input.trigger,
      outcome: outcome.kind,
      status: outcome.status,
      durationMs: Math.max(0, outcome.at - outcome.startedAt),
      stale: input.stale,
    }),
  );
}
