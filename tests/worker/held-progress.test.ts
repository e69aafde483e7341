/**
 * Subscriber progress saved while outcomes are applied (HeldProgress through the
 * OutcomeBatcher, over a workspace Durable Object's real SQLite and subscriber store): held in
 * memory and written once at the end of the transaction, each subscriber's latest state; taken
 * back with an outcome whose savepoint is undone; written at once outside a transaction; and a
 * write that fails undoes the whole transaction and fails every outcome of it.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { HeldProgress } from "../../durable-objects/delivery/held-progress";
import { OutcomeBatcher } from "../../durable-objects/delivery/outcome-batcher";
import type { Subscriber, SubscriberStore } from "../../durable-objects/delivery/subscriber-store";
import type { WorkspaceDurableObject } from "../../durable-objects/workspace-do";
import { createWorkspace, expectStatus, relayFetch, workspacePath, workspaceStub } from "./helpers";

type Harness = {
  store: SubscriberStore;
  progress: HeldProgress;
  batcher: OutcomeBatcher;
  /** The subscriber as stored in SQLite (not the store's in-memory copy). */
  storedCursor: (id: string) => number;
  exec: (query: string) => void;
  subscriber: (id: string) => Subscriber;
};

async function inWorkspace(test: (h: Harness) => Promise<void>): Promise<void> {
  const { workspaceId } = await createWorkspace();
  for (const id of ["s1", "s2"]) {
    // Paused: nothing of the relay's own moves these subscribers during the test.
    const res = await relayFetch(`${workspacePath(workspaceId)}/subscribers/${id}`, {
      method: "PUT",
      body: { kind: "webhook", url: "http://127.0.0.1:9/never" },
    });
    await expectStatus(res, 201);
    await expectStatus(await relayFetch(`${workspacePath(workspaceId)}/subscribers/${id}/pause`, { method: "POST" }), 200);
  }
  await runInDurableObject(workspaceStub(workspaceId), async (instance: WorkspaceDurableObject, state) => {
    const store = instance["subscribers"] as SubscriberStore;
    const progress = new HeldProgress(store);
    await test({
      store,
      progress,
      batcher: new OutcomeBatcher(state.storage, 10_000, progress),
      storedCursor: (id) => state.storage.sql.exec<{ cursor: number }>("SELECT cursor FROM subscribers WHERE id = ?", id).one().cursor,
      exec: (query) => void state.storage.sql.exec(query),
      subscriber: (id) => store.get(id)!,
    });
  });
}

/**
 * Two attempts out, coming back one after the other: `first` is applied when the first comes
 * back (held, the other is still out), `second` when the second does, and both are then
 * applied in one transaction.
 */
async function twoOutcomes<A, B>(
  batcher: OutcomeBatcher,
  first: () => A,
  second: () => B,
): Promise<[PromiseSettledResult<A>, PromiseSettledResult<B>]> {
  const returns: (() => void)[] = [];
  const tracked = [0, 1].map(() => batcher.track(new Promise<void>((resolve) => returns.push(resolve))));
  returns[0]!();
  await tracked[0];
  const a = batcher.apply(first);
  returns[1]!();
  await tracked[1];
  const b = batcher.apply(second);
  return Promise.all([Promise.allSettled([a]), Promise.allSettled([b])]).then(([[x], [y]]) => [x!, y!]);
}

/** Two outcomes of one transaction: the first moves s1 to cursor 2, the second s2 to 6 and then runs `then`. */
const s1AndS2 = (h: Harness, then: () => void) =>
  twoOutcomes(
    h.batcher,
    () => h.progress.save([{ ...h.subscriber("s1"), cursor: 2 }]),
    () => {
      h.progress.save([{ ...h.subscriber("s2"), cursor: 6 }]);
      then();
    },
  );

describe("subscriber progress held while outcomes are applied", () => {
  it("is written at once outside an outcome transaction", async () => {
    await inWorkspace(async (h) => {
      h.progress.save([{ ...h.subscriber("s1"), cursor: 5 }]);
      expect(h.storedCursor("s1")).toBe(5);
    });
  });

  it("is held in memory during the transaction, then each subscriber's latest state is written", async () => {
    await inWorkspace(async (h) => {
      // One outcome alone: applied at once, in its own transaction.
      const applied = await h.batcher.apply(() => {
        h.progress.save([{ ...h.subscriber("s1"), cursor: 3 }]);
        h.progress.save([{ ...h.subscriber("s1"), cursor: 4 }, { ...h.subscriber("s2"), cursor: 9 }]);
        // The rest of the transaction reads the new state; the rows are not written yet.
        return [h.subscriber("s1").cursor, h.subscriber("s2").cursor, h.storedCursor("s1"), h.storedCursor("s2")];
      });
      expect(applied).toEqual([4, 9, 0, 0]);
      expect([h.storedCursor("s1"), h.storedCursor("s2")]).toEqual([4, 9]);
      // Holding ended with the transaction: the next save is written at once.
      h.progress.save([{ ...h.subscriber("s2"), cursor: 10 }]);
      expect(h.storedCursor("s2")).toBe(10);
    });
  });

  it("is taken back with an outcome whose savepoint is undone, and stops being held", async () => {
    await inWorkspace(async (h) => {
      const failed = h.batcher.apply(() => {
        h.progress.save([{ ...h.subscriber("s1"), cursor: 7 }]);
        throw new Error("outcome failed");
      });
      await expect(failed).rejects.toThrow("outcome failed");
      expect(h.subscriber("s1").cursor).toBe(0);
      expect(h.storedCursor("s1")).toBe(0);
      h.progress.save([{ ...h.subscriber("s1"), cursor: 8 }]);
      expect(h.storedCursor("s1")).toBe(8);
    });
  });

  it("keeps the saves of the other outcomes of a transaction when one is undone", async () => {
    await inWorkspace(async (h) => {
      const [first, second] = await s1AndS2(h, () => {
        throw new Error("second failed");
      });
      expect(first.status).toBe("fulfilled");
      expect(second.status).toBe("rejected");
      expect([h.subscriber("s1").cursor, h.subscriber("s2").cursor]).toEqual([2, 0]);
      expect([h.storedCursor("s1"), h.storedCursor("s2")]).toEqual([2, 0]);
    });
  });

  it("undoes the whole transaction, memory included, when the held write fails", async () => {
    await inWorkspace(async (h) => {
      // The held write at the end of the transaction will have no table to write to.
      const [first, second] = await s1AndS2(h, () => h.exec("ALTER TABLE subscribers RENAME TO subscribers_moved"));
      expect([first.status, second.status]).toEqual(["rejected", "rejected"]);
      // The rename was undone with the rest.
      expect([h.storedCursor("s1"), h.storedCursor("s2")]).toEqual([0, 0]);
      expect([h.subscriber("s1").cursor, h.subscriber("s2").cursor]).toEqual([0, 0]);
      h.progress.save([{ ...h.subscriber("s1"), cursor: 1 }]);
      expect(h.storedCursor("s1")).toBe(1);
    });
  });
});
