import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/contract/event.ts";
import { memoryAdapter } from "../adapters/memory.ts";
import { sqliteAdapter } from "../adapters/sqlite.ts";
import { sqliteOffsetStore } from "../storage/sqlite.ts";
import { backoffDelay } from "../src/backoff.ts";
import { entityState, storedEvent } from "./support/workload.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDb(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "replicator-unit-"));
  dirs.push(dir);
  return join(dir, "replica.sqlite");
}

const log: StoredEvent[] = [
  storedEvent(1, "user", "a", "create", { name: "Ada" }),
  storedEvent(2, "user", "b", "create", { name: "Bob" }),
  storedEvent(5, "user", "a", "update", { name: "Ada L." }),
  storedEvent(7, "user", "b", "delete", null),
  storedEvent(9, "team", "t", "create", { members: ["a"] }),
];

const adapters = {
  memory: async () => memoryAdapter(),
  sqlite: async () => sqliteAdapter({ path: await tempDb() }),
};

describe.each(Object.entries(adapters))("%s adapter", (_name, make) => {
  it("applies upserts and deletes in order", async () => {
    const adapter = await make();
    await adapter.applyBatch(log);
    expect(adapter.entities()).toEqual(entityState(log));
    expect(adapter.entities()).toEqual([
      { entityKind: "team", entityId: "t", version: 9, data: { members: ["a"] } },
      { entityKind: "user", entityId: "a", version: 5, data: { name: "Ada L." } },
    ]);
  });

  it("makes replays harmless: applying any prefix again, or older events later, changes nothing", async () => {
    const adapter = await make();
    await adapter.applyBatch(log);
    const once = adapter.entities();
    for (let cut = 0; cut <= log.length; cut++) await adapter.applyBatch(log.slice(0, cut));
    await adapter.applyBatch(log);
    expect(adapter.entities()).toEqual(once);
    // A delete keeps its version: the create it follows cannot bring the entity back.
    await adapter.applyBatch([log[1]!]);
    expect(adapter.entities().some((e) => e.entityId === "b")).toBe(false);
  });

  it("recreates a deleted entity with a newer event", async () => {
    const adapter = await make();
    await adapter.applyBatch([...log, storedEvent(12, "user", "b", "create", { name: "Bob again" })]);
    expect(adapter.entities().find((e) => e.entityId === "b")).toEqual({
      entityKind: "user",
      entityId: "b",
      version: 12,
      data: { name: "Bob again" },
    });
  });
});

describe("sqlite adapter", () => {
  it("keeps state across reopen, next to the offset store in the same file", async () => {
    const path = await tempDb();
    const first = sqliteAdapter({ path });
    const offsets = sqliteOffsetStore({ path });
    await first.applyBatch(log.slice(0, 3));
    await offsets.save("ws/replicator", 5);
    first.close?.();
    offsets.close?.();

    const reopened = sqliteAdapter({ path });
    const reopenedOffsets = sqliteOffsetStore({ path });
    expect(await reopenedOffsets.load("ws/replicator")).toBe(5);
    expect(await reopenedOffsets.load("other")).toBeUndefined();
    expect(reopened.entities()).toEqual(entityState(log.slice(0, 3)));
    reopened.close?.();
    reopenedOffsets.close?.();
  });

  it("refuses table names that are not plain identifiers", async () => {
    const path = await tempDb();
    expect(() => sqliteAdapter({ path, table: "x; DROP TABLE y" })).toThrow(/invalid table name/);
  });
});

describe("backoff", () => {
  it("grows exponentially up to the cap, with jitter inside each step", () => {
    const policy = { initialMs: 100, maxMs: 2_000 };
    const low = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0));
    const high = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 1));
    expect(high).toEqual([100, 200, 400, 800, 1_600, 2_000, 2_000]);
    expect(low).toEqual(high.map((ms) => ms / 2));
  });
});
