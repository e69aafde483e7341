import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import { setupComponentApp } from "../testing/component-app";

// Scheduled runs stay queued unless a test advances the timers.
beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }));
afterEach(() => vi.useRealTimers());

const setup = setupComponentApp;

const enqueueArgs = {
  entityName: "User",
  operation: "create" as const,
  localId: "users|1",
  document: { email: "a@example.com", name: "A", version: 1, updatedAt: 5 },
};

describe("the outbox", () => {
  test("an enqueue schedules its dispatch in the same transaction, and a rollback takes both back", async () => {
    const t = await setup();
    await expect(
      t.mutation(async (ctx) => {
        await ctx.runMutation(api.outbox.enqueue, enqueueArgs);
        throw new Error("the host mutation failed");
      }),
    ).rejects.toThrow("the host mutation failed");
    expect(await t.run(async (ctx) => await ctx.db.system.query("_scheduled_functions").collect())).toEqual([]);
    expect(await t.run(async (ctx) => await ctx.db.query("outbox").collect())).toEqual([]);
    expect(await t.run(async (ctx) => await ctx.db.query("deliveries").collect())).toEqual([]);

    await t.mutation(api.outbox.enqueue, enqueueArgs);
    const scheduled = await t.run(async (ctx) => await ctx.db.system.query("_scheduled_functions").collect());
    expect(scheduled.map((job) => [job.name, job.args])).toEqual([["dispatch:run", [{ connectionId: expect.any(String) }]]]);
  });

  test("further writes while a dispatch is due do not schedule more runs (single flight)", async () => {
    const t = await setup();
    for (let i = 0; i < 5; i++) await t.mutation(api.outbox.enqueue, { ...enqueueArgs, localId: `users|${i}` });
    const scheduled = await t.run(async (ctx) => await ctx.db.system.query("_scheduled_functions").collect());
    expect(scheduled).toHaveLength(1);
    const deliveries = await t.run(async (ctx) => await ctx.db.query("deliveries").collect());
    expect(deliveries.map((d) => d.status)).toEqual(["pending", "pending", "pending", "pending", "pending"]);
  });

  test("the outbox row gets its transaction's commit timestamp, in commit order", async () => {
    const t = await setup();
    await t.mutation(api.outbox.enqueue, { ...enqueueArgs, localId: "users|1" });
    await t.mutation(api.outbox.enqueue, { ...enqueueArgs, localId: "users|2" });
    const rows = await t.run(async (ctx) => await ctx.db.query("outbox").collect());
    expect(rows.map((row) => typeof row.commitTs)).toEqual(["bigint", "bigint"]);
    expect((rows[0]!.commitTs as bigint) < (rows[1]!.commitTs as bigint)).toBe(true);
  });

  test("the envelope is the contract's, stamped with this deployment's origin and the document's version", async () => {
    const t = await setup();
    const result = await t.mutation(api.outbox.enqueue, { ...enqueueArgs, mutation: "users:createUser", actorId: "user_1" });
    const [envelope] = await t.run(async (ctx) => await ctx.db.query("envelopes").collect());
    expect(JSON.parse(envelope!.json)).toEqual({
      id: result!.eventId,
      entityKind: "User",
      entityId: "app-a:users|1",
      eventType: "create",
      payload: { table: "users", data: enqueueArgs.document, version: 1, updatedAt: 5 },
      lamport: 1,
      source: { origin: "app-a", mutation: "users:createUser", actorId: "user_1" },
      emittedAt: expect.any(Number),
      schemaVersion: 1,
    });
  });

  test("Int64 and bytes fields survive the trip as convexToJson encodings", async () => {
    const t = await setup();
    await t.mutation(api.outbox.enqueue, {
      ...enqueueArgs,
      document: { ...enqueueArgs.document, big: 2n ** 60n, raw: new Uint8Array([1, 2, 3]).buffer },
    });
    const [envelope] = await t.run(async (ctx) => await ctx.db.query("envelopes").collect());
    expect(JSON.parse(envelope!.json).payload.data).toMatchObject({ big: { $integer: expect.any(String) }, raw: { $bytes: "AQID" } });
  });
});

describe("the daily clean-up", () => {
  test("deletes delivered events and inbox entries past the retention, and nothing pending or recent", async () => {
    const t = await setup();
    const DAY = 86_400_000;
    await t.run(async (ctx) => {
      const old = Date.now() - 31 * DAY;
      for (const [status, createdAt] of [["sent", old], ["failed", old], ["pending", old], ["sent", Date.now()]] as const) {
        const outboxId = await ctx.db.insert("outbox", {
          eventId: `evt_${status}_${createdAt}`,
          commitTs: ctx.db.vars.commitTs,
          lamport: 1,
          entityName: "User",
          entityId: "e",
          localId: "l",
          eventType: "create",
          status,
          createdAt,
        });
        await ctx.db.insert("envelopes", { outboxId, json: "{}" });
      }
      await ctx.db.insert("inbox", { eventId: "in_old", outcome: "applied", origin: "b", entityName: "User", entityId: "e", receivedAt: old });
      await ctx.db.insert("inbox", { eventId: "in_new", outcome: "applied", origin: "b", entityName: "User", entityId: "e", receivedAt: Date.now() });
    });
    expect(await t.mutation(internal.outbox.clearExpired, {})).toEqual({ deleted: 2, inboxDeleted: 1, hasMore: false });
    const left = await t.run(async (ctx) => (await ctx.db.query("outbox").collect()).map((row) => row.status));
    expect(left.sort()).toEqual(["pending", "sent"]);
    expect(await t.run(async (ctx) => (await ctx.db.query("envelopes").collect()).length)).toBe(2);
    expect(await t.run(async (ctx) => (await ctx.db.query("inbox").collect()).map((row) => row.eventId))).toEqual(["in_new"]);
  });
});
