/**
 * Retention: the workspace's alarm deletes events older than `retentionDays`, and ids stay
 * deduplicated for at least 7 days. Events are aged by rewriting their receipt time in the
 * Durable Object's SQLite, and the hourly sweep is made due in the same way (there is no other
 * way to make an event days old in a test); every effect is then checked through the public API.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  createWorkspace,
  expectStatus,
  getWorkspace,
  ingest,
  makeEvents,
  observable,
  readAll,
  readPage,
  relayFetch,
  workspacePath,
  workspaceStub,
} from "./helpers";

const DAY_MS = 86_400_000;

/** Makes every event with a version up to `upTo` look received `daysAgo` days ago. */
async function age(workspaceId: string, upTo: number, daysAgo: number): Promise<void> {
  const receivedAt = Date.now() - daysAgo * DAY_MS;
  await runInDurableObject(workspaceStub(workspaceId), (_instance, state) => {
    state.storage.sql.exec("UPDATE events SET received_at = ? WHERE version <= ?", receivedAt, upTo);
    state.storage.sql.exec("UPDATE event_ids SET received_at = ? WHERE version <= ?", receivedAt, upTo);
  });
}

/**
 * Makes the retention sweep due now and runs the Durable Object's alarm. The sweep is one of
 * several alarm tasks, each with its own due time, so running the alarm early alone would skip
 * it. Fails if no sweep is scheduled: every workspace must always have one.
 */
async function runRetentionSweep(workspaceId: string): Promise<void> {
  const stub = workspaceStub(workspaceId);
  const scheduled = await runInDurableObject(stub, (_instance, state) => {
    const cursor = state.storage.sql.exec("UPDATE alarm_tasks SET due_at = ? WHERE name = 'retention'", Date.now());
    cursor.toArray();
    return cursor.rowsWritten;
  });
  expect(scheduled, "a retention sweep is scheduled").toBe(1);
  expect(await runDurableObjectAlarm(stub)).toBe(true);
}

/** A workspace with two batches of five events: versions 1..5 and 6..10. */
async function workspaceWithTwoBatches(settings: { retentionDays?: number }) {
  const workspace = await createWorkspace(settings);
  const old = makeEvents(5, { lamport: undefined });
  const recent = makeEvents(5, { lamport: undefined });
  await ingest(workspace.workspaceId, workspace.ingressSecret, old);
  await ingest(workspace.workspaceId, workspace.ingressSecret, recent);
  return { ...workspace, old, recent };
}

describe("retention", () => {
  it("deletes events older than retentionDays and keeps their ids deduplicated for 7 days", async () => {
    const { workspaceId, ingressSecret, old } = await workspaceWithTwoBatches({ retentionDays: 1 });
    await age(workspaceId, 5, 2);
    await runRetentionSweep(workspaceId);

    expect(await getWorkspace(workspaceId)).toMatchObject({ head: 10, eventCount: 5 });
    expect((await readAll(workspaceId)).map((e) => e.version)).toEqual([6, 7, 8, 9, 10]);
    expect((await readPage(workspaceId, { after: 0, limit: 1 })).events[0]!.version).toBe(6);

    // Two days is inside the 7-day dedupe window: the deleted events' ids are still known.
    const before = await observable(workspaceId);
    const again = await ingest(workspaceId, ingressSecret, old);
    expect(again.results).toEqual(old.map((e, i) => ({ id: e.id, version: i + 1, duplicate: true })));
    expect(await observable(workspaceId)).toEqual(before);

    // Counting goes on correctly from the swept state.
    await ingest(workspaceId, ingressSecret, makeEvents(2, { lamport: undefined }));
    expect(await getWorkspace(workspaceId)).toMatchObject({ head: 12, eventCount: 7 });
  });

  it("keeps events younger than retentionDays, and applies a shortened retention at the next sweep", async () => {
    const { workspaceId } = await workspaceWithTwoBatches({});
    await age(workspaceId, 5, 2);
    await runRetentionSweep(workspaceId);
    expect(await getWorkspace(workspaceId)).toMatchObject({ head: 10, eventCount: 10, retentionDays: 7 });
    expect(await readAll(workspaceId)).toHaveLength(10);

    const res = await relayFetch(workspacePath(workspaceId), { method: "PUT", body: { retentionDays: 1 } });
    await expectStatus(res, 200);
    await runRetentionSweep(workspaceId);
    expect(await getWorkspace(workspaceId)).toMatchObject({ head: 10, eventCount: 5, retentionDays: 1 });
  });

  it("forgets ids once both the event and the 7-day dedupe window have passed", async () => {
    const { workspaceId, ingressSecret, old } = await workspaceWithTwoBatches({});
    await age(workspaceId, 5, 8);
    await runRetentionSweep(workspaceId);
    expect(await getWorkspace(workspaceId)).toMatchObject({ head: 10, eventCount: 5 });

    // The id index does not grow forever: an 8-day-old id is new again.
    const again = await ingest(workspaceId, ingressSecret, [old[0]!]);
    expect(again.results).toEqual([{ id: old[0]!.id, version: 11, duplicate: false }]);
    expect(await getWorkspace(workspaceId)).toMatchObject({ head: 11, eventCount: 6 });
  });

  it("keeps ids for the whole retention when it is longer than 7 days", async () => {
    const { workspaceId, ingressSecret, old } = await workspaceWithTwoBatches({ retentionDays: 10 });
    await age(workspaceId, 5, 9);
    await runRetentionSweep(workspaceId);
    expect(await getWorkspace(workspaceId)).toMatchObject({ eventCount: 10 });
    const again = await ingest(workspaceId, ingressSecret, old);
    expect(again.results.every((r) => r.duplicate)).toBe(true);
  });

  it("keeps sweeping: each sweep schedules the next, and deletion stops them", async () => {
    const { workspaceId } = await workspaceWithTwoBatches({ retentionDays: 1 });
    await age(workspaceId, 3, 2);
    await runRetentionSweep(workspaceId);
    expect(await getWorkspace(workspaceId)).toMatchObject({ eventCount: 7 });
    await age(workspaceId, 6, 2);
    await runRetentionSweep(workspaceId);
    expect(await getWorkspace(workspaceId)).toMatchObject({ eventCount: 4 });

    await expectStatus(await relayFetch(workspacePath(workspaceId), { method: "DELETE" }), 204);
    expect(await runDurableObjectAlarm(workspaceStub(workspaceId))).toBe(false);
  });
});
