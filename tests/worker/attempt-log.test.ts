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

/** One attempt written at once: held, then flushed, as a commit of a single outcome does. */
function recordNow(log: AttemptLog, a: AttemptRecord, now: number): void {
  log.hold(a, now);
  log.flush();
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
      for (let n = 1; n <= max; n++) recordNow(log, attempt("other", n), old);
      for (let n = 1; n <= max; n++) recordNow(log, attempt("full", n), old);
      const atLimit = probe.count("full");
      probe.rowsRead();
      // Attempt 10,001 is the one that drops the oldest; its reads must not depend on the table.
      recordNow(log, attempt("full", max + 1), old);
      const readsWhenFull = probe.rowsRead();
      for (let n = max + 2; n <= max + 250; n++) recordNow(log, attempt("full", n), old);
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
      for (let n = 1; n <= 3000; n++) recordNow(log, attempt("aging", n), eightDaysAgo);
      const beforeAging = probe.count("aging");
      // 100 recent attempts: the age prune runs, and keeps the newest 1,000 whatever their age.
      for (let n = 3001; n <= 3100; n++) recordNow(log, attempt("aging", n), now);
      const afterAging = { count: probe.count("aging"), range: probe.range("aging") };
      // 2,000 more recent ones: all of the last 7 days are kept, even beyond 1,000.
      for (let n = 3101; n <= 5100; n++) recordNow(log, attempt("aging", n), now);
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

describe("attempts held until their outcomes' commit", () => {
  it("writes a commit's attempts together, numbered after each subscriber's newest, without those rolled back", async () => {
    const workspaceId = await workspaceWithSubscribers(["a", "b", "c"]);
    const max = ATTEMPT_LOG_BOUNDS.keepAtMost;
    const result = await withLog(workspaceId, (log, probe) => {
      for (let n = 1; n <= 5; n++) recordNow(log, attempt("a", n), Date.now());
      for (let n = 1; n <= max - 1; n++) recordNow(log, attempt("c", n), Date.now());
      probe.rowsRead();
      // One commit's outcomes: three of a, one of b, two of c (which passes the bound), and one
      // of b whose outcome's savepoint was undone.
      log.hold(attempt("a", 6), Date.now());
      log.hold(attempt("b", 1), Date.now());
      log.hold(attempt("a", 7), Date.now());
      log.hold(attempt("c", max), Date.now());
      const undone = log.mark();
      log.hold(attempt("b", 99), Date.now());
      log.rollBackTo(undone);
      log.hold(attempt("a", 8), Date.now());
      log.hold(attempt("c", max + 1), Date.now());
      const beforeFlush = { a: probe.count("a"), b: probe.count("b") };
      log.flush();
      return {
        beforeFlush,
        reads: probe.rowsRead(),
        a: probe.range("a"),
        b: probe.range("b"),
        c: { count: probe.count("c"), range: probe.range("c") },
      };
    });
    expect(result.beforeFlush).toEqual({ a: 5, b: 0 });
    expect(result.a).toEqual({ min: 1, max: 8 });
    expect(result.b).toEqual({ min: 1, max: 1 });
    expect(result.c).toEqual({ count: max, range: { min: 2, max: max + 1 } });
    // Seven rows in, one out, a seek per row: nothing proportional to the table.
    expect(result.reads).toBeLessThan(40);

    const a = await page(workspaceId, "a", "limit=4");
    expect(a.attempts.map((x) => [x.id, x.webhookId])).toEqual([
      ["att_8", "msg_8"],
      ["att_7", "msg_7"],
      ["att_6", "msg_6"],
      ["att_5", "msg_5"],
    ]);
    const b = await page(workspaceId, "b", "limit=10");
    expect(b.attempts.map((x) => x.webhookId)).toEqual(["msg_1"]);
  }, 120_000);

  it("numbers a commit's attempts without a gap or a repeat when they take several inserts", async () => {
    const workspaceId = await workspaceWithSubscribers(["x", "y"]);
    const result = await withLog(workspaceId, (log, probe) => {
      recordNow(log, attempt("x", 1), Date.now());
      // 1,300 attempts in one commit, interleaved: more than one insert carries them.
      for (let n = 2; n <= 651; n++) {
        log.hold(attempt("x", n), Date.now());
        log.hold(attempt("y", n - 1), Date.now());
      }
      log.flush();
      return { x: { count: probe.count("x"), range: probe.range("x") }, y: { count: probe.count("y"), range: probe.range("y") } };
    });
    expect(result.x).toEqual({ count: 651, range: { min: 1, max: 651 } });
    expect(result.y).toEqual({ count: 650, range: { min: 1, max: 650 } });
    // Each seq holds the attempt recorded in that place.
    const newest = await page(workspaceId, "y", "limit=2");
    expect(newest.attempts.map((a) => [a.id, a.webhookId])).toEqual([
      ["att_650", "msg_650"],
      ["att_649", "msg_649"],
    ]);
  }, 120_000);

  it("prunes by age when a commit's attempts pass a multiple of the prune interval", async () => {
    const workspaceId = await workspaceWithSubscribers(["aging"]);
    const now = Date.now();
    const result = await withLog(workspaceId, (log, probe) => {
      for (let n = 1; n <= 1_098; n++) recordNow(log, attempt("aging", n), now - 8 * DAY_MS);
      const before = probe.count("aging");
      // 1,099 to 1,101 in one commit: 1,100 is a multiple of 100, though no single write ends on it.
      for (let n = 1_099; n <= 1_101; n++) log.hold(attempt("aging", n), now);
      log.flush();
      return { before, after: probe.range("aging") };
    });
    expect(result.before).toBe(1_098);
    // Everything older than 7 days beyond the newest 1,000 is gone.
    expect(result.after).toEqual({ min: 102, max: 1_101 });
  }, 120_000);
});
