import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AppendResult } from "../../durable-objects/event-log";
import { matchingEvents } from "../../durable-objects/delivery/batches";
import { RecentEvents } from "../../durable-objects/delivery/recent-events";
import type { Subscriber } from "../../durable-objects/delivery/subscriber-store";
import type { WorkspaceDurableObject } from "../../durable-objects/workspace-do";
import type { PreparedBatch } from "../../src/ingest/prepare";
import { createWorkspace, ingest, makeEvent, workspaceStub } from "./helpers";

/** A batch of new events with the given versions (null: a duplicate), kinds alternating user/task. */
function append(recent: RecentEvents, headBefore: number, versions: (number | null)[], prefix = "e") {
  const rows = versions.map((_, i) => [`${prefix}${i}`, i % 2 ? "task" : "user", "update", "app", `{"n":${i}}`]);
  const batch: PreparedBatch = { ids: rows.map((r) => r[0]!), lamports: versions.map(() => null), rows: JSON.stringify(rows) };
  const results: AppendResult["results"] = versions.map((v, i) => ({ id: `${prefix}${i}`, version: v ?? 1, duplicate: v === null }));
  const appended = versions.filter((v) => v !== null).length;
  const headAfter = Math.max(headBefore, ...versions.map((v) => v ?? 0));
  const result: AppendResult = { results, appended, counters: { head: headAfter, eventCount: 0, lastReceivedAt: 7 } };
  recent.recordAppend(headBefore, headAfter, batch, result, 7);
  return headAfter;
}

const everything = { filter: null, excludeOrigins: [] };
const versionsOf = (rows: { version: number }[] | undefined) => rows?.map((r) => r.version);

describe("recent events held for delivery", () => {
  it("answers ranges it holds entirely, in version order, filtered, skipping duplicates", () => {
    const recent = new RecentEvents();
    let head = append(recent, 10, [11, 12, null, 20]);
    head = append(recent, head, [21, 22], "f");
    expect(versionsOf(recent.matching(everything, { after: 10, upTo: head, limit: 100 }))).toEqual([11, 12, 20, 21, 22]);
    expect(versionsOf(recent.matching(everything, { after: 12, upTo: 21, limit: 100 }))).toEqual([20, 21]);
    expect(versionsOf(recent.matching(everything, { after: 10, upTo: head, limit: 2 }))).toEqual([11, 12]);
    const tasks = { filter: { entityKinds: ["task"] }, excludeOrigins: [] };
    expect(versionsOf(recent.matching(tasks, { after: 10, upTo: head, limit: 100 }))).toEqual([12, 20, 22]);
    expect(recent.matching({ filter: null, excludeOrigins: ["app"] }, { after: 10, upTo: head, limit: 100 })).toEqual([]);
    const [row] = recent.matching(everything, { after: 10, upTo: 11, limit: 1 })!;
    expect(row).toEqual({ version: 11, received_at: 7, body: '{"n":0}', entity_kind: "user", event_type: "update", origin: "app" });
  });

  it("sends every range it does not hold entirely to SQLite", () => {
    const recent = new RecentEvents();
    expect(recent.matching(everything, { after: 0, upTo: 0, limit: 10 })).toBeUndefined();
    const head = append(recent, 10, [11, 12]);
    expect(recent.matching(everything, { after: 9, upTo: head, limit: 10 })).toBeUndefined();
    expect(recent.matching(everything, { after: 10, upTo: head + 1, limit: 10 })).toBeUndefined();
    // An append that does not continue from what is held (a gap) starts over from it.
    append(recent, 40, [41]);
    expect(recent.matching(everything, { after: 12, upTo: 41, limit: 10 })).toBeUndefined();
    expect(versionsOf(recent.matching(everything, { after: 40, upTo: 41, limit: 10 }))).toEqual([41]);
    recent.clear(41);
    expect(recent.matching(everything, { after: 40, upTo: 41, limit: 10 })).toBeUndefined();
    expect(recent.matching(everything, { after: 41, upTo: 41, limit: 10 })).toEqual([]);
  });

  it("starts every range at the right append among many, duplicates-only appends included", () => {
    const recent = new RecentEvents();
    let head = 0;
    const held: number[] = [];
    // Appends of 0 to 3 new events (0: every event a duplicate), some with duplicates inside.
    for (let i = 0; i < 300; i++) {
      const fresh = i % 4;
      const versions = Array.from({ length: fresh }, (_, k) => head + k + 1);
      held.push(...versions);
      head = append(recent, head, i % 5 === 0 ? [null, ...versions] : versions, `a${i}`);
    }
    for (let after = 0; after <= head; after++) {
      for (const limit of [1, 3]) {
        const expected = held.filter((v) => v > after).slice(0, limit);
        expect(versionsOf(recent.matching(everything, { after, upTo: head, limit })), `after ${after}`).toEqual(expected);
      }
    }
    expect(versionsOf(recent.matching(everything, { after: 7, upTo: 12, limit: 100 }))).toEqual([8, 9, 10, 11, 12]);
  });

  it("reads only the appends a range needs: a subscriber at the head costs the same however much is held", () => {
    const recent = new RecentEvents();
    let head = 0;
    for (let i = 0; i < 1_500; i++) head = append(recent, head, [head + 1], `h${i}`);
    expect(versionsOf(recent.matching(everything, { after: head - 2, upTo: head, limit: 10 }))).toEqual([head - 1, head]);
    // Appends are parsed on first read; the 1,498 older ones were never read.
    const appends = recent["appends"] as { parsed?: unknown }[];
    expect(appends.filter((a) => a.parsed !== undefined)).toHaveLength(2);
  });

  it("keeps only the latest events, and then covers only after the oldest kept", () => {
    const recent = new RecentEvents();
    let head = 0;
    for (let i = 0; i < 30; i++) head = append(recent, head, Array.from({ length: 100 }, (_, k) => head + k + 1), `b${i}`);
    expect(recent.covers(0, head)).toBe(false);
    expect(recent.covers(head - 1_000, head)).toBe(true);
    const tail = recent.matching(everything, { after: head - 1_000, upTo: head, limit: 1_000 });
    expect(versionsOf(tail)).toEqual(Array.from({ length: 1_000 }, (_, k) => head - 999 + k));
  });
});

