import { ingestBodies } from "./events.ts";
import { runLoad } from "./load.ts";
import type { LocalRelay } from "./local-relay.ts";
import { signedPosts } from "./signed-request.ts";

export const BACKLOG_BATCH = 100;

/**
 * Fills a relay workspace with `events` events through the signed ingest API, in batches of
 * 100, and checks the workspace then holds exactly those: the setup of benchmarks that read or
 * deliver a backlog. Not timed. Batches go one after another, so the log holds the events in
 * id order (`{idPrefix}_0`, `_1`, …) and a reader can check that it got them all, in order.
 * Returns the workspace's head.
 */
export async function ingestBacklog(input: {
  relay: LocalRelay;
  workspaceId: string;
  ingressSecret: string;
  /** A multiple of 100. */
  events: number;
  idPrefix: string;
}): Promise<number> {
  const { relay, workspaceId } = input;
  const bodies = ingestBodies({ prefix: input.idPrefix, requests: input.events / BACKLOG_BATCH, eventsPerRequest: BACKLOG_BATCH });
  const before = await relay.admin.workspaceInfo(workspaceId);
  const load = await runLoad({
    baseUrl: relay.worker.url,
    requests: await signedPosts({ path: `/v1/workspaces/${workspaceId}/events`, bodies, secret: input.ingressSecret }),
    concurrency: 1,
    maxDurationMs: 120_000,
  });
  if (load.failed > 0 || load.completed !== bodies.length) {
    throw new Error(`backlog ingest: ${load.completed} of ${bodies.length} requests succeeded: ${load.failures.join(" | ")}`);
  }
  const after = await relay.admin.workspaceInfo(workspaceId);
  if (after.eventCount - before.eventCount !== input.events) {
    throw new Error(`backlog ingest: workspace gained ${after.eventCount - before.eventCount} events, not ${input.events}`);
  }
  return after.head;
}
