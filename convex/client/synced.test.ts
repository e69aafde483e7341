import { describe, expect, test } from "vitest";
import { api } from "../example/convex/_generated/api";
import { components } from "../example/convex/components";
import type { ExampleApp } from "../testing/example-app";
import { INGRESS_SECRET, ORIGIN, setupApp } from "../testing/fixtures";
import { startIngestRecorder } from "../testing/ingest-recorder";
import { waitFor } from "../testing/wait";
import { makeSyncedHandlers } from "./synced";

const { syncedCreate, syncedDelete } = makeSyncedHandlers(components.federation);

const insertUser = (email: string) =>
  syncedCreate("User", async (ctx, _args: {}) => await ctx.db.insert("users", { email, name: email, version: 1, updatedAt: 1 }));

async function nothingFederated(t: ExampleApp) {
  expect(await t.query(api.users.list, {})).toEqual([]);
  expect(await t.query(api.federation.listEvents, {})).toEqual([]);
  expect(await t.query(api.federation.getEventStats, {})).toMatchObject({ total: 0 });
  const connection = await t.query(api.federation.getConnection, { projectId: "relay" });
  expect(connection).toMatchObject({ phase: "idle", scheduledDispatches: 0, pendingEvents: 0 });
}

describe("atomicity of synced writes", () => {
  test.each([
    ["inside the handler, after its insert", async (ctx: any) => {
      await syncedCreate("User", async (ctx, _args: {}) => {
        await ctx.db.insert("users", { email: "x@example.com", name: "x", version: 1, updatedAt: 1 });
        throw new Error("boom");
      })(ctx, {});
    }],
    ["after the synced write returned, later in the same mutation", async (ctx: any) => {
      await insertUser("x@example.com")(ctx, {});
      throw new Error("boom");
    }],
  ])("a mutation that throws %s leaves no document, no event and no dispatch", async (_case, body) => {
    const relay = await startIngestRecorder(INGRESS_SECRET);
    try {
      const t = await setupApp({ relayUrl: relay.url });
      await expect(t.mutation(body)).rejects.toThrow("boom");
      await t.finishInProgressScheduledFunctions();
      await nothingFederated(t);

      // The next write is the first thing the relay ever hears about.
      await t.mutation(api.users.createUser, { email: "ok@example.com", name: "ok" });
      await waitFor(() => relay.log.length === 1, { what: "the event" });
      const [event] = await t.query(api.federation.listEvents, {});
      expect(relay.requests.flatMap((r) => r.eventIds)).toEqual([event!.eventId]);
      expect(event!.lamport).toBe(1);
      await waitFor(async () => (await t.query(api.federation.getConnection, { projectId: "relay" }))?.phase === "idle");
    } finally {
      await relay.close();
    }
  });
});

describe("the events of synced writes", () => {
  test("create, update and delete share one stable entity id and carry the whole document", async () => {
    const relay = await startIngestRecorder(INGRESS_SECRET);
    try {
      const t = await setupApp({ relayUrl: relay.url });
      const userId = await t.mutation(api.users.createUser, { email: "ada@example.com", name: "Ada" });
      await t.mutation(api.users.updateUser, { userId, name: "Ada L." });
      await t.mutation(api.users.deleteUser, { userId });
      await waitFor(() => relay.log.length === 3, { what: "three events" });

      const events = relay.requests.flatMap((r) => r.events);
      expect(events.map((e) => [e.eventType, e.entityId, e.lamport])).toEqual([
        ["create", `${ORIGIN}:${userId}`, 1],
        ["update", `${ORIGIN}:${userId}`, 2],
        ["delete", `${ORIGIN}:${userId}`, 3],
      ]);
      expect(events[1]).toMatchObject({
        entityKind: "User",
        source: { origin: ORIGIN, mutation: "users:updateUser", actorId: null },
        schemaVersion: 1,
        payload: {
          table: "users",
          data: { email: "ada@example.com", name: "Ada L.", version: 2, updatedAt: expect.any(Number) },
          version: 2,
        },
      });
      // The delete's version follows the last one the deployment knew of.
      expect(events[2]!.payload).toMatchObject({ table: "users", data: null, version: 3 });
      await waitFor(async () => (await t.query(api.federation.getConnection, { projectId: "relay" }))?.phase === "idle");
    } finally {
      await relay.close();
    }
  });

  test("a write to an entity that is not registered, disabled or pull-only commits without an event", async () => {
    const t = await setupApp({ strategies: { User: "pull" } });
    await t.mutation(api.users.createUser, { email: "a@example.com", name: "A" });
    const [task] = (await t.query(api.federation.listEntities, {})).filter((e) => e.name === "Task");
    await t.mutation(api.federation.toggleEntity, { entityId: task!._id, enabled: false });
    await t.mutation(api.tasks.createTask, { title: "t" });
    expect(await t.query(api.users.list, {})).toHaveLength(1);
    expect(await t.query(api.tasks.list, {})).toHaveLength(1);
    expect(await t.query(api.federation.listEvents, {})).toEqual([]);
  });

  test("with no connection the event is kept as skipped", async () => {
    const t = await setupApp();
    const [connection] = await t.query(api.federation.listConnections, {});
    await t.mutation(api.federation.removeConnection, { connectionId: connection!._id });
    await t.mutation(api.users.createUser, { email: "a@example.com", name: "A" });
    const [event] = await t.query(api.federation.listEvents, {});
    expect(event).toMatchObject({ status: "skipped", deliveries: [] });
  });

  test("a delete handler that does not delete is refused, and nothing commits", async () => {
    const t = await setupApp();
    const userId = await t.mutation(api.users.createUser, { email: "a@example.com", name: "A" });
    const pretend = syncedDelete("User", async (_ctx, _args: {}) => ({ _id: userId }));
    await expect(t.mutation(async (ctx) => await pretend(ctx, {}))).rejects.toThrow(/did not delete it/);
    expect(await t.query(api.federation.listEvents, {})).toHaveLength(1);
  });

  test("a handler must say which document it wrote", async () => {
    const t = await setupApp();
    const silent = syncedCreate("User", async (ctx, _args: {}) => {
      await ctx.db.insert("users", { email: "a@example.com", name: "A", version: 1, updatedAt: 1 });
    });
    await expect(t.mutation(async (ctx) => await silent(ctx, {}))).rejects.toThrow(/must return the document's id/);
    expect(await t.query(api.users.list, {})).toEqual([]);
  });

  test("a document too large for the relay fails the write instead of committing an undeliverable event", async () => {
    const t = await setupApp();
    await expect(
      t.mutation(api.users.createUser, { email: "big@example.com", name: "x".repeat(300 * 1024) }),
    ).rejects.toThrow(/the relay accepts at most 262144/);
    expect(await t.query(api.users.list, {})).toEqual([]);
  });
});
