import { WorkerEntrypoint } from "cloudflare:workers";
import type { DeliveryOutcome, DeliveryRequest } from "../contract/delivery-messages";
import { performDelivery } from "./perform";

/**
 * The Worker side of a fast-path delivery. The workspace Durable Object calls this through a
 * service binding to its own Worker, so each outbound fetch runs in its own Worker invocation:
 * a Durable Object may hold only 6 outgoing connections at once, and fan-out to 100
 * subscribers must not queue behind that limit. See docs/delivery-design.md.
 */
export class DeliveryWorker extends WorkerEntrypoint<Env> {
  async deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
    return performDelivery(request);
  }
}
