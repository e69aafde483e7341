import { Agent } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { EventEnvelope } from "../../src/contract/event.ts";
import { sampleEvent } from "../lib/events.ts";
import { sendPrepared, type PreparedRequest } from "../lib/load.ts";
import type { LocalRelay } from "../lib/local-relay.ts";
import { signedPosts } from "../lib/signed-request.ts";
import { LatencyRecorder } from "../lib/stats.ts";
import { carriesEvent, nextArrival } from "./arrivals.ts";
import { expectSameIds } from "./deliveries.ts";
import { BASELINE_PATH, DUTIES_PATH, FORWARD_PATH, FORWARD_TO_HEADER, GROUPED_DUTIES_PATH, GROUPED_PARAM, GROUPED_PATH } from "./baseline/paths.ts";
import { DIRECT_PATH, directPost } from "./direct.ts";
import type { LocalWorker } from "../lib/local-worker.ts";
import { checkNewDeliveries, RELAY_PATH, type FanoutGroup } from "./subscribers.ts";

/**
 * End-to-end latency of one event reaching N receivers, one event at a time: each sample
 * starts when the client starts its request and ends, per receiver, when that receiver has
 * read the event. The next sample starts once every receiver has it, the client has its
 * response, and then `idleMs` have passed, so this measures latency, not queueing: a Worker
 * still has work after both (reading each receiver's answer; the relay also commits each
 * outcome, its attempt row, stats and log line), and without the pause the next event would
 * wait behind it.
 */

/**
 * `relay-again` is the relay on a second workspace of its own: an A/A control. The `grouped`
 * baselines carry six receivers to a Worker invocation, as the relay does; the others one.
 */
export type LatencyPath =
  | "relay"
  | "relay-again"
  | "baseline"
  | "baseline-with-duties"
  | "baseline-grouped"
  | "baseline-grouped-with-duties"
  | "worker-forward"
  | "direct";

export type LatencyFigures = {
  samples: number;
  /** Send → each receiver's receipt: N values per sample. */
  perReceiver: LatencyRecorder;
  /** Send → the last receiver's receipt. */
  allReceived: LatencyRecorder;
  /** Send → the client has read its response(s): the ingest response, or every direct POST's. */
  response: LatencyRecorder;
  /** The response → each receiver's receipt (negative if the receipt came first). */
  afterResponse: LatencyRecorder;
  timedOut: boolean;
};

export type LatencyRun = {
  relay: LocalRelay;
  group: FanoutGroup;
  /** Secrets of the direct POSTs, one per receiver. */
  directSecrets: readonly string[];
  samples: number;
  idPrefix: string;
  maxRunMs: number;
  /** The pause before each sample, long enough for the previous one's work to end. */
  idleMs: number;
};

/** One event in flight at most this long; past it the relay has lost it, and the run fails. */
const ARRIVAL_TIMEOUT_MS = 15_000;

export const sampleEvents = (run: LatencyRun): EventEnvelope[] =>
  Array.from({ length: run.samples }, (_, k) => sampleEvent(`${run.idPrefix}_${k}`, k));

/** The ingest body that carries one sample's event, on every path that takes an ingest body. */
export const oneEventBody = (event: EventEnvelope): string => JSON.stringify({ events: [event] });

