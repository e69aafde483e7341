/**
 * The relay without rate limiting, and nothing else changed: the same Worker, entrypoints and
 * Durable Object, whose pacing hook (`deliveryPacing`) lets every batch through at once, with
 * no per-subscriber check at all. Only the fan-out benchmark runs it, beside the relay itself,
 * to measure what enforcing `rateLimit` costs subscribers that have none (issue 11). A
 * subclass, not a runtime flag, so production code has no off switch.
 */
import { WorkspaceDurableObject as Relay } from "../../../durable-objects/workspace-do";
import { UNLIMITED, type Pacing } from "../../../durable-objects/delivery/pacer";

export { default, DeliveryWorker, WorkspaceDirectory } from "../../../src/index";

const unpaced: Pacing = { allowance: () => UNLIMITED, record: () => undefined };

export class WorkspaceDurableObject extends Relay {
  protected override deliveryPacing(): Pacing {
    return unpaced;
  }
}
