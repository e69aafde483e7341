import fc from "fast-check";
import { expect, test } from "vitest";
import { compareStamps } from "../shared/lww";
import type { ExampleApp } from "../testing/example-app";
import { deliver, setupApp, userEvent, usersByEmail } from "../testing/fixtures";

type Write = {
  id: string;
  entityId: string;
  eventType: "create" | "update" | "delete";
  name: string;
  version: number;
  updatedAt: number;
  origin: string;
};

const writeArb = fc.record({
  entityId: fc.constantFrom("e1", "e2", "e3"),
  eventType: fc.constantFrom("create", "update", "update", "delete") as fc.Arbitrary<Write["eventType"]>,
  name: fc.string({ maxLength: 8 }),
  version: fc.integer({ min: 1, max: 4 }),
  updatedAt: fc.integer({ min: 1, max: 3 }),
  origin: fc.constantFrom("peer-a", "peer-b", "peer-c"),
});

/** Distinct writes: one deployment never stamps two different writes of an entity alike. */
const writesArb = fc.array(writeArb, { minLength: 1, maxLength: 12 }).map((writes) => {
  const seen = new Set<string>();
  return writes
    .filter((w) => {
      const stamp = JSON.stringify([w.entityId, w.version, w.updatedAt, w.origin]);
      return !seen.has(stamp) && seen.add(stamp);
    })
    .map((w, i) => ({ ...w, id: `evt_${i}` }));
});

/** One arrival order, cut into batches, with one batch redelivered at the end. */
const arrivalArb = (writes: Write[]) =>
  fc.record({
    order: fc.shuffledSubarray(writes, { minLength: writes.length, maxLength: writes.length }),
    batchSizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: writes.length, maxLength: writes.length }),
    redeliver: fc.boolean(),
  });

/** What every receiver must end with: deleted if any delete, else the highest stamp's write. */
function expectedState(writes: Write[]) {
  const state: Record<string, { name: string; version: number; updatedAt: number }> = {};
  for (const entityId of new Set(writes.map((w) => w.entityId))) {
    const own = writes.filter((w) => w.entityId === entityId);
    if (own.some((w) => w.eventType === "delete")) continue;
    const winner = own.reduce((a, b) => (compareStamps(a, b) >= 0 ? a : b));
    state[`${entityId}@example.com`] = { name: winner.name, version: winner.version, updatedAt: winner.updatedAt };
  }
  return state;
}

async function receive(arrival: { order: Write[]; batchSizes: number[]; redeliver: boolean }): Promise<ExampleApp> {
  const t = await setupApp();
  const events = arrival.order.map((w) => userEvent(w));
  const batches = [];
  for (let i = 0, b = 0; i < events.length; b++) {
    const size = arrival.batchSizes[b] ?? 1;
    batches.push(events.slice(i, i + size));
    i += size;
  }
  if (arrival.redeliver) batches.push(batches[0]!);
  for (const batch of batches) {
    const { status } = await deliver(t, batch);
    expect(status).toBe(200);
  }
  return t;
}

test("receivers converge on the same state whatever order, batching and redelivery the events arrive in", async () => {
  await fc.assert(
    fc.asyncProperty(
      writesArb.chain((writes) => fc.tuple(fc.constant(writes), arrivalArb(writes), arrivalArb(writes))),
      async ([writes, first, second]) => {
        const a = await receive(first);
        const b = await receive(second);
        const stateA = await usersByEmail(a);
        expect(stateA).toEqual(await usersByEmail(b));
        expect(stateA).toEqual(expectedState(writes));
      },
    ),
    { numRuns: 60 },
  );
});
