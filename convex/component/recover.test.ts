import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { Doc } from "./_generated/dataModel";
import { api, internal } from "./_generated/api";
import { makeComponentApp } from "../testing/component-app";
import { INGRESS_SECRET } from "../testing/fixtures";
import crons from "./crons";
import { refusalOf } from "./lib/refusals";


beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }));
afterEach(() => vi.useRealTimers());

type DispatcherState = Partial<Pick<Doc<"dispatchers">, "phase" | "runner" | "leaseUntil" | "nextAttemptAt">>;

/** A connection whose dispatcher is in `state`, with or without a pending delivery. */
async function setup(state: DispatcherState, withPending: boolean) {
  const t = makeComponentApp();
  await t.mutation(api.entities.register, { name: "User", table: "users", strategy: "bidirectional" });
  await t.mutation(api.connections.add, { projectId: "relay", url: "https://relay.example.com", workspace: "ws", secret: INGRESS_SECRET });
  if (withPending) {
    await t.mutation(api.outbox.enqueue, {
      entityName: "User",
      operation: "create",
      localId: "users|1",
      document: { email: "a@example.com", name: "A", version: 1, updatedAt: 5 },
    });
  }
  await t.run(async (ctx) => {
    const dispatcher = (await ctx.db.query("dispatchers").first())!;
    await ctx.db.replace("dispatchers", dispatcher._id, {
      connectionId: dispatcher.connectionId,
      batchLimit: dispatcher.batchLimit,
      phase: "idle",
      ...state,
    });
    for (const job of await ctx.db.system.query("_scheduled_functions").collect()) await ctx.scheduler.cancel(job._id);
  });
  return t;
}

async function pendingRuns(t: Awaited<ReturnType<typeof setup>>) {
  const jobs = await t.run(async (ctx) => await ctx.db.system.query("_scheduled_functions").collect());
  return jobs.filter((job) => job.name === "dispatch:run" && job.state.kind === "pending").length;
}

describe("the 5-minute cron wakes only dispatchers whose run was lost", () => {
  const now = () => Date.now();
  test.each<[string, DispatcherState, boolean, number]>([
    ["idle with events pending (a lost wake-up)", { phase: "idle" }, true, 1],
    ["running past its lease (a crashed run)", { phase: "running", runner: "r1", leaseUntil: now() - 1 }, true, 1],
    ["scheduled past its lease (a lost job)", { phase: "scheduled", leaseUntil: now() - 1 }, true, 1],
    ["backing off long past its retry time", { phase: "backoff", nextAttemptAt: now() - 120_000 }, true, 1],
    ["idle with nothing pending", { phase: "idle" }, false, 0],
    ["running within its lease", { phase: "running", runner: "r1", leaseUntil: now() + 60_000 }, true, 0],
    ["backing off until later", { phase: "backoff", nextAttemptAt: now() + 60_000 }, true, 0],
  ])("%s", async (_case, state, withPending, expected) => {
    const t = await setup(state, withPending);
    expect(await pendingRuns(t)).toBe(0);
    expect(await t.mutation(internal.dispatch.retryFailed, {})).toEqual({ retried: 0, woken: expected });
    expect(await pendingRuns(t)).toBe(expected);
    if (expected === 1) {
      const dispatcher = await t.run(async (ctx) => await ctx.db.query("dispatchers").first());
      expect(dispatcher).toMatchObject({ phase: "scheduled", runJobId: expect.any(String) });
    }
  });
});

describe("the 5-minute cron retries events refused for now, not those refused for good", () => {
  test("it runs every 5 minutes", () => {
    expect(Object.values(crons.crons)).toContainEqual({
      name: "dispatch:retryFailed",
      args: [{}],
      schedule: { type: "interval", minutes: 5 },
    });
  });

  test("4xx statuses: about the events for good, for now, or about the connection", () => {
    expect([400, 413, 422].map(refusalOf)).toEqual(["permanent", "permanent", "permanent"]);
    expect([405, 409, 415, 423, 499].map(refusalOf)).toEqual(["transient", "transient", "transient", "transient", "transient"]);
    expect([401, 403, 404, 408, 410, 425, 429, 500, 503].map(refusalOf).every((r) => r === "connection")).toBe(true);
  });

  test.each([
    [409, "transient", 1, "pending"],
    [400, "permanent", 0, "failed"],
  ] as const)("a delivery refused with %i (%s) is put back %i time(s)", async (status, refusal, retried, after) => {
    const t = await setup({ phase: "idle" }, true);
    await t.run(async (ctx) => {
      const delivery = (await ctx.db.query("deliveries").first())!;
      await ctx.db.patch("deliveries", delivery._id, { status: "failed", failedStatus: status, refusal, lastError: `${status}` });
      await ctx.db.patch("outbox", delivery.outboxId, { status: "failed" });
    });
    expect(await t.mutation(internal.dispatch.retryFailed, {})).toEqual({ retried, woken: retried });
    const [delivery] = await t.run(async (ctx) => await ctx.db.query("deliveries").collect());
    const [event] = await t.run(async (ctx) => await ctx.db.query("outbox").collect());
    expect([delivery!.status, event!.status]).toEqual([after, after]);
    expect(await pendingRuns(t)).toBe(retried);
  });
});
