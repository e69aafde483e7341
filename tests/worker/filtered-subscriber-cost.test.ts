/**
 * A subscriber whose filter matches rarely keeps its cursor at the last event it acknowledged,
 * far behind the head. Every append asks it for a next batch. That question must cost rows in
 * proportion to the new events, not to the log behind it (`cursor.rowsRead`, summed over every
 * statement the workspace ran), and the events it does not want must not be held back from
 * retention on its account.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { WorkspaceDurableObject } from "../../durable-objects/workspace-do";
import { createWorkspace, ingest, makeEvent, readAll, relayFetch, workspacePath, workspaceStub } from "./helpers";

const BACKLOG_REQUESTS = 60;
const PER_REQUEST = 100;

/** Rows read so far by the workspace's SQLite helper. */
function rowsReadSoFar(workspaceId: string): Promise<number> {
  return runInDurableObject(workspaceStub(workspaceId), (instance: WorkspaceDurableObject) =>
    (instance as unknown as { sql: { rowsReadSoFar(): number } }).sql.rowsReadSoFar(),
  );
}

async function workspaceWithRareSubscriber() {
  const { workspaceId, ingressSecret } = await createWorkspace();
  // Nothing it wants ever arrives, so it never has a batch in flight and its cursor stays at 0.
  const res = await relayFetch(`${workspacePath(workspaceId)}/subscribers/rare`, {
    method: "PUT",
    body: { kind: "webhook", url: "http://127.0.0.1:9/rare", start: "beginning", filter: { entityKinds: ["rare"] } },
  });
  expect(res.status).toBe(201);
  // More than the Durable Object holds in memory (2,000 events), so older ones live in SQLite only.
  for (let r = 0; r < BACKLOG_REQUESTS; r++) {
    await ingest(workspaceId, ingressSecret, Array.from({ length: PER_REQUEST }, () => makeEvent({ entityKind: "common" })));
  }
  return { workspaceId, ingressSecret };
}

describe("a subscriber whose filter rarely matches", () => {
  it("costs each append rows in proportion to the append, not to the log behind its cursor", async () => {
    const { workspaceId, ingressSecret } = await workspaceWithRareSubscriber();
    const logSize = BACKLOG_REQUESTS * PER_REQUEST;
    const costs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = await rowsReadSoFar(workspaceId);
      await ingest(workspaceId, ingressSecret, [makeEvent({ entityKind: "common" })]);
      costs.push((await rowsReadSoFar(workspaceId)) - before);
    }
    // One event appended: its insert, counters and stats read a handful of rows. Scanning the
    // log behind the subscriber's cursor would read all 6,000.
    for (const cost of costs) expect(cost).toBeLessThan(logSize / 20);
  });
});

describe("retention and a subscriber whose filter rarely matches", () => {
  it("deletes old events it does not want, and keeps the one it is still being sent", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace({ retentionDays: 1 });
    const put = await relayFetch(`${workspacePath(workspaceId)}/subscribers/rare`, {
      method: "PUT",
      // Port 9 refuses connections: the batch it is sent stays in flight, retrying.
      body: { kind: "webhook", url: "http://127.0.0.1:9/rare", start: "beginning", filter: { entityKinds: ["rare"] } },
    });
    expect(put.status).toBe(201);
    await ingest(workspaceId, ingressSecret, Array.from({ length: 5 }, () => makeEvent({ entityKind: "common", lamport: undefined })));
    const rare = makeEvent({ entityKind: "rare", lamport: undefined });
    await ingest(workspaceId, ingressSecret, [rare, makeEvent({ entityKind: "common", lamport: undefined })]);

    const stub = workspaceStub(workspaceId);
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE events SET received_at = ?", Date.now() - 2 * 86_400_000);
      state.storage.sql.exec("UPDATE alarm_tasks SET due_at = 0 WHERE name = 'retention'");
    });
    await runDurableObjectAlarm(stub);

    // Versions 1-5 never matched it and are gone; 6 is its batch, so 6 and what follows stay.
    const left = await readAll(workspaceId);
    expect(left.map((e) => e.version)).toEqual([6, 7]);
    expect(left[0]!.id).toBe(rare.id);
    const status = await (await relayFetch(`${workspacePath(workspaceId)}/subscribers/rare`)).json();
    expect(status).toMatchObject({ cursor: 0, inFlight: { fromVersion: 6, toVersion: 6 } });
  });
});
