import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { IngestResponse } from "../../src/contract/event";
import {
  createWorkspace,
  getWorkspace,
  ingest,
  makeEvent,
  makeEvents,
  observable,
  readAll,
  workspaceStub,
} from "./helpers";

/** Fills a workspace, then checks that `restart` loses nothing and ingest carries on from the head. */
async function expectStateSurvives(restart: (workspaceId: string) => Promise<void>) {
  const { workspaceId, ingressSecret } = await createWorkspace({ retentionDays: 3 });
  const sent = [...makeEvents(30), makeEvent({ lamport: 5_000 })];
  const results: IngestResponse["results"] = [];
  for (let i = 0; i < sent.length; i += 10) results.push(...(await ingest(workspaceId, ingressSecret, sent.slice(i, i + 10))).results);
  const before = await observable(workspaceId);
  expect(before.info).toMatchObject({ head: 5_001, eventCount: 31, retentionDays: 3 });

  await restart(workspaceId);

  // Settings, counters and the whole log are as they were.
  expect(await observable(workspaceId)).toEqual(before);
  // The ids are still known: re-sending returns the original versions.
  const again = await ingest(workspaceId, ingressSecret, sent);
  expect(again.results).toEqual(results.map((r) => ({ ...r, duplicate: true })));
  // The secret still verifies, and versions continue from the stored head.
  const next = await ingest(workspaceId, ingressSecret, [makeEvent({ lamport: undefined })]);
  expect(next.results[0]).toMatchObject({ version: 5_002, duplicate: false });
  expect(await getWorkspace(workspaceId)).toMatchObject({ head: 5_002, eventCount: 32 });
  expect((await readAll(workspaceId)).map((e) => e.version)).toEqual([...before.events.map((e) => e.version), 5_002]);
}

describe("durability", () => {
  it("state survives a Durable Object eviction", async () => {
    await expectStateSurvives(async (workspaceId) => {
      await evictDurableObject(workspaceStub(workspaceId));
    });
  });

  it("state survives a Durable Object restart after an abort (crash)", async () => {
    await expectStateSurvives(async (workspaceId) => {
      const stub = workspaceStub(workspaceId);
      // abort() tears the instance down like a crash: nothing in memory survives it.
      await expect(runInDurableObject(stub, (_instance, state) => state.abort("simulated crash"))).rejects.toThrow();
    });
  });

  it("a committed ingest is in SQLite storage when its response arrives", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const result = await ingest(workspaceId, ingressSecret, makeEvents(5));
    const rows = await runInDurableObject(workspaceStub(workspaceId), (_instance, state) =>
      state.storage.sql.exec("SELECT version FROM events ORDER BY version").toArray().map((row) => row.version),
    );
    expect(rows).toEqual(result.results.map((r) => r.version));
  });
});
