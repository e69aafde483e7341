/**
 * The OutcomeBatcher over a workspace Durable Object's real SQLite: outcomes that come back
 * while other attempts are out wait and share one commit; a lone outcome is applied at once;
 * a held outcome is never held past the hold time; a failing outcome undoes only itself;
 * deferred writes are made once per commit, without those of an outcome that failed.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DeferredWrites } from "../../durable-objects/deferred-writes";
import { OutcomeBatcher } from "../../durable-objects/delivery/outcome-batcher";
import { createWorkspace, sleep, workspaceStub } from "./helpers";

/** A promise settled from outside: an attempt that comes back when the test says so. */
function attemptOut() {
  let comeBack!: () => void;
  const returned = new Promise<void>((resolve) => (comeBack = resolve));
  return { returned, comeBack };
}

/**
 * `count` attempts out at once that come back one after another; as each comes back, its
 * outcome `outcome(i)` is given to the batcher, then `afterApply(i)` looks at the state.
 */
async function attemptsComingBack<T>(
  batcher: OutcomeBatcher,
  count: number,
  outcome: (i: number) => T,
  afterApply: (i: number) => void = () => undefined,
): Promise<Promise<T>[]> {
  const attempts = Array.from({ length: count }, attemptOut);
  const tracked = attempts.map((a) => batcher.track(a.returned));
  const applied: Promise<T>[] = [];
  for (const [i, attempt] of attempts.entries()) {
    attempt.comeBack();
    await tracked[i];
    applied.push(batcher.apply(() => outcome(i)));
    afterApply(i);
  }
  return applied;
}

/**
 * Deferred writes as the stats make them: changes held in memory, written as one row per
 * flush (its key lists the changes it carries).
 */
type Deferred = DeferredWrites & { hold: (change: string) => void };

type Harness = {
  batcher: (maxHoldMs: number, deferred?: Deferred) => OutcomeBatcher;
  deferred: () => Deferred;
  /** A write an outcome makes. */
  write: (key: string) => void;
  written: () => string[];
  /** Top-level transactions (commits) so far. */
  commits: () => number;
};

async function inDurableObject(test: (h: Harness) => Promise<void>): Promise<void> {
  const { workspaceId } = await createWorkspace();
  await runInDurableObject(workspaceStub(workspaceId), async (_instance, state) => {
    state.storage.sql.exec("CREATE TABLE outcome_test (key TEXT PRIMARY KEY)");
    const write = (key: string) => void state.storage.sql.exec("INSERT INTO outcome_test (key) VALUES (?)", key);
    const deferred = (): Deferred => {
      let held: string[] = [];
      return {
        hold: (change) => void held.push(change),
        mark: () => held.length,
        rollBackTo: (mark) => void (held.length = mark),
        flush: () => {
          if (held.length > 0) write(`flush:${held.join("+")}`);
          held = [];
        },
      };
    };
    let depth = 0;
    let commits = 0;
    const storage = {
      transactionSync<T>(closure: () => T): T {
        if (depth === 0) commits++;
        depth++;
        try {
          return state.storage.transactionSync(closure);
        } finally {
          depth--;
        }
      },
    };
    await test({
      batcher: (maxHoldMs, writes = deferred()) => new OutcomeBatcher(storage, maxHoldMs, writes),
      deferred,
      write,
      written: () =>
        state.storage.sql
          .exec<{ key: string }>("SELECT key FROM outcome_test ORDER BY key")
          .toArray()
          .map((r) => r.key),
      commits: () => commits,
    });
  });
}