/** Samples through the relay: a signed one-event ingest, delivered to every subscriber. */
export async function measureRelay(run: LatencyRun): Promise<LatencyFigures> {
  const events = sampleEvents(run);
  const requests = await signedPosts({
    path: `/v1/workspaces/${run.group.workspaceId}/events`,
    bodies: events.map(oneEventBody),
    secret: run.group.ingressSecret,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const figures = await sampleLoop(run, events, async (k, receivedAt) => {
      const sentAt = performance.now();
      await expectOk(sendPrepared(agent, run.relay.worker.url, requests[k]!, ARRIVAL_TIMEOUT_MS));
      const respondedAt = performance.now();
      const arrivals = await receivedAt;
      return { sentAt, respondedAt, arrivals };
    });
    // Every subscriber got exactly this run's events, in order, correctly signed and chained.
    const sentIds = events.slice(0, figures.samples).map((e) => e.id);
    for (const subscription of run.group.subscriptions) {
      expectSameIds(`relay deliveries to ${subscription.subscriberId}`, await checkNewDeliveries(subscription), sentIds);
    }
    return figures;
  } finally {
    agent.destroy();
  }
}

/**
 * Samples through the fan-out baseline Worker (`baseline/worker.ts`): the same one-event
 * ingest body, committed by a Durable Object and handed to one service-binding call per
 * receiver, or with `grouped` one per six receivers. Its receivers are the group's,
 * registered under the group's name beforehand.
 */
export async function measureBaseline(run: LatencyRun, baseline: LocalWorker, grouped = false): Promise<LatencyFigures> {
  const events = sampleEvents(run);
  const path = `/groups/${run.group.workspaceId}/events${grouped ? `?${GROUPED_PARAM}` : ""}`;
  return measureThroughWorker(run, baseline, events, unsignedPosts(events, path), grouped ? GROUPED_PATH : BASELINE_PATH);
}

/**
 * Samples through the baseline Worker's path with the contract's duties (`signed-events`):
 * the relay's signed one-event ingest, with the group's ingress secret, registered beforehand
 * with a secret per receiver.
 */
export async function measureBaselineWithDuties(run: LatencyRun, baseline: LocalWorker, grouped = false): Promise<LatencyFigures> {
  const events = sampleEvents(run);
  const requests = await signedPosts({
    path: `/groups/${run.group.workspaceId}/signed-events${grouped ? `?${GROUPED_PARAM}` : ""}`,
    bodies: events.map(oneEventBody),
    secret: run.group.ingressSecret,
  });
  return measureThroughWorker(run, baseline, events, requests, grouped ? GROUPED_DUTIES_PATH : DUTIES_PATH);
}

/** Samples of a Worker that POSTs the event to every receiver itself, then answers. */
export async function measureForward(run: LatencyRun, baseline: LocalWorker): Promise<LatencyFigures> {
  const to = run.group.subscriptions.map((s) => s.receiver.url.href).join(",");
  const events = sampleEvents(run);
  return measureThroughWorker(run, baseline, events, unsignedPosts(events, FORWARD_PATH, { [FORWARD_TO_HEADER]: to }), FORWARD_PATH);
}

/** One-event ingest bodies for the bench Workers' unsigned paths. */
const unsignedPosts = (events: readonly EventEnvelope[], path: string, headers: Record<string, string> = {}): PreparedRequest[] =>
  events.map((event) => ({
    method: "POST",
    path,
    headers: { "content-type": "application/json", ...headers },
    body: Buffer.from(oneEventBody(event)),
  }));

/** Samples of `requests` (one per event) sent to a bench Worker, received at `arrivalPath`. */
async function measureThroughWorker(
  run: LatencyRun,
  worker: LocalWorker,
  events: readonly EventEnvelope[],
  requests: readonly PreparedRequest[],
  arrivalPath: string,
): Promise<LatencyFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    return await sampleLoop(run, events, async (k, receivedAt) => {
      const sentAt = performance.now();
      await expectOk(sendPrepared(agent, worker.url, requests[k]!, ARRIVAL_TIMEOUT_MS));
      const respondedAt = performance.now();
      return { sentAt, respondedAt, arrivals: await receivedAt };
    }, arrivalPath);
  } finally {
    agent.destroy();
  }
}

/** Samples of the client POSTing the same event to every receiver itself, all at once. */
export async function measureDirect(run: LatencyRun): Promise<LatencyFigures> {
  const events = sampleEvents(run);
  const receivers = run.group.subscriptions.map((s) => s.receiver);
  const posts: PreparedRequest[][] = await Promise.all(
    events.map((event, k) =>
      Promise.all(
        run.directSecrets.map((secret) =>
          directPost({ workspaceId: run.group.workspaceId, prevVersion: k, events: [event], secret }),
        ),
      ),
    ),
  );
  const agent = new Agent({ keepAlive: true });
  try {
    return await sampleLoop(run, events, async (k, receivedAt) => {
      const sentAt = performance.now();
      await Promise.all(
        receivers.map((receiver, i) => expectOk(sendPrepared(agent, receiver.url, posts[k]![i]!, ARRIVAL_TIMEOUT_MS))),
      );
      const respondedAt = performance.now();
      return { sentAt, respondedAt, arrivals: await receivedAt };
    }, DIRECT_PATH);
  } finally {
    agent.destroy();
  }
}

export type Sample = { sentAt: number; respondedAt: number; arrivals: number[] };

/**
 * Runs samples one after another until all are done or the run's time is up. `send` starts
 * sample k and returns its timings; `receivedAt` resolves with every receiver's receipt of
 * the sample's event at `path`, watched from before the send so that no receipt is missed.
 */
export async function sampleLoop(
  run: LatencyRun,
  events: readonly EventEnvelope[],
  send: (k: number, receivedAt: Promise<number[]>) => Promise<Sample>,
  path = RELAY_PATH,
): Promise<LatencyFigures> {
  const figures: LatencyFigures = {
    samples: 0,
    perReceiver: new LatencyRecorder(),
    allReceived: new LatencyRecorder(),
    response: new LatencyRecorder(),
    afterResponse: new LatencyRecorder(),
    timedOut: false,
  };
  const deadline = performance.now() + run.maxRunMs;
  for (let k = 0; k < events.length; k++) {
    if (performance.now() >= deadline) {
      figures.timedOut = true;
      break;
    }
    await sleep(run.idleMs);
    const matches = carriesEvent(path, events[k]!.id);
    const receivedAt = Promise.all(
      run.group.subscriptions.map((s) => nextArrival(s.receiver, matches, ARRIVAL_TIMEOUT_MS)),
    );
    // If the send fails, the arrivals will time out unobserved; the send's error is the one to report.
    receivedAt.catch(() => undefined);
    const sample = await send(k, receivedAt);
    let last = 0;
    for (const arrivedAt of sample.arrivals) {
      figures.perReceiver.record(arrivedAt - sample.sentAt);
      figures.afterResponse.record(arrivedAt - sample.respondedAt);
      last = Math.max(last, arrivedAt);
    }
    figures.allReceived.record(last - sample.sentAt);
    figures.response.record(sample.respondedAt - sample.sentAt);
    figures.samples++;
  }
  return figures;
}

export async function expectOk(response: Promise<{ code: number; body: string }>): Promise<void> {
  const { code, body } = await response;
  if (code < 200 || code >= 300) throw new Error(`request failed: ${code} ${body.slice(0, 300)}`);
}
