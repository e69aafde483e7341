import { RpcTarget } from "cloudflare:workers";
import { ATTEMPTS_PER_INVOCATION, type DeliveryOutcome, type DeliveryOutcomeSink, type DeliveryRequest, type IndexedOutcome } from "../../src/contract/delivery-messages";

/** The outcome of an attempt whose invocation failed before it reported one. */
function workerUnavailable(err: unknown, startedAt: number): DeliveryOutcome {
  return {
    kind: "network_error",
    status: null,
    retryAfterSeconds: null,
    message: `delivery worker unavailable: ${err instanceof Error ? err.message : String(err)}`,
    startedAt,
    at: Date.now(),
    responseBody: null,
  };
}

/**
 * Receives each attempt's outcome as soon as its receiver has answered, so an attempt to a
 * fast receiver is never held back by a slow one sharing its invocation. It lives in the
 * Durable Object; the DeliveryWorker holds a stub of it for the length of the call.
 */
class OutcomeSink extends RpcTarget implements DeliveryOutcomeSink {
  constructor(private readonly onOutcome: (index: number, outcome: DeliveryOutcome) => void) {
    super();
  }

  report(outcomes: IndexedOutcome[]): void {
    for (const { index, outcome } of outcomes) this.onOutcome(index, outcome);
  }
}

/** A promise with its resolver; resolving it again changes nothing. */
function pendingOutcome(): { promise: Promise<DeliveryOutcome>; resolve: (outcome: DeliveryOutcome) => void } {
  let resolve!: (outcome: DeliveryOutcome) => void;
  const promise = new Promise<DeliveryOutcome>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Sends every request through the DeliveryWorker, up to `ATTEMPTS_PER_INVOCATION` per
 * invocation, and returns one outcome per request, in order, each settling when its own
 * receiver answers. Never rejects: a failed invocation is a `network_error` outcome of each
 * attempt it had not reported yet.
 */
export function sendThroughWorker(worker: Env["DELIVERY_WORKER"], requests: readonly DeliveryRequest[]): Promise<DeliveryOutcome>[] {
  const outcomes: Promise<DeliveryOutcome>[] = [];
  for (let start = 0; start < requests.length; start += ATTEMPTS_PER_INVOCATION) {
    outcomes.push(...oneInvocation(worker, requests.slice(start, start + ATTEMPTS_PER_INVOCATION)));
  }
  return outcomes;
}

function oneInvocation(worker: Env["DELIVERY_WORKER"], requests: DeliveryRequest[]): Promise<DeliveryOutcome>[] {
  const startedAt = Date.now();
  // One attempt needs no sink: its outcome is the call's answer, one call fewer.
  if (requests.length === 1) return [worker.deliver(requests[0]!).catch((err: unknown) => workerUnavailable(err, startedAt))];
  const pending = requests.map(pendingOutcome);
  const sink = new OutcomeSink((index, outcome) => pending[index]?.resolve(outcome));
  const settleUnreported = (err: unknown) => {
    for (const p of pending) p.resolve(workerUnavailable(err, startedAt));
  };
  worker.deliverEach(requests, sink).then(
    // Every attempt reports before the call returns; one that did not is a worker failure.
    () => settleUnreported(new Error("the invocation ended without reporting an outcome")),
    settleUnreported,
  );
  return pending.map((p) => p.promise);
}