describe("the outcome batcher", () => {
  it("applies an outcome at once when no other attempt is out", async () => {
    await inDurableObject(async (h) => {
      const batcher = h.batcher(10_000);
      const attempt = attemptOut();
      const tracked = batcher.track(attempt.returned);
      attempt.comeBack();
      await tracked;
      const applied = batcher.apply(() => {
        h.write("a");
        return "result of a";
      });
      // Applied before the caller even awaits: nothing was held back.
      expect(h.written()).toEqual(["a"]);
      await expect(applied).resolves.toBe("result of a");
      expect(h.commits()).toBe(1);
    });
  });

  it("holds outcomes while attempts are out, then applies them all in one commit", async () => {
    await inDurableObject(async (h) => {
      const applied = await attemptsComingBack(
        h.batcher(10_000),
        3,
        (i) => {
          h.write(`o${i}`);
          return `o${i}`;
        },
        // Until the last attempt is back, the outcomes wait in memory.
        (i) => expect(h.written()).toEqual(i < 2 ? [] : ["o0", "o1", "o2"]),
      );
      await expect(Promise.all(applied)).resolves.toEqual(["o0", "o1", "o2"]);
      expect(h.commits()).toBe(1);
    });
  });

  it("applies a held outcome after the hold time when another attempt stays out", async () => {
    await inDurableObject(async (h) => {
      const batcher = h.batcher(20);
      void batcher.track(new Promise<never>(() => undefined)); // a receiver that never answers
      const attempt = attemptOut();
      const tracked = batcher.track(attempt.returned);
      attempt.comeBack();
      await tracked;
      const applied = batcher.apply(() => h.write("held"));
      expect(h.written()).toEqual([]);
      await sleep(200);
      expect(h.written()).toEqual(["held"]);
      await expect(applied).resolves.toBeUndefined();
    });
  });

  it("undoes the writes of a lone outcome that fails, and reports its error to its caller", async () => {
    await inDurableObject(async (h) => {
      const batcher = h.batcher(10_000);
      const failed = batcher.apply(() => {
        h.write("half");
        throw new Error("the outcome could not be applied");
      });
      await expect(failed).rejects.toThrow("the outcome could not be applied");
      await batcher.apply(() => h.write("next"));
      expect(h.written()).toEqual(["next"]);
    });
  });

  it("undoes only the writes of an outcome that fails, and reports its error to its caller", async () => {
    await inDurableObject(async (h) => {
      const batcher = h.batcher(10_000);
      const first = attemptOut();
      const last = attemptOut();
      const trackedFirst = batcher.track(first.returned);
      const trackedLast = batcher.track(last.returned);
      first.comeBack();
      await trackedFirst;
      const good = batcher.apply(() => h.write("good"));
      const bad = batcher.apply(() => {
        h.write("bad");
        throw new Error("the outcome could not be applied");
      });
      last.comeBack();
      await trackedLast;
      const after = batcher.apply(() => h.write("after"));
      await expect(bad).rejects.toThrow("the outcome could not be applied");
      await expect(Promise.all([good, after])).resolves.toBeDefined();
      expect(h.written()).toEqual(["after", "good"]);
      expect(h.commits()).toBe(1);
    });
  });

  it("makes the deferred writes of a batch once, in its commit, without those of an outcome that failed", async () => {
    await inDurableObject(async (h) => {
      const deferred = h.deferred();
      const applied = await attemptsComingBack(h.batcher(10_000, deferred), 3, (i) => {
        h.write(`o${i}`);
        deferred.hold(`c${i}`);
        if (i === 1) throw new Error("the outcome could not be applied");
      });
      const settled = await Promise.allSettled(applied);
      expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      // One row for the whole batch, carrying the changes of the outcomes that were applied.
      expect(h.written()).toEqual(["flush:c0+c2", "o0", "o2"]);
      expect(h.commits()).toBe(1);
    });
  });

  it("takes back the deferred changes of a lone outcome that fails", async () => {
    await inDurableObject(async (h) => {
      const deferred = h.deferred();
      const batcher = h.batcher(10_000, deferred);
      await expect(
        batcher.apply(() => {
          deferred.hold("lost");
          throw new Error("the outcome could not be applied");
        }),
      ).rejects.toThrow("the outcome could not be applied");
      await batcher.apply(() => deferred.hold("kept"));
      expect(h.written()).toEqual(["flush:kept"]);
    });
  });
});
