import type { LocalRelay } from "../lib/local-relay.ts";
import { startReceiver, type Receiver, type ReceivedRequest } from "../lib/receiver.ts";
import { DeliveryChecker } from "./deliveries.ts";

/** The path relay deliveries are sent to on every receiver; the direct POSTs use another. */
export const RELAY_PATH = "/relay";

/** One webhook subscriber of the relay and the HTTP receiver it delivers to. */
export type Subscription = {
  subscriberId: string;
  receiver: Receiver;
  checker: DeliveryChecker;
  /** How many of the receiver's relay deliveries have been checked. */
  checked: number;
};

/** A workspace whose every event fans out to `subscriptions`, each on its own receiver. */
export type FanoutGroup = { workspaceId: string; ingressSecret: string; subscriptions: Subscription[] };

/**
 * Creates a workspace with `count` webhook subscribers, each on its own HTTP receiver on
 * 127.0.0.1 that answers 200 at once. `paused` creates them paused (for a backlog). Not timed.
 */
export async function createFanoutGroup(input: {
  relay: LocalRelay;
  workspaceId: string;
  count: number;
  start: "head" | "beginning";
  paused?: boolean;
  /** Events per delivery; 100 (the most) unless given. */
  maxBatchSize?: number;
}): Promise<FanoutGroup> {
  const { admin } = input.relay;
  const { ingressSecret } = await admin.createWorkspace(input.workspaceId);
  const receivers = await Promise.all(Array.from({ length: input.count }, () => startReceiver()));
  const subscriptions: Subscription[] = [];
  for (const [i, receiver] of receivers.entries()) {
    const subscriberId = `s${i}`;
    const created = await admin.createSubscriber(input.workspaceId, subscriberId, {
      kind: "webhook",
      url: new URL(RELAY_PATH, receiver.url).href,
      start: input.start,
      maxBatchSize: input.maxBatchSize ?? 100,
    });
    if (input.paused) await admin.pauseSubscriber(input.workspaceId, subscriberId);
    subscriptions.push({ subscriberId, receiver, checker: new DeliveryChecker(subscriberId, created.secret, created.cursor), checked: 0 });
  }
  return { workspaceId: input.workspaceId, ingressSecret, subscriptions };
}

/** The relay deliveries a subscription received since it was last checked; they are then checked. */
export async function checkNewDeliveries(subscription: Subscription): Promise<string[]> {
  const relayed: ReceivedRequest[] = [];
  const all = subscription.receiver.received;
  for (; subscription.checked < all.length; subscription.checked++) {
    const request = all[subscription.checked]!;
    if (request.path === RELAY_PATH) relayed.push(request);
  }
  return subscription.checker.check(relayed);
}

export async function closeGroups(groups: readonly FanoutGroup[]): Promise<void> {
  await Promise.all(groups.flatMap((g) => g.subscriptions.map((s) => s.receiver.close())));
}
