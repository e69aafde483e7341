import type { DeliveryBody } from "../../src/contract/delivery.ts";
import { verify } from "../../src/signing/standard-webhooks.ts";
import type { ReceivedRequest } from "../lib/receiver.ts";

/**
 * Checks what one webhook subscriber received against the contract (§5), so that a relay that
 * loses, reorders or mis-signs events cannot post a good figure: every delivery verifies with
 * the subscriber's secret, continues the `prevVersion` chain, and carries events in strictly
 * increasing version order. Deliveries are checked after the timed part, in arrival order.
 */
export class DeliveryChecker {
  private readonly subscriberId: string;
  private readonly secret: string;
  private lastVersion: number;

  /** `startVersion` is the subscriber's start position: the `prevVersion` of its first delivery. */
  constructor(subscriberId: string, secret: string, startVersion: number) {
    this.subscriberId = subscriberId;
    this.secret = secret;
    this.lastVersion = startVersion;
  }

  /** Checks the next deliveries and returns the ids of their events, in order; throws on a violation. */
  async check(requests: readonly ReceivedRequest[]): Promise<string[]> {
    const ids: string[] = [];
    for (const request of requests) {
      const fail = (problem: string) => {
        throw new Error(`subscriber ${this.subscriberId}: ${problem} (delivery ${request.headers["webhook-id"]})`);
      };
      const verified = await verify({
        headers: {
          "webhook-id": header(request, "webhook-id"),
          "webhook-timestamp": header(request, "webhook-timestamp"),
          "webhook-signature": header(request, "webhook-signature"),
        },
        body: request.body,
        secrets: [this.secret],
      });
      if (!verified.ok) fail(`signature does not verify: ${verified.reason}`);
      const delivery = JSON.parse(request.body) as DeliveryBody;
      if (delivery.subscriberId !== this.subscriberId) fail(`delivery addressed to ${delivery.subscriberId}`);
      if (delivery.prevVersion !== this.lastVersion) fail(`prevVersion ${delivery.prevVersion}, expected ${this.lastVersion}`);
      for (const event of delivery.events) {
        if (!(event.version > this.lastVersion)) fail(`version ${event.version} after ${this.lastVersion}`);
        this.lastVersion = event.version;
        ids.push(event.id);
      }
    }
    return ids;
  }
}

function header(request: ReceivedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(" ") : value;
}

/** Throws unless `received` is exactly `expected`, in order: nothing lost, repeated or reordered. */
export function expectSameIds(what: string, received: readonly string[], expected: readonly string[]): void {
  const firstDifference = expected.findIndex((id, i) => received[i] !== id);
  if (received.length === expected.length && firstDifference < 0) return;
  const at = firstDifference < 0 ? expected.length : firstDifference;
  throw new Error(
    `${what}: received ${received.length} events, expected ${expected.length}; ` +
      `first difference at #${at}: ${received[at] ?? "nothing"} instead of ${expected[at] ?? "nothing"}`,
  );
}
