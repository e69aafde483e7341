/**
 * The workspace stats over a Durable Object's real SQLite: changes are held until the
 * transaction's owner flushes them, then written as one statement per minute; changes taken
 * back with an undone outcome leave no trace, in storage or in memory.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createSql } from "../../durable-objects/sql";
import { WorkspaceStatsLog } from "../../durable-objects/stats/workspace-stats";
import type { StatsBucket } from "../../src/contract/stats";
import { createWorkspace, workspaceStub } from "./helpers";

const MINUTE_MS = 60_000;

type Probe = {
  /** Statements that wrote a minute's row since the last call. */
  minuteWrites(): number;
  /** The 1 h window's bucket of the minute holding `at`. */
  bucketAt(at: number): StatsBucket;
};

/** Runs `work` with a fresh WorkspaceStatsLog over the workspace object's SQLite. */
async function withStats(work: (stats: WorkspaceStatsLog, probe: Probe) => void): Promise<void> {
  const { workspaceId } = await createWorkspace();
  await runInDurableObject(workspaceStub(workspaceId), (_instance, state) => {
    let writes = 0;
    const counting = {
      exec: (query: string, ...bindings: unknown[]) => {
        const cursor = state.storage.sql.exec(query, ...bindings);
        if (/^\s*INSERT[^]*stats_minutes/i.test(query)) writes++;
        return cursor;
      },
    } as unknown as SqlStorage;
    const stats = new WorkspaceStatsLog(createSql(counting));
    // A second log over the same table reads only what was written: what a restarted object sees.
    const reader = new WorkspaceStatsLog(createSql(state.storage.sql));
    work(stats, {
      minuteWrites: () => {
        const counted = writes;
        writes = 0;
        return counted;
      },
      bucketAt: (at) => reader.report("1h", at).buckets.at(-1)!,
    });
  });
}

describe("the workspace stats", () => {
  it("holds its changes until flushed, then writes the minute once", async () => {
    await withStats((stats, probe) => {
      const now = Date.now();
      stats.ingested(now, { appended: 5, duplicates: 1 });
      stats.acknowledged("s1", [1, 2, 3].map((version) => ({ version, receivedAt: now - 10 })), now, { cursor: 0 });
      stats.failedAttempt(now);
      stats.failedAttempt(now);
      stats.deadLettered(now, 2);
      expect(probe.minuteWrites()).toBe(0);
      expect(probe.bucketAt(now)).toMatchObject({ ingested: 0, delivered: 0 });

      stats.flush();
      expect(probe.minuteWrites()).toBe(1);
      expect(probe.bucketAt(now)).toMatchObject({
        ingested: 5,
        duplicates: 1,
        delivered: 3,
        failedAttempts: 2,
        deadLettered: 2,
        deliveryP50Ms: expect.closeTo(10, 0),
      });
      // Nothing held: a flush writes nothing.
      stats.flush();
      expect(probe.minuteWrites()).toBe(0);
    });
  });

  it("writes changes held across a minute's turn to their own minutes", async () => {
    await withStats((stats, probe) => {
      const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
      stats.ingested(minute - 1, { appended: 1, duplicates: 0 });
      stats.ingested(minute, { appended: 2, duplicates: 0 });
      stats.flush();
      expect(probe.bucketAt(minute - 1).ingested).toBe(1);
      expect(probe.bucketAt(minute).ingested).toBe(2);
    });
  });

  it("forgets the changes taken back with an undone outcome, and counts them when it comes again", async () => {
    await withStats((stats, probe) => {
      const now = Date.now();
      const events = [1, 2, 3].map((version) => ({ version, receivedAt: now - 5 }));
      stats.ingested(now, { appended: 3, duplicates: 0 });
      const mark = stats.mark();
      stats.acknowledged("s1", events, now, { cursor: 0 });
      stats.failedAttempt(now);
      stats.rollBackTo(mark);
      stats.flush();
      expect(probe.bucketAt(now)).toMatchObject({ ingested: 3, delivered: 0, failedAttempts: 0 });

      // The acknowledgement was undone, so the same events acknowledged again are first ones.
      stats.acknowledged("s1", events, now, { cursor: 0 });
      stats.flush();
      expect(probe.bucketAt(now)).toMatchObject({ ingested: 3, delivered: 3 });

      // Acknowledged and kept, the same events sent again are a replay: not counted twice.
      stats.acknowledged("s1", events, now, { cursor: 0 });
      stats.flush();
      expect(probe.bucketAt(now).delivered).toBe(3);
    });
  });
});
