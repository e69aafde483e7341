import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/contract/event.ts";
import { eventually } from "../../tests/support/relay.ts";
import { runBridge } from "../src/bridge.ts";
import type { BatchInfo, ReplicaAdapter } from "../src/types.ts";
import { createTestWorkspace, startRelay, type LocalRelay } from "./support/local-relay.ts";
import { replicaTargets } from "./support/replica-targets.ts";
import { openReplica, type Replica } from "./support/replicas.ts";
import { entityState, generateWorkload, storedEvent } from "./support/workload.ts";

/**
 * The adapter suite: every adapter — memory, SQLite, Postgres (on PGlite), Prisma over libsql
 * and Prisma over pg (on PGlite) — must pass the same tests, in process and against a real
 * local relay. Adapter-specific tests live beside their adapter's own file.
 */

const { targets, stop } = replicaTargets();
let relay: LocalRelay;
const open: Replica[] = [];

beforeAll(async () => {
  relay = await startRelay();
});

afterEach(async () => {
  for (const replica of open.splice(0)) await replica.close();
});

afterAll(async () => {
  await relay?.stop();
  await stop();
});

async function opened(spec: Parameters<typeof openReplica>[0]): Promise<Replica> {
  const replica = await openReplica(spec);
  open.push(replica);
  return replica;
}

async function closed(replica: Replica): Promise<void> {
  open.splice(open.indexOf(replica), 1);
  await replica.close();
}

const log: StoredEvent[] = [
  storedEvent(1, "user", "a", "create", { name: "Ada" }),
  storedEvent(2, "user", "b", "create", { name: "Bob" }),
  storedEvent(5, "user", "a", "update", { name: "Ada L." }),
  storedEvent(7, "user", "b", "delete", null),
  storedEvent(9, "team", "t", "create", { members: ["a"] }),
];

const STREAM = (workspaceId: string) => `${workspaceId}/replicator`;

