import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createWorkspace, getWorkspace, pollUntil, workspaceStub } from "./helpers";
import { createReadKey, expectStrictlyIncreasing, ingestMany, openFeed } from "./feed-support";

const HEARTBEAT_TASK = "feed-heartbeat";

/** When the workspace's heartbeat task is due, or undefined when none is scheduled. */
function heartbeatDueAt(workspaceId: string): Promise<number | undefined> {
  return runInDurableObject(workspaceStub(workspaceId), (_instance, state) => {
    const rows = state.storage.sql
      .exec<{ due_at: number }>("SELECT due_at FROM alarm_tasks WHERE name = ?", HEARTBEAT_TASK)
      .toArray();
    return rows[0]?.due_at;
  });
}

/** Makes the heartbeat due now and runs the alarm, as the runtime would once its time comes. */
async function fireHeartbeat(workspaceId: string): Promise<void> {
  const stub = workspaceStub(workspaceId);
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec("UPDATE alarm_tasks SET due_at = 0 WHERE name = ?", HEARTBEAT_TASK);
  });
  expect(await runDurableObjectAlarm(stub)).toBe(true);
}

describe("feed: hibernation", () => {
  it("keeps streaming, acking and resuming after the Durable Object is evicted with its sockets hibernated", async () => {
    const ws = await createWorkspace();
    const { key } = await createReadKey(ws.workspaceId);
    const stub = workspaceStub(ws.workspaceId);
    const backlog = await ingestMany(ws.workspaceId, ws.ingressSecret, 300);

    const feed = await openFeed(ws.workspaceId, { after: 0, consumer: "hib", token: key });
    await feed.waitForVersion(backlog.at(-1)!);
    const before = await runInDurableObject(stub, (instance) => instance);

    await evictDurableObject(stub, { webSockets: "hibernate" });
    // New events wake a fresh instance, which finds the socket and its position in the attachment.
    const live = await ingestMany(ws.workspaceId, ws.ingressSecret, 200);
    await feed.waitForVersion(live.at(-1)!);
    expect(await runInDurableObject(stub, (instance) => instance)).not.toBe(before);
    expect(feed.versions).toEqual([...backlog, ...live]);
    expect(feed.closed).toBeUndefined();

    // An ack received by another fresh instance still moves the consumer's cursor.
    await evictDurableObject(stub, { webSockets: "hibernate" });
    feed.ack(live[99]!);
    feed.close();
    await feed.waitForClose();
    const resumed = await openFeed(ws.workspaceId, { consumer: "hib", token: key });
    await resumed.waitForVersion(live.at(-1)!);
    expect(resumed.versions).toEqual(live.slice(100));
    expectStrictlyIncreasing(resumed.versions);

    // Heartbeats come from a woken instance too.
    await evictDurableObject(stub, { webSockets: "hibernate" });
    await fireHeartbeat(ws.workspaceId);
    const heartbeat = await pollUntil(() => resumed.heartbeats[0], { what: "a heartbeat after hibernation" });
    expect(heartbeat.head).toBe(live.at(-1));
    resumed.close();
  }, 120_000);
});

describe("feed: heartbeats", () => {
  it("schedules heartbeats within 30 s while a socket is open, and stops once none is", async () => {
    const ws = await createWorkspace();
    const { key } = await createReadKey(ws.workspaceId);
    expect(await heartbeatDueAt(ws.workspaceId)).toBeUndefined();

    const opened = Date.now();
    const feed = await openFeed(ws.workspaceId, { token: key });
    const due = await heartbeatDueAt(ws.workspaceId);
    expect(due).toBeDefined();
    expect(due!).toBeLessThanOrEqual(opened + 30_000 + 1_000);

    await ingestMany(ws.workspaceId, ws.ingressSecret, 3);
    const fired = Date.now();
    await fireHeartbeat(ws.workspaceId);
    const heartbeat = await pollUntil(() => feed.heartbeats[0], { what: "a heartbeat" });
    expect(heartbeat).toEqual({
      type: "heartbeat",
      head: (await getWorkspace(ws.workspaceId)).head,
      at: expect.any(Number),
    });
    expect(heartbeat.at).toBeGreaterThanOrEqual(fired - 1_000);
    // The next one is scheduled, again within 30 s.
    const next = await heartbeatDueAt(ws.workspaceId);
    expect(next).toBeGreaterThan(fired);
    expect(next!).toBeLessThanOrEqual(Date.now() + 30_000);

    feed.close();
    await feed.waitForClose();
    // With no socket open, nothing keeps the workspace awake for heartbeats.
    await pollUntil(async () => (await heartbeatDueAt(ws.workspaceId)) === undefined, {
      what: "the heartbeat task to be cancelled",
    });
  });
});
