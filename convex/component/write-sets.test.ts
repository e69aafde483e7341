import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { plan } from "./inbox";
import { enqueue } from "./outbox";
import { setupComponentApp } from "../testing/component-app";
import { conflicts, describeRecording, newRecording, recordingDb, type Recording } from "../testing/recording-db";

/**
 * Convex runs mutations optimistically: two that overlap conflict, and one is retried, when
 * one writes a document the other read or lands in an index range the other read. A document
 * that every synced write read and wrote would serialise all synced writes of a deployment.
 * These tests run the component's own handlers with a recording `ctx.db` and check that
 * synced writes (and inbound batches) for different entities leave each other alone.
 */

// Scheduled dispatch runs stay queued: the dispatcher stays "scheduled", as under load.
beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }));
afterEach(() => vi.useRealTimers());

type Handler = (ctx: unknown, args: unknown) => Promise<unknown>;
const enqueueHandler = (enqueue as unknown as { _handler: Handler })._handler;
const planHandler = (plan as unknown as { _handler: Handler })._handler;

const user = (localId: string, version: number) => ({
  entityName: "User",
  localId,
  document: { email: `${localId}@example.com`, name: localId, version, updatedAt: version },
});

const setup = setupComponentApp;

type App = Awaited<ReturnType<typeof setup>>;

/** Runs one component handler in its own transaction with a recording `ctx.db`. */
async function record(t: App, handler: Handler, args: unknown): Promise<Recording> {
  const recording = newRecording();
  await t.run(async (ctx) => {
    await handler({ ...ctx, db: recordingDb(ctx.db as never, recording) }, args);
  });
  return recording;
}

const inboundEvent = (entityId: string, eventType: "create" | "delete") => ({
  id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
  entityKind: "User",
  entityId,
  eventType,
  payload: {
    table: "users",
    data: eventType === "delete" ? null : { email: `${entityId}@example.com`, version: 1, updatedAt: 1 },
    version: 1,
    updatedAt: 1,
  },
  lamport: 1,
  source: { origin: "app-b" },
  emittedAt: 1,
  schemaVersion: 1,
  version: 7,
});

describe("read and write sets of synced writes", () => {
  test("synced creates, updates and deletes of different entities, and inbound batches, share no document", async () => {
    const t = await setup();
    // Steady state: earlier writes exist and the dispatcher is already scheduled.
    for (const localId of ["users|1", "users|2", "users|3"]) {
      await t.mutation(api.outbox.enqueue, { ...user(localId, 1), operation: "create" });
    }
    const writes: Record<string, Recording> = {
      "create users|10": await record(t, enqueueHandler, { ...user("users|10", 1), operation: "create" }),
      "create users|11": await record(t, enqueueHandler, { ...user("users|11", 1), operation: "create" }),
      "update users|1": await record(t, enqueueHandler, { ...user("users|1", 2), operation: "update" }),
      "update users|2": await record(t, enqueueHandler, { ...user("users|2", 2), operation: "update" }),
      "delete users|3": await record(t, enqueueHandler, { entityName: "User", localId: "users|3", operation: "delete", document: null }),
      "inbound create app-b:7": await record(t, planHandler, { eventsJson: JSON.stringify([inboundEvent("app-b:7", "create")]) }),
      "inbound delete app-b:8": await record(t, planHandler, { eventsJson: JSON.stringify([inboundEvent("app-b:8", "delete")]) }),
    };
    const names = Object.keys(writes);
    for (const [i, a] of names.entries()) {
      for (const b of names.slice(i + 1)) {
        expect({ pair: [a, b], conflicts: conflicts(writes[a]!, writes[b]!) }).toEqual({ pair: [a, b], conflicts: [] });
      }
    }

    // The sets the README documents (convex/README.md, "Read and write sets").
    expect(describeRecording(writes["create users|10"]!)).toEqual({
      reads: [
        "entities.by_name(name)",
        "settings.by_creation_time()",
        "idMap.by_local(entityName, localId)",
        "connections.by_creation_time()",
        "dispatchers.by_connection(connectionId)",
      ],
      writes: ["insert idMap", "insert outbox", "insert envelopes", "insert deliveries"],
    });
    expect(describeRecording(writes["update users|1"]!)).toEqual({
      reads: describeRecording(writes["create users|10"]!).reads,
      writes: ["patch idMap", "insert outbox", "insert envelopes", "insert deliveries"],
    });
    expect(describeRecording(writes["delete users|3"]!)).toEqual({
      reads: [...describeRecording(writes["create users|10"]!).reads.slice(0, 3), "tombstones.by_entity(entityName, entityId)", ...describeRecording(writes["create users|10"]!).reads.slice(3)],
      writes: ["delete idMap", "insert tombstones", "insert outbox", "insert envelopes", "insert deliveries"],
    });
  });

  test("the recorder sees a conflict where there is one: two writes to the same entity", async () => {
    const t = await setup();
    await t.mutation(api.outbox.enqueue, { ...user("users|1", 1), operation: "create" });
    const first = await record(t, enqueueHandler, { ...user("users|1", 2), operation: "update" });
    const second = await record(t, enqueueHandler, { ...user("users|1", 3), operation: "update" });
    expect(conflicts(first, second)).toContainEqual(expect.stringMatching(/^both write /));
  });

  test("only a write that finds the dispatcher idle writes it, to schedule the run: one conflict per idle period", async () => {
    const t = await setup();
    const wakes = await record(t, enqueueHandler, { ...user("users|1", 1), operation: "create" });
    const next = await record(t, enqueueHandler, { ...user("users|2", 1), operation: "create" });
    expect(describeRecording(wakes).writes).toContain("replace dispatchers");
    expect(describeRecording(next).writes).not.toContain("replace dispatchers");
    // Two writes racing an idle dispatcher conflict once; the retried one finds it scheduled
    // and leaves it alone, as every write does until the dispatcher drains and goes idle.
    expect(conflicts(wakes, next)).toContainEqual(expect.stringMatching(/writes dispatchers/));
  });
});
