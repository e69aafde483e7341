import { Agent } from "node:http";
import { generateSecret } from "../../src/signing/standard-webhooks.ts";
import { BACKLOG_BATCH, ingestBacklog } from "../lib/backlog.ts";
import { sampleEvent } from "../lib/events.ts";
import { sendPrepared, type PreparedRequest } from "../lib/load.ts";
import type { LocalRelay } from "../lib/local-relay.ts";
import { startReceiver, type ReceivedRequest } from "../lib/receiver.ts";
import { nextArrival } from "./arrivals.ts";
import { expectSameIds } from "./deliveries.ts";
import { DIRECT_PATH, directPost } from "./direct.ts";
import { checkNewDeliveries, closeGroups, createFanoutGroup, RELAY_PATH } from "./subscribers.ts";

/**
 * Catch-up drain: a subscriber that was paused while a backlog built up is resumed, and the
 * time runs from the resume call until its receiver has the last event of the backlog. The
 * reference is the client POSTing the same batches to a receiver itself, one after another
 * (each after the previous answered, as the relay's one-batch-in-flight rule does).
 */

export type DrainFigures = { events: number; ms: number; eventsPerSecond: number; deliveries: number };
/** A drain through the relay, and whether its subscriber's attempt log shows the attempts. */
export type RelayDrainFigures = DrainFigures & { attemptsLogged: boolean };

/** Past this, a drain is stuck rather than slow; the run fails. */
const DRAIN_TIMEOUT_MS = 120_000;

const backlogIds = (prefix: string, events: number) => Array.from({ length: events }, (_, n) => `${prefix}_${n}`);

/**
 * The relay drains `events` events to a resumed subscriber, `maxBatchSize` per delivery; a
 * fresh workspace per run, deleted after it, so that one drain's objects and data do not
 * weigh on the next ones in the same process.
 */
export async function drainThroughRelay(
  relay: LocalRelay,
  workspaceId: string,
  events: number,
  maxBatchSize = 100,
): Promise<RelayDrainFigures> {
  const group = await createFanoutGroup({ relay, workspaceId, count: 1, start: "beginning", paused: true, maxBatchSize });
  try {
    const subscription = group.subscriptions[0]!;
    const head = await ingestBacklog({ relay, workspaceId, ingressSecret: group.ingressSecret, events, idPrefix: workspaceId });
    const before = await relay.admin.subscriberStatus(workspaceId, subscription.subscriberId);
    if (before.state !== "paused" || before.lag !== events) {
      throw new Error(`drain: before resuming, the subscriber is ${before.state} with lag ${before.lag}, not paused with ${events}`);
    }
    const isLast = (r: ReceivedRequest) => r.path === RELAY_PATH && r.headers["x-relay-last-version"] === String(head);
    const lastArrival = nextArrival(subscription.receiver, isLast, DRAIN_TIMEOUT_MS);
    lastArrival.catch(() => undefined); // reported by the await below, unless resuming failed first
    const startedAt = performance.now();
    await relay.admin.resumeSubscriber(workspaceId, subscription.subscriberId);
    const ms = (await lastArrival) - startedAt;

    expectSameIds(`drain deliveries to ${workspaceId}`, await checkNewDeliveries(subscription), backlogIds(workspaceId, events));
    const deliveries = subscription.receiver.received.filter((r) => r.path === RELAY_PATH).length;
    const { attempts } = await relay.admin.attempts(workspaceId, subscription.subscriberId, 1);
    return { events, ms, eventsPerSecond: (events / ms) * 1000, deliveries, attemptsLogged: attempts.length > 0 };
  } finally {
    await closeGroups([group]);
    await relay.admin.deleteWorkspace(workspaceId);
  }
}

/** The same batches POSTed by the client to a receiver, one after another. */
export async function drainDirect(runId: string, events: number): Promise<DrainFigures> {
  const secret = generateSecret();
  const posts: PreparedRequest[] = [];
  for (let from = 0; from < events; from += BACKLOG_BATCH) {
    const batch = Array.from({ length: BACKLOG_BATCH }, (_, i) => sampleEvent(`${runId}_${from + i}`, from + i));
    posts.push(await directPost({ workspaceId: runId, prevVersion: from, events: batch, secret }));
  }
  const receiver = await startReceiver();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const startedAt = performance.now();
    for (const post of posts) {
      const { code } = await sendPrepared(agent, receiver.url, post, DRAIN_TIMEOUT_MS);
      if (code !== 200) throw new Error(`direct drain: receiver answered ${code}`);
    }
    const direct = receiver.received.filter((r) => r.path === DIRECT_PATH);
    const ms = direct.at(-1)!.receivedAt - startedAt;
    const ids = direct.flatMap((r) => (JSON.parse(r.body) as { events: { id: string }[] }).events.map((e) => e.id));
    expectSameIds("direct drain", ids, backlogIds(runId, events));
    return { events, ms, eventsPerSecond: (events / ms) * 1000, deliveries: direct.length };
  } finally {
    agent.destroy();
    await receiver.close();
  }
}
