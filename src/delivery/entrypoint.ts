import { WorkerEntrypoint } from "cloudflare:workers";
import type { DeliveryOutcome, DeliveryOutcomeSink, DeliveryRequest } from "../contract/delivery-messages";
import { OutcomeReports } from "./outcome-reports";
import { performDelivery } from "./perform";

/**
 * The Worker side of a fast-path delivery. The workspace Durable Object calls this through a
 * service binding to its own Worker, so the outbound fetches run in Worker invocations of their
 * own: a Durable Object may hold only 6 outgoing connections at once, and fan-out to 100
 * subscribers must not queue behind that limit. An invocation carries up to 6 attempts
 * (`durable-objects/delivery/delivery-invocations.ts`). See docs/delivery-design.md.
 */
export class DeliveryWorker extends WorkerEntrypoint<Env> {
  async deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
    return performDelivery(request);
  }

  /**
   * Sends every request at once and reports each outcome to `sink` as soon as its receiver
   * has answered (`OutcomeReports`), so that no attempt waits for a slower one of the same call.
   */
  async deliverEach(requests: DeliveryRequest[], sink: DeliveryOutcomeSink): Promise<void> {
    const reports = new OutcomeReports(sink);
    await Promise.all(requests.map(async (request, index) => reports.add(index, await performDelivery(request))));
    await reports.settled();
  }
}