describe("recent events agree with the log in SQLite", () => {
  it("select what matchingEvents selects, for every filter, range and limit", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const kinds = ["user", "task", "note"];
    const types = ["create", "update", "delete"];
    const origins = ["app-a", "app-b"];
    for (let r = 0; r < 3; r++) {
      const events = Array.from({ length: 40 }, (_, i) =>
        makeEvent({
          entityKind: kinds[(i + r) % 3]!,
          eventType: types[(i * 7 + r) % 3]!,
          source: { origin: origins[(i >> 2) % 2]! },
          lamport: i % 9 === 0 ? 1_000 * (r + 1) + i : undefined,
        }),
      );
      await ingest(workspaceId, ingressSecret, events);
    }
    const filters: Pick<Subscriber, "filter" | "excludeOrigins">[] = [
      { filter: null, excludeOrigins: [] },
      { filter: { entityKinds: ["task"] }, excludeOrigins: [] },
      { filter: { eventTypes: ["create", "delete"] }, excludeOrigins: ["app-b"] },
      { filter: { entityKinds: ["note", "user"], eventTypes: ["update"] }, excludeOrigins: ["app-a"] },
      { filter: { entityKinds: [] }, excludeOrigins: [] },
    ];
    await runInDurableObject(workspaceStub(workspaceId), (instance: WorkspaceDurableObject) => {
      const recent = instance["recentEvents"];
      const sql = instance["sql"];
      const head = instance["meta"]!.head;
      const versions = sql<{ version: number }>`SELECT version FROM events ORDER BY version`.map((r) => r.version);
      expect(recent.covers(0, head)).toBe(true);
      let compared = 0;
      for (const s of filters) {
        for (const after of [0, versions[5]!, versions[39]!, versions[40]!, head - 1, head]) {
          for (const limit of [1, 7, 100]) {
            const range = { after, upTo: head, limit };
            const fromMemory = recent.matching(s, range)!.map(({ version, received_at, body }) => ({ version, received_at, body }));
            expect(fromMemory, JSON.stringify({ s, range })).toEqual(matchingEvents(sql, s, range));
            compared += fromMemory.length;
          }
        }
      }
      expect(compared).toBeGreaterThan(500);
    });
  });
});
