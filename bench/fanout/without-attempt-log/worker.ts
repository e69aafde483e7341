/**
 * The relay with its delivery attempt log switched off, and nothing else changed: the same
 * Worker, entrypoints and Durable Object, whose one recording hook (`recordAttempt`) does
 * nothing. Only the fan-out benchmark runs it, beside the relay itself, to measure what the
 * attempt log costs. A subclass, not a runtime flag, so production code has no off switch.
 */
import { WorkspaceDurableObject as Relay } from "../../../durable-objects/workspace-do";

export { default, DeliveryWorker, WorkspaceDirectory } from "../../../src/index";

export class WorkspaceDurableObject extends Relay {
  protected override recordAttempt(): void {}
}
