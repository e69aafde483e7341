import { z } from "zod";
import type { AttemptOutcomeKind } from "./attempts";

/**
 * What crosses between the workspace Durable Object, the delivery entrypoint and the queue
 * consumer. Queue messages carry references only, never secrets or bodies (contract §5).
 */
export const DeliveryRef = z.object({
  workspaceId: z.string(),
  subscriberId: z.string(),
  /** The batch's webhook-id; a reference to a batch that is no longer in flight is stale. */
  deliveryId: z.string(),
  fromVersion: z.number().int(),
  toVersion: z.number().int(),
  attempt: z.number().int().min(1),
});
export type DeliveryRef = z.infer<typeof DeliveryRef>;

/** A signed HTTP request ready to send; built by the DO, sent by a Worker invocation. */
export type DeliveryRequest = {
  url: string;
  headers: Record<string, string>;
  body: string;
};

/**
 * How many attempts share one DeliveryWorker invocation. A Worker invocation may hold six
 * connections open at once (Workers limits), so six fetches still run side by side and none
 * waits for a connection; more would queue inside the invocation. Every invocation costs the
 * runtime its own request context and tracing, whatever it sends: one per attempt made a
 * 100-subscriber fan-out 100 invocations (BENCHMARKS.md, 2026-12-02).
 */
export const ATTEMPTS_PER_INVOCATION = 6;

/** An attempt's outcome, by the attempt's index in its DeliveryWorker call. */
export type IndexedOutcome = { index: number; outcome: DeliveryOutcome };

/**
 * Where a DeliveryWorker invocation that carries several attempts reports their outcomes as
 * their receivers answer: each one alone when it is the only one ready, else with the others
 * that became ready meanwhile (src/delivery/outcome-reports.ts).
 */
export interface DeliveryOutcomeSink {
  report(outcomes: IndexedOutcome[]): void | Promise<void>;
}

/** What one attempt came to. `status` is null when no HTTP response arrived. */
export type DeliveryOutcome = {
  kind: AttemptOutcomeKind;
  status: number | null;
  /** Seconds the receiver asked us to wait (429/503 `Retry-After`). */
  retryAfterSeconds: number | null;
  message: string;
  /** When the attempt started, and when its outcome was known (the acknowledgement, on success). */
  startedAt: number;
  at: number;
  /** The start of the receiver's answer (at most 1 KiB of UTF-8), or null without an answer. */
  responseBody: string | null;
};
