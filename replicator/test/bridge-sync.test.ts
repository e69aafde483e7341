import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../tests/support/relay.ts";
import { sqliteAdapter } from "../adapters/sqlite.ts";
import { runBridge } from "../src/bridge.ts";
import type { BatchInfo, ReplicaAdapter } from "../src/types.ts";
import { sqliteOffsetStore } from "../storage/sqlite.ts";
import { createTestWorkspace, startRelay, type LocalRelay } from "./support/local-relay.ts";
import { entityState, generateWorkload } from "./support/workload.ts";

let relay: LocalRelay;
let dir: string;

beforeAll(async () => {
  relay = await startRelay();
  dir = await mkdtemp(join(tmpdir(), "replicator-sync-"));
});

afterAll(async () => {
  await relay?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const STREAM = (workspaceId: string) => `${workspaceId}/replicator`;

describe("replicator: sync under a crash", () => {
  it("replays a batch applied but not recorded when aborted in between, and ends equal to the workspace's entity state", async () => {
    const ws = await createTestWorkspace(relay);
    const workload = generateWorkload({ seed: 7, count: 1_200, entities: 40, prefix: "crash" });
    expect(workload.some((e) => e.eventType === "delete")).toBe(true);
    const backlog = await ws.ingest(workload.slice(0, 800));
    const path = join(dir, "abort.sqlite");

    // Run 1: abort right after the third batch is applied, before its offset is saved.
    const adapter = sqliteAdapter({ path });
    const offsets = sqliteOffsetStore({ path });
    const controller = new AbortController();
    let applies = 0;
    const abortingAfterThird: ReplicaAdapter = {
      applyBatch(events) {
        adapter.applyBatch(events);
        if (++applies === 3) controller.abort();
      },
    };
    const first = await runBridge({
      relayUrl: relay.url,
      workspaceId: ws.workspaceId,
      readKey: ws.readKey,
      adapter: abortingAfterThird,
      offsetStore: offsets,
      eventsPerBatch: 100,
      signal: controller.signal,
    });
    expect(first).toEqual({ reason: "aborted", offset: backlog[199] });
    expect(offsets.load(STREAM(ws.workspaceId))).toBe(backlog[199]);
    // The replica holds the third batch although the offset does not record it.
    const log = await ws.readAll();
    expect(adapter.entities()).toEqual(entityState(log.slice(0, 300)));
    adapter.close?.();
    offsets.close?.();

    // Run 2: a restart replays the third batch, then follows the backlog and live events.
    const replica = sqliteAdapter({ path });
    const restartOffsets = sqliteOffsetStore({ path });
    const stop = new AbortController();
    const batches: BatchInfo[] = [];
    const run = runBridge({
      relayUrl: relay.url,
      workspaceId: ws.workspaceId,
      readKey: ws.readKey,
      adapter: replica,
      offsetStore: restartOffsets,
      eventsPerBatch: 100,
      signal: stop.signal,
      onBatchProcessed: (batch) => void batches.push(batch),
    });
    const live = await ws.ingest(workload.slice(800));
    await eventually(() => batches.at(-1)?.offset === live.at(-1), 120_000);
    stop.abort();
    expect(await run).toEqual({ reason: "aborted", offset: live.at(-1) });

    const finalLog = await ws.readAll();
    expect(replica.entities()).toEqual(entityState(finalLog));
    expect(batches[0]!.events[0]!.version).toBe(backlog[200]);
    expect(batches.every((b) => b.transport === "websocket")).toBe(true);
    const applied = batches.flatMap((b) => b.events.map((e) => e.version));
    expect(applied).toEqual(finalLog.slice(200).map((e) => e.version));
    replica.close?.();
    restartOffsets.close?.();
  });

  it("survives a SIGKILL of the process mid-batch; runner.mjs then catches up to the exact entity state", async () => {
    const ws = await createTestWorkspace(relay);
    const workload = generateWorkload({ seed: 11, count: 600, entities: 25, prefix: "kill" });
    await ws.ingest(workload);
    const path = join(dir, "kill.sqlite");

    const child = spawn(
      process.execPath,
      [resolve(import.meta.dirname, "fixtures/crash-child.mjs"), relay.url, ws.workspaceId, ws.readKey, path, "4"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on("exit", (exitCode, exitSignal) => done({ code: exitCode, signal: exitSignal })),
    );
    expect({
      code,
      signal,
      stderr: stderr.replace(/.*ExperimentalWarning.*\n.*trace-warnings.*\n?/g, ""),
    }).toMatchObject({
      signal: "SIGKILL",
    });

    const log = await ws.readAll();
    const killedOffsets = sqliteOffsetStore({ path });
    // Killed after applying batch 4 (of 50 events), before saving its offset.
    expect(killedOffsets.load(STREAM(ws.workspaceId))).toBe(log[149]!.version);
    killedOffsets.close?.();
    const killedReplica = sqliteAdapter({ path });
    expect(killedReplica.entities()).toEqual(entityState(log.slice(0, 200)));
    killedReplica.close?.();

    const runner = spawn(process.execPath, [resolve(import.meta.dirname, "../runner.mjs")], {
      env: {
        ...process.env,
        RELAY_URL: relay.url,
        RELAY_WORKSPACE: ws.workspaceId,
        RELAY_READ_KEY: ws.readKey,
        REPLICA_DB: path,
        RELAY_EVENTS_PER_BATCH: "50",
        RELAY_ONCE: "true",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    runner.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    runner.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const runnerCode = await new Promise<number | null>((done) => runner.on("exit", done));
    expect({ runnerCode, output }).toMatchObject({ runnerCode: 0 });
    expect(output).toContain(`stopped: caught_up at version ${log.at(-1)!.version}`);
    expect(output).not.toContain(ws.readKey);

    const replica = sqliteAdapter({ path });
    expect(replica.entities()).toEqual(entityState(log));
    replica.close?.();
  });
});