describe.each(targets)("$name adapter", (target) => {
  it("applies upserts and deletes in order", async () => {
    const replica = await opened(await target.fresh());
    await replica.adapter.applyBatch(log);
    expect(await replica.entities()).toEqual([
      { entityKind: "team", entityId: "t", version: 9, data: { members: ["a"] } },
      { entityKind: "user", entityId: "a", version: 5, data: { name: "Ada L." } },
    ]);
  });

  it("makes replays harmless: applying any prefix again, or older events later, changes nothing", async () => {
    const replica = await opened(await target.fresh());
    await replica.adapter.applyBatch(log);
    const once = await replica.entities();
    expect(once).toEqual(entityState(log));
    for (let cut = 0; cut <= log.length; cut++) await replica.adapter.applyBatch(log.slice(0, cut));
    // One event at a time too: an event older than the stored version is ignored on its own.
    for (const event of log) await replica.adapter.applyBatch([event]);
    expect(await replica.entities()).toEqual(once);
    // A delete keeps its version: the create it follows cannot bring the entity back.
    await replica.adapter.applyBatch([log[1]!]);
    expect((await replica.entities()).some((e) => e.entityId === "b")).toBe(false);
  });

  it("deletes an entity it never saw, and keeps it deleted against the older create replayed later", async () => {
    const replica = await opened(await target.fresh());
    await replica.adapter.applyBatch([storedEvent(4, "user", "ghost", "delete", null)]);
    await replica.adapter.applyBatch([storedEvent(3, "user", "ghost", "create", { name: "Ghost" })]);
    expect(await replica.entities()).toEqual([]);
  });

  it("recreates a deleted entity with a newer event", async () => {
    const replica = await opened(await target.fresh());
    await replica.adapter.applyBatch(log);
    await replica.adapter.applyBatch([storedEvent(12, "user", "b", "create", { name: "Bob again" })]);
    expect((await replica.entities()).find((e) => e.entityId === "b")).toEqual({
      entityKind: "user",
      entityId: "b",
      version: 12,
      data: { name: "Bob again" },
    });
  });

  it("keeps entities and offsets across a reopen", async () => {
    const spec = await target.fresh();
    const first = await opened(spec);
    expect(await first.offsetStore.load("ws/replicator")).toBeUndefined();
    await first.adapter.applyBatch(log.slice(0, 3), { stream: "ws/replicator" });
    await first.offsetStore.save("ws/replicator", 5);
    await closed(first);

    const reopened = await opened(spec);
    expect(await reopened.offsetStore.load("ws/replicator")).toBe(5);
    expect(await reopened.offsetStore.load("other")).toBeUndefined();
    expect(await reopened.entities()).toEqual(entityState(log.slice(0, 3)));
  });

  it("replays a batch applied but not recorded when aborted in between, and ends equal to the workspace's entity state", async () => {
    const ws = await createTestWorkspace(relay);
    const workload = generateWorkload({ seed: 7, count: 600, entities: 40, prefix: "abort" });
    expect(workload.some((e) => e.eventType === "delete")).toBe(true);
    const backlog = await ws.ingest(workload.slice(0, 400));
    const spec = await target.fresh();

    // Run 1: abort right after the third batch is applied, before the bridge saves its offset.
    const replica = await opened(spec);
    const controller = new AbortController();
    let applies = 0;
    const abortingAfterThird: ReplicaAdapter = {
      async applyBatch(events, batch) {
        await replica.adapter.applyBatch(events, batch);
        if (++applies === 3) controller.abort();
      },
    };
    const first = await runBridge({
      relayUrl: relay.url,
      workspaceId: ws.workspaceId,
      readKey: ws.readKey,
      adapter: abortingAfterThird,
      offsetStore: replica.offsetStore,
      eventsPerBatch: 50,
      signal: controller.signal,
    });
    expect(first).toEqual({ reason: "aborted", offset: backlog[99] });
    // An adapter that saves offsets with its batches has recorded the third batch already;
    // otherwise the replica holds the third batch although the offset does not record it.
    const saved = target.offsetsWithBatch ? backlog[149] : backlog[99];
    expect(await replica.offsetStore.load(STREAM(ws.workspaceId))).toBe(saved);
    const log = await ws.readAll();
    expect(await replica.entities()).toEqual(entityState(log.slice(0, 150)));
    await closed(replica);

    // Run 2: a restart replays from the saved offset, then follows the backlog and live events.
    const restarted = await opened(spec);
    const stopBridge = new AbortController();
    const batches: BatchInfo[] = [];
    const run = runBridge({
      relayUrl: relay.url,
      workspaceId: ws.workspaceId,
      readKey: ws.readKey,
      adapter: restarted.adapter,
      offsetStore: restarted.offsetStore,
      eventsPerBatch: 50,
      signal: stopBridge.signal,
      onBatchProcessed: (batch) => void batches.push(batch),
    });
    const live = await ws.ingest(workload.slice(400));
    await eventually(() => batches.at(-1)?.offset === live.at(-1), 120_000);
    stopBridge.abort();
    expect(await run).toEqual({ reason: "aborted", offset: live.at(-1) });

    const finalLog = await ws.readAll();
    expect(await restarted.entities()).toEqual(entityState(finalLog));
    const resumedAfter = log.findIndex((e) => e.version === saved) + 1;
    const applied = batches.flatMap((b) => b.events.map((e) => e.version));
    expect(applied).toEqual(finalLog.slice(resumedAfter).map((e) => e.version));
    expect(await restarted.offsetStore.load(STREAM(ws.workspaceId))).toBe(live.at(-1));
  });

  if (target.durable) {
    it("survives a SIGKILL of the replicator mid-batch, then resumes to the workspace's exact entity state", async () => {
      const ws = await createTestWorkspace(relay);
      await ws.ingest(generateWorkload({ seed: 11, count: 400, entities: 25, prefix: "kill" }));
      const log = await ws.readAll();
      const spec = await target.fresh();

      const child = spawn(
        process.execPath,
        [
          resolve(import.meta.dirname, "fixtures/crash-child.mjs"),
          relay.url,
          ws.workspaceId,
          ws.readKey,
          JSON.stringify(spec),
          "4",
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((done) => child.on("exit", (_code, s) => done(s)));
      expect({ signal, stderr: stderr.replace(/.*ExperimentalWarning.*\n.*trace-warnings.*\n?/g, "") }).toMatchObject({
        signal: "SIGKILL",
      });

      // Killed during batch 4 (events 151..200). Whatever the kill interrupted, the offset
      // is batch 3's or batch 4's, and the replica is at most one batch past its offset —
      // exactly at it for an adapter that saves the offset in the batch's transaction.
      const killed = await opened(spec);
      const offset = await killed.offsetStore.load(STREAM(ws.workspaceId));
      const expected = target.offsetsWithBatch ? [log[149]!.version, log[199]!.version] : [log[149]!.version];
      expect(expected).toContain(offset);
      const applied = log.findIndex((e) => e.version === offset) + 1;
      const consistent = target.offsetsWithBatch
        ? [entityState(log.slice(0, applied))]
        : [entityState(log.slice(0, applied)), entityState(log.slice(0, applied + 50))];
      expect(consistent).toContainEqual(await killed.entities());

      // A restart catches up from the saved offset to the workspace's exact state.
      const batches: BatchInfo[] = [];
      const exit = await runBridge({
        relayUrl: relay.url,
        workspaceId: ws.workspaceId,
        readKey: ws.readKey,
        adapter: killed.adapter,
        offsetStore: killed.offsetStore,
        eventsPerBatch: 50,
        waitFn: () => false,
        onBatchProcessed: (batch) => void batches.push(batch),
      });
      expect(exit).toEqual({ reason: "caught_up", offset: log.at(-1)!.version });
      expect(batches[0]!.events[0]!.version).toBe(log[applied]!.version);
      expect(await killed.entities()).toEqual(entityState(log));
      expect(await killed.offsetStore.load(STREAM(ws.workspaceId))).toBe(log.at(-1)!.version);
    });
  }
});
