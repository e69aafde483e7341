import { runBridge } from "../../replicator/src/bridge.ts";
import type { ReplicaTarget } from "../../replicator/test/support/replica-targets.ts";
import { openReplica } from "../../replicator/test/support/replicas.ts";

/**
 * `feed`: the long-running mode over the WebSocket feed, where a batch takes what has
 * arrived, up to `eventsPerBatch`. `pages`: serverless batch mode (`waitFn`), reading pages
 * of `eventsPerBatch` through the read API, so every batch is full.
 */
export type Scenario = { name: string; mode: "feed" | "pages"; eventsPerBatch: number };
export type RunFigures = { wallMs: number; eventsPerSecond: number; batches: number };

const RUN_TIMEOUT_MS = 300_000;

/**
 * One catch-up: `runBridge` from an empty replica of `target` to the workspace's head. Checks
 * the replica then holds every entity.
 */
export async function catchUp(input: {
  target: ReplicaTarget;
  scenario: Scenario;
  relayUrl: string;
  workspaceId: string;
  readKey: string;
  head: number;
  /** A consumer name of its own, so no run resumes another's cursor. */
  consumer: string;
  /** The backlog's size, and how many entities it leaves. */
  events: number;
  entities: number;
}): Promise<RunFigures> {
  const { target, head } = input;
  const replica = await openReplica(await target.fresh());
  try {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), RUN_TIMEOUT_MS);
    let batches = 0;
    const startedAt = performance.now();
    const exit = await runBridge({
      relayUrl: input.relayUrl,
      workspaceId: input.workspaceId,
      readKey: input.readKey,
      adapter: replica.adapter,
      offsetStore: replica.offsetStore,
      consumer: input.consumer,
      eventsPerBatch: input.scenario.eventsPerBatch,
      signal: controller.signal,
      waitFn: input.scenario.mode === "pages" ? () => false : undefined,
      onBatchProcessed: ({ offset }) => {
        batches++;
        if (offset >= head) controller.abort();
      },
    });
    const wallMs = performance.now() - startedAt;
    clearTimeout(timeout);
    if (exit.offset !== head) {
      throw new Error(`${target.name}: stopped at ${exit.offset}, not the head ${head}: ${JSON.stringify(exit)}`);
    }
    // The replica must hold every entity: a wrong adapter would not be fast, only wrong.
    const held = (await replica.entities()).length;
    if (held !== input.entities) throw new Error(`${target.name}: ${held} entities, not ${input.entities}`);
    return { wallMs, eventsPerSecond: input.events / (wallMs / 1000), batches };
  } finally {
    await replica.close();
  }
}
