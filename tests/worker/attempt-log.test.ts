/**
 * The attempt log's storage bounds (contract §8): per subscriber, at least the newest 1,000
 * attempts or 7 days of them, whichever is more, never more than 10,000; pruned by key
 * ranges, so the work of a prune follows the rows it deletes, not the size of the table.
 * Attempts are recorded with chosen times by the log module itself, inside the workspace's
 * real Durable Object, and read back through the HTTP API.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DeliveryAttemptPage } from "../../src/contract/attempts";
import { ATTEMPT_LOG_BOUNDS, AttemptLog, type AttemptRecord } from "../../durable-objects/attempts/attempt-log";
import { createSql } from "../../durable-objects/sql";
import { createWorkspace, expectStatus, json, relayFetch, workspacePath, workspaceStub } from "./helpers";

const DAY_MS = 86_400_000;

const attempt = (subscriberId: string, n: number): AttemptRecord => ({
  subscriberId,
  webhookId: `msg_${n}`,
  fromVersion: n,
  toVersion: n,
  eventCount: 1,
  attempt: 1,
  trigger: "fast-path",
  startedAt: n,
  durationMs: 1,
  outcome: "success",
  status: 200,
  responseBody: "ok",
  error: null,
});

/** A workspace with subscribers that never receive anything (no events are ingested). */
async function workspaceWithSubscribers(ids: string[]): Promise<string> {
  const { workspaceId } = await createWorkspace();
  for (const id of ids) {
    const res = await relayFetch(`${workspacePath(workspaceId)}/subscribers/${id}`, {
      method: "PUT",
      body: { kind: "webhook", url: "http://127.0.0.1:9/never" },
    });
    await expectStatus(res, 201);
  }
  return workspaceId;
}

type LogProbe = { rowsRead(): number; count(subscriberId: string): number; range(subscriberId: string): { min: number; max: number } };

/**
 * Runs `work` with an AttemptLog over the Durable Object's SQLite, counting the rows its
 * statements read (`cursor.rowsRead`).
 */
async function withLog<T>(workspaceId: string, work: (log: AttemptLog, probe: LogProbe) => T): Promise<T> {
  return runInDurableObject(workspaceStub(workspaceId), (_instance, state) => {
    const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
    const counting = {
      exec: (query: string, ...bindings: unknown[]) => {
        const cursor = state.storage.sql.exec(query, ...bindings);
        cursors.push(cursor);
        return cursor;
      },
    } as unknown as SqlStorage;
    const probe: LogProbe = {
      rowsRead: () => cursors.splice(0).reduce((n, c) => n + c.rowsRead, 0),
      count: (id) => state.storage.sql.exec("SELECT count(*) AS n FROM delivery_attempts WHERE subscriber_id = ?", id).one().n as number,
      range: (id) =>
        state.storage.sql.exec("SELECT min(seq) AS min, max(seq) AS max FROM delivery_attempts WHERE subscriber_id = ?", id).one() as {
          min: number;
          max: number;
        },
    };
    return state.storage.transactionSync(() => work(new AttemptLog(createSql(counting)), probe));
  });
}

async function page(workspaceId: string, subscriberId: string, query: string) {
  const res = await relayFetch(`${workspacePath(workspaceId)}/subscribers/${subscriberId}/attempts?${query}`);
  await expectStatus(res, 200);
  return DeliveryAttemptPage.parse(await json(res));
}

describe("attempt log bounds", () => {
  it("never keeps more than 10,000 attempts per subscriber, deleting one row by key per attempt when full", async () => {
    const workspaceId = await workspaceWithSubscribers(["full", "other"]);
    const old = Date.now() - 30 * DAY_MS;
    const max = ATTEMPT_LOG_BOUNDS.keepAtMost;
    const probed = await withLog(workspaceId, (log, probe) => {
      for (let n = 1; n <= max; n++) log.record(attempt("other", n), old);
      for (let n = 1; n <= max; n++) log.record(attempt("full", n), old);
      const atLimit = probe.count("full");
      probe.rowsRead();
      // Attempt 10,001 is the one that drops the oldest; its reads must not depend on the table.
      log.record(attempt("full", max + 1), old);
      const readsWhenFull = probe.rowsRead();
      for (let n = max + 2; n <= max + 250; n++) log.record(attempt("full", n), old);
      return { atLimit, readsWhenFull, count: probe.count("full"), range: probe.range("full"), other: probe.count("other") };
    });
    expect(probed.atLimit).toBe(max);
    expect(probed.readsWhenFull).toBeLessThan(10);
    expect(probed.count).toBe(max);
    expect(probed.range).toEqual({ min: 251, max: max + 250 });
    expect(probed.other).toBe(max);

    // Pages walk the newest 10,000, newest first, and end where the log ends.
    const first = await page(workspaceId, "full", "limit=3");
    expect(first.attempts.map((a) => a.id)).toEqual([`att_${max + 250}`, `att_${max + 249}`, `att_${max + 248}`]);
    expect(first.attempts[0]).toMatchObject({ webhookId: `msg_${max + 250}`, trigger: "fast-path", outcome: "success" });
    const last = await page(workspaceId, "full", "limit=1000&before=att_1251");
    expect(last.attempts).toHaveLength(1000);
    expect(last.attempts.at(-1)!.id).toBe("att_251");
    expect(last.nextBefore).toBeNull();
  }, 120_000);

  it("drops attempts older than 7 days beyond the newest 1,000, and keeps every attempt of the last 7 days", async () => {
    const workspaceId = await workspaceWithSubscribers(["aging"]);
    const now = Date.now();
    const eightDaysAgo = now - 8 * DAY_MS;
    const result = await withLog(workspaceId, (log, probe) => {
      for (let n = 1; n <= 3000; n++) log.record(attempt("aging", n), eightDaysAgo);
      const beforeAging = probe.count("aging");
      // 100 recent attempts: the age prune runs, and keeps the newest 1,000 whatever their age.
      for (let n = 3001; n <= 3100; n++) log.record(attempt("aging", n), now);
      const afterAging = { count: probe.count("aging"), range: probe.range("aging") };
      // 2,000 more recent ones: all of the last 7 days are kept, even beyond 1,000.
      for (let n = 3101; n <= 5100; n++) log.record(attempt("aging", n), now);
      const recentOnly = { count: probe.count("aging"), range: probe.range("aging") };
      // A prune that deletes nothing reads next to nothing.
      probe.rowsRead();
      const deleted = log.pruneByAge("aging", now);
      return { beforeAging, afterAging, recentOnly, deleted, idleReads: probe.rowsRead() };
    });
    expect(result.beforeAging).toBe(3000);
    expect(result.afterAging).toEqual({ count: ATTEMPT_LOG_BOUNDS.keepAtLeast, range: { min: 2101, max: 3100 } });
    expect(result.recentOnly).toEqual({ count: 2100, range: { min: 3001, max: 5100 } });
    expect(result.deleted).toBe(0);
    expect(result.idleReads).toBeLessThan(10);
  }, 120_000);
});
