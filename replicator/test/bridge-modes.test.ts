import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../tests/support/relay.ts";
import { memoryAdapter } from "../adapters/memory.ts";
import { runBridge } from "../src/bridge.ts";
import { RelayHttpError } from "../src/relay-http.ts";
import type { BatchInfo, BridgeExit, HeartbeatInfo } from "../src/types.ts";
import { memoryOffsetStore } from "../storage/memory.ts";
import { sleep } from "../src/backoff.ts";
import { createTestWorkspace, startRelay, type LocalRelay, type TestWorkspace } from "./support/local-relay.ts";
import { startNoWebSocketProxy, startTcpProxy } from "./support/proxies.ts";
import { entityState, generateWorkload } from "./support/workload.ts";

let relay: LocalRelay;

beforeAll(async () => {
  relay = await startRelay();
});

afterAll(async () => {
  await relay?.stop();
});

/**
 * A bridge over a fresh memory replica, recording what it reports. `applyDelayMs` makes the
 * replica slow, as a real database under load is, so a test can act while it streams.
 */
function startBridge(
  ws: TestWorkspace,
  options: Partial<Parameters<typeof runBridge>[0]> & { applyDelayMs?: number } = {},
) {
  const { applyDelayMs = 0, ...bridgeOptions } = options;
  const adapter = memoryAdapter();
  const slowAdapter = {
    async applyBatch(events: Parameters<typeof adapter.applyBatch>[0]) {
      if (applyDelayMs) await sleep(applyDelayMs);
      adapter.applyBatch(events);
    },
  };
  const offsetStore = memoryOffsetStore();
  const batches: BatchInfo[] = [];
  const heartbeats: HeartbeatInfo[] = [];
  const exits: BridgeExit[] = [];
  const controller = new AbortController();
  const done = runBridge({
    relayUrl: relay.url,
    workspaceId: ws.workspaceId,
    readKey: ws.readKey,
    adapter: slowAdapter,
    offsetStore,
    signal: controller.signal,
    backoff: { initialMs: 50, maxMs: 500 },
    onBatchProcessed: (batch) => void batches.push(batch),
    onHeartbeat: (beat) => void heartbeats.push(beat),
    onExit: (exit) => void exits.push(exit),
    ...bridgeOptions,
  });
  return { adapter, offsetStore, batches, heartbeats, exits, controller, done };
}

describe("replicator: serverless batch mode", () => {
  it("runs until caught up, exits through onExit, and a later run picks up only what is new", async () => {
    const ws = await createTestWorkspace(relay);
    await ws.ingest(generateWorkload({ seed: 3, count: 350, entities: 30, prefix: "sl" }));
    const log = await ws.readAll();
    const waits: { offset: number; head: number }[] = [];
    const run = startBridge(ws, { eventsPerBatch: 100, waitFn: (state) => void waits.push(state) });

    const exit = await run.done;
    expect(exit).toEqual({ reason: "caught_up", offset: log.at(-1)!.version });
    expect(run.exits).toEqual([exit]);
    expect(waits).toEqual([{ offset: log.at(-1)!.version, head: log.at(-1)!.version }]);
    expect(run.batches.map((b) => b.events.length)).toEqual([100, 100, 100, 50]);
    expect(run.adapter.entities()).toEqual(entityState(log));

    // Same offsets, nothing new: exits at once without applying anything.
    const again = startBridge(ws, { waitFn: () => false, offsetStore: run.offsetStore, adapter: run.adapter });
    expect(await again.done).toEqual({ reason: "caught_up", offset: log.at(-1)!.version });
    expect(again.batches).toEqual([]);

    // waitFn may ask for another round: events that arrived meanwhile are applied.
    let rounds = 0;
    const more = generateWorkload({ seed: 4, count: 30, entities: 30, prefix: "sl2" });
    const third = startBridge(ws, {
      offsetStore: run.offsetStore,
      adapter: run.adapter,
      waitFn: async () => {
        if (++rounds > 1) return false;
        await ws.ingest(more);
        return true;
      },
    });
    const thirdExit = await third.done;
    const after = await ws.readAll();
    expect(rounds).toBe(2);
    expect(thirdExit).toEqual({ reason: "caught_up", offset: after.at(-1)!.version });
    expect(third.batches.flatMap((b) => b.events.map((e) => e.id))).toEqual(more.map((e) => e.id));
    expect(run.adapter.entities()).toEqual(entityState(after));
  });

  it("reports a wrong key as a fatal exit through onExit, without retrying forever", async () => {
    const ws = await createTestWorkspace(relay);
    const run = startBridge(ws, { readKey: `rk_${ws.workspaceId}.${"A".repeat(43)}`, waitFn: () => false });
    const exit = await run.done;
    expect(exit.reason).toBe("fatal");
    expect(run.exits).toEqual([exit]);
    const error = (exit as Extract<BridgeExit, { reason: "fatal" }>).error;
    expect(error).toBeInstanceOf(RelayHttpError);
    expect((error as RelayHttpError).status).toBe(401);
  });
});

