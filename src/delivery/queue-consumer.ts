import { DeliveryRef } from "../contract/delivery-messages";
import { performDelivery } from "./perform";

export const DELIVERY_QUEUE_NAME = "relay-deliveries";
export const DELIVERY_DLQ_NAME = "relay-deliveries-dlq";

function workspaceStub(env: Env, workspaceId: string) {
  return env.WORKSPACE.get(env.WORKSPACE.idFromName(workspaceId));
}

/**
 * Scheduled retries. The message is only a reference: the workspace DO says whether it is
 * still current and, if so, hands over the signed request; the consumer sends it and reports
 * the outcome back. Only the DO moves cursors.
 */
async function retryDelivery(message: Message<unknown>, env: Env): Promise<void> {
  const parsed = DeliveryRef.safeParse(message.body);
  if (!parsed.success) {
    console.error("dropping a malformed delivery message", message.id);
    message.ack();
    return;
  }
  const ref = parsed.data;
  const stub = workspaceStub(env, ref.workspaceId);
  const prepared = await stub.prepareQueuedAttempt(ref);
  if (prepared.kind === "early") {
    message.retry({ delaySeconds: prepared.retryInSeconds });
    return;
  }
  if (prepared.kind === "send") {
    const outcome = await performDelivery(prepared.request);
    await stub.reportOutcome(ref, outcome);
  }
  message.ack();
}

/**
 * Messages the delivery queue gave up on (the DO could not be reached, max_retries times).
 * They are recorded, and the workspace's watchdog re-sends the batch, so none disappears.
 */
async function recordLostRetry(message: Message<unknown>, env: Env): Promise<void> {
  const parsed = DeliveryRef.safeParse(message.body);
  if (parsed.success) await workspaceStub(env, parsed.data.workspaceId).noteLostRetry(parsed.data);
  else console.error("dead-lettered delivery message is malformed", message.id);
  message.ack();
}

export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const handle = batch.queue === DELIVERY_DLQ_NAME ? recordLostRetry : retryDelivery;
  // Messages are independent (different subscribers, or stale ones); one failing must not
  // hold the others back, and its retry is the queue's.
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        await handle(message, env);
      } catch (err) {
        console.error("delivery queue message failed", err instanceof Error ? err.message : String(err));
        message.retry();
      }
    }),
  );
}
