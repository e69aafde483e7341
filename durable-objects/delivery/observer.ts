import type { AttemptTrigger } from "../../src/contract/attempts";
import type { DeliveryOutcome } from "../../src/contract/delivery-messages";
import type { DeferredWrites } from "../deferred-writes";

/** An event of a batch: its version and its commit time. */
export type BatchEvent = { version: number; receivedAt: number };

/** One attempt at a batch that reached an outcome. */
export type FinishedAttempt = {
  subscriberId: string;
  webhookId: string;
  fromVersion: number;
  toVersion: number;
  eventCount: number;
  attempt: number;
  trigger: AttemptTrigger;
  outcome: DeliveryOutcome;
};

/**
 * What the dispatcher tells the rest of the workspace about delivery: the attempt log and the
 * stats. Every call is made inside the transaction that applies the outcome, so an observer
 * adds statements to that write, never a write of its own, and must not await. It may hold
 * changes back (DeferredWrites): the dispatcher's OutcomeBatcher has them written once per
 * transaction, and taken back with an outcome whose savepoint is undone.
 */
export type DeliveryObserver = DeferredWrites & {
  /** Every attempt that reached an outcome, applied or stale. */
  attemptFinished(attempt: FinishedAttempt, now: number): void;
  /**
   * A batch was acknowledged at `ackAt`. `from` is the cursor the batch started after, or
   * "dead-letter" for the out-of-band redelivery of a dead letter.
   */
  acknowledged(subscriberId: string, events: readonly BatchEvent[], ackAt: number, from: { cursor: number } | "dead-letter"): void;
  /** A batch of `events` events was given up on into a dead letter. */
  deadLettered(subscriberId: string, events: number, now: number): void;
};