describe("replicator: transports", () => {
  it("falls back to long polls when a proxy refuses WebSockets, and keeps up with live events", async () => {
    const ws = await createTestWorkspace(relay);
    const proxy = await startNoWebSocketProxy(relay.url);
    try {
      await ws.ingest(generateWorkload({ seed: 5, count: 250, entities: 20, prefix: "fb" }));
      const run = startBridge(ws, { relayUrl: proxy.url });
      const backlog = await ws.readAll();
      await eventually(() => run.batches.at(-1)?.offset === backlog.at(-1)!.version, 60_000);
      // Live events reach a bridge waiting in a long poll.
      const live = await ws.ingest(generateWorkload({ seed: 6, count: 20, entities: 20, prefix: "fb2" }));
      await eventually(() => run.batches.at(-1)?.offset === live.at(-1), 60_000);
      run.controller.abort();
      expect((await run.done).reason).toBe("aborted");

      expect(proxy.refusedUpgrades).toBeGreaterThanOrEqual(2);
      expect(run.batches.every((b) => b.transport === "poll")).toBe(true);
      expect(run.adapter.entities()).toEqual(entityState(await ws.readAll()));
    } finally {
      await proxy.close();
    }
  });

  it("reconnects after the connection drops mid-stream, missing nothing", async () => {
    const ws = await createTestWorkspace(relay);
    const proxy = await startTcpProxy(relay.url);
    try {
      // 10 MB of events: more than the relay lets a consumer run ahead of its acks (4 MiB), so
      // the stream is still on the wire, not all buffered here, when the connection drops.
      const workload = generateWorkload({ seed: 8, count: 2_000, entities: 50, prefix: "rc", padding: 5_000 });
      await ws.ingest(workload.slice(0, 1_000));
      const run = startBridge(ws, { relayUrl: proxy.url, eventsPerBatch: 50, applyDelayMs: 20 });
      const live = ws.ingest(workload.slice(1_000));
      await eventually(() => run.batches.length >= 5, 60_000);
      proxy.cutAll();
      const cutAt = [run.batches.length];
      await eventually(() => run.batches.length >= 25, 60_000);
      proxy.cutAll();
      cutAt.push(run.batches.length);
      const versions = await live;
      await eventually(() => run.batches.at(-1)?.offset === versions.at(-1), 120_000);
      run.controller.abort();
      await run.done;

      const log = await ws.readAll();
      const applied = run.batches.flatMap((b) => b.events.map((e) => e.version));
      expect(applied).toEqual(log.map((e) => e.version));
      expect(run.adapter.entities()).toEqual(entityState(log));
      // A cut destroys every open connection, so the rest of the stream came over new ones.
      expect(run.batches.every((b) => b.transport === "websocket")).toBe(true);
      expect(proxy.connections).toBeGreaterThanOrEqual(2);
      // Both cuts came mid-stream: 2,000 events make 40 batches.
      expect(cutAt.every((n) => n < 40)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it("keeps one connection while a slow replica catches up: acks hold the relay back, not reconnects", async () => {
    const ws = await createTestWorkspace(relay);
    // 12,000 events of about 320 bytes: under the relay's window in bytes, so all of them may
    // be in flight at once, yet more than a bound counted in events allowed (5,000, until
    // 2026-12-01), which made the bridge drop and reopen its socket again and again.
    const workload = generateWorkload({ seed: 10, count: 12_000, entities: 500, prefix: "sw" });
    await ws.ingest(workload);
    let sockets = 0;
    class CountingWebSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets++;
      }
    }
    const run = startBridge(ws, { eventsPerBatch: 100, applyDelayMs: 5, WebSocket: CountingWebSocket });
    const log = await ws.readAll();
    await eventually(() => run.batches.at(-1)?.offset === log.at(-1)!.version, 120_000);
    run.controller.abort();
    await run.done;

    expect(run.batches.flatMap((b) => b.events.map((e) => e.version))).toEqual(log.map((e) => e.version));
    expect(run.adapter.entities()).toEqual(entityState(log));
    expect(sockets).toBe(1);
  }, 180_000);

  it("stops with a fatal exit when its read key is revoked while it streams", async () => {
    const ws = await createTestWorkspace(relay);
    await ws.ingest(generateWorkload({ seed: 9, count: 10, entities: 5, prefix: "rv" }));
    const run = startBridge(ws);
    await eventually(() => run.batches.length > 0, 60_000);
    const keys = await ws.admin.call("GET", `/v1/workspaces/${ws.workspaceId}/keys`);
    const [key] = (keys.body as { keys: { id: string }[] }).keys;
    await ws.admin.call("DELETE", `/v1/workspaces/${ws.workspaceId}/keys/${key!.id}`);
    const exit = await run.done;
    expect(exit.reason).toBe("fatal");
    expect((exit as Extract<BridgeExit, { reason: "fatal" }>).error.message).toMatch(/4401|revoked/);
  });
});
