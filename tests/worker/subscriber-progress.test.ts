/**
 * Subscribers' delivery progress in the workspace object's real SQLite: what one statement
 * writes for many subscribers (a fan-out's leases) reads back exactly as what was saved, as
 * one subscriber's own update does; a deleted subscriber stays deleted; the statement looks up
 * each subscriber by its key (`cursor.rowsRead`), never scanning the table per row.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SubscriberStore, type Subscriber } from "../../durable-objects/delivery/subscriber-store";
import type { Sql } from "../../durable-objects/sql";
import type { WorkspaceDurableObject } from "../../durable-objects/workspace-do";
import { createWorkspace, ingest, makeEvent, relayFetch, workspacePath, workspaceStub } from "./helpers";

async function createSubscribers(workspaceId: string, count: number, enabled: boolean): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `sub-${String(i).padStart(3, "0")}`);
  for (const id of ids) {
    const res = await relayFetch(`${workspacePath(workspaceId)}/subscribers/${id}`, {
      method: "PUT",
      body: { kind: "webhook", url: `http://127.0.0.1:9/${id}`, enabled },
    });
    expect(res.status).toBe(201);
  }
  return ids;
}

/** Progress unlike the subscriber's first, and unlike its neighbours': every column varies. */
function progressed(s: Subscriber, i: number): Subscriber {
  return {
    ...s,
    state: (["active", "retrying", "paused", "disabled"] as const)[i % 4]!,
    disabledReason: i % 4 === 3 ? "failing" : null,
    cursor: 2 ** 40 + i,
    inFlight:
      i % 3 === 0
        ? null
        : {
            id: `msg_${i}`,
            fromVersion: 2 ** 40 + i + 1,
            toVersion: 2 ** 40 + i + 7,
            prevVersion: 2 ** 40 + i,
            attempt: i + 1,
            phase: i % 2 ? "waiting" : "sending",
            nextAttemptAt: 1_800_000_000_000 + i,
            leaseUntil: 1_800_000_045_000 + i,
            firstFailedAt: i % 2 ? 1_799_999_000_000 + i : null,
          },
    lastSuccessAt: i % 5 === 0 ? null : 1_799_000_000_000 + i,
    // Quotes, a newline and non-ASCII text must survive the JSON the statement carries them in.
    lastError: i % 2 ? { at: 1_799_999_999_000 + i, status: i % 3 ? 503 : null, message: `"quoted" €\n${i}` } : null,
    consecutiveFailures: i,
    failingSince: i % 2 ? 1_799_999_000_000 : null,
    failingAlerted: i % 4 === 1,
  };
}

/** The real SQL, with every statement's text and rows read kept. */
function recordingSql(sql: Sql) {
  const statements: { text: string; rowsRead: number }[] = [];
  const recording = Object.assign(
    ((strings: TemplateStringsArray, ...values: never[]) => {
      statements.push({ text: strings.join("?"), rowsRead: -1 });
      return sql(strings, ...values);
    }) as Sql,
    {
      one: sql.one,
      run: sql.run,
      rowsReadSoFar: sql.rowsReadSoFar,
      composed: ((text, values) => {
        const result = sql.composed(text, values);
        statements.push({ text, rowsRead: result.rowsRead });
        return result;
      }) as Sql["composed"],
    },
  );
  return { sql: recording, statements };
}

describe("subscriber progress", () => {
  it("saves many subscribers in one statement, read back exactly as saved and as one at a time", async () => {
    const { workspaceId } = await createWorkspace();
    await createSubscribers(workspaceId, 60, false);
    await runInDurableObject(workspaceStub(workspaceId), (instance: WorkspaceDurableObject) => {
      const sql = instance["sql"] as Sql;
      const { sql: recording, statements } = recordingSql(sql);
      const store = new SubscriberStore(recording);
      const all = store.list();
      expect(all).toHaveLength(60);
      statements.length = 0;

      const many = all.slice(0, 40).map(progressed);
      store.saveProgress(...many);
      expect(statements).toHaveLength(1);
      // Each subscriber is found by its key: no more than a couple of rows read per row written.
      expect(statements[0]!.rowsRead).toBeGreaterThanOrEqual(40);
      expect(statements[0]!.rowsRead).toBeLessThanOrEqual(3 * 40);

      const oneByOne = all.slice(40).map((s, i) => progressed(s, 40 + i));
      for (const s of oneByOne) store.saveProgress(s);
      expect(statements).toHaveLength(1 + 20);

      const reread = new SubscriberStore(sql);
      for (const s of [...many, ...oneByOne]) expect(reread.get(s.id), s.id).toEqual(s);
      expect(store.list()).toEqual(reread.list());
    });
  });

  it("leaves a subscriber deleted meanwhile deleted, in storage and in memory", async () => {
    const { workspaceId } = await createWorkspace();
    const [kept, deleted] = await createSubscribers(workspaceId, 2, false);
    await runInDurableObject(workspaceStub(workspaceId), (instance: WorkspaceDurableObject) => {
      const store = instance["subscribers"] as SubscriberStore;
      const before = store.list().map(progressed);
      store.delete(deleted!);
      store.saveProgress(...before);
      expect(store.list().map((s) => s.id)).toEqual([kept]);
      expect(new SubscriberStore(instance["sql"] as Sql).list()).toEqual([before[0]]);
    });
  });

  it("a fan-out leaves every subscriber's batch in storage as in memory", async () => {
    const { workspaceId, ingressSecret } = await createWorkspace();
    const ids = await createSubscribers(workspaceId, 25, true);
    const [result] = (await ingest(workspaceId, ingressSecret, [makeEvent()])).results;
    await runInDurableObject(workspaceStub(workspaceId), (instance: WorkspaceDurableObject) => {
      const inMemory = (instance["subscribers"] as SubscriberStore).list();
      // The receivers cannot be reached: every batch is still in flight, sending or waiting to retry.
      expect(inMemory.map((s) => [s.id, s.inFlight?.fromVersion])).toEqual(ids.map((id) => [id, result!.version]));
      expect(new SubscriberStore(instance["sql"] as Sql).list()).toEqual(inMemory);
    });
  });
});
