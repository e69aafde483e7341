import { v, type Infer } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalAction, internalMutation, type MutationCtx } from "./_generated/server";
import { MAX_INGEST_BODY_BYTES } from "../../src/contract/event";
import { LEASE_MS, MAX_BATCH, dispatcherOf, hasPendingDeliveries, healthOf, scheduleRun, wake } from "./lib/dispatcher";
import { refreshOutboxStatus } from "./lib/outboxStatus";
import { refusalOf } from "./lib/refusals";
import { sendBatch } from "./lib/send";
import { backoffDelay, retrySchedule } from "./lib/settings";
import { vConnectionKind } from "./lib/validators";

/** Batches one run sends before handing over to a fresh run, to stay far from action limits. */
const BATCHES_PER_RUN = 20;
/** How late a scheduled retry may be before the recovery cron assumes it was lost. */
const RECOVERY_GRACE_MS = 60_000;

const vClaim = v.object({
  target: v.object({
    kind: vConnectionKind,
    url: v.string(),
    workspace: v.optional(v.string()),
    secret: v.optional(v.string()),
    secretEnvVar: v.optional(v.string()),
  }),
  webhookId: v.string(),
  deliveryIds: v.array(v.id("deliveries")),
  envelopes: v.array(v.string()),
});

const vOutcome = v.union(
  v.object({ kind: v.literal("accepted"), versions: v.array(v.object({ id: v.string(), version: v.number() })) }),
  v.object({ kind: v.literal("rejected"), status: v.number(), message: v.string() }),
  v.object({
    kind: v.literal("failed"),
    status: v.union(v.number(), v.null()),
    message: v.string(),
    retryAfterMs: v.optional(v.number()),
  }),
);
type Outcome = Infer<typeof vOutcome>;

/**
 * Drains one connection's outbox: claim the oldest pending events (commit order), POST them
 * signed, record the outcome, repeat. A failure ends the run and schedules the retry.
 */
export const run = internalAction({
  args: { connectionId: v.id("connections") },
  returns: v.null(),
  handler: async (ctx, { connectionId }) => {
    const runner = crypto.randomUUID();
    for (let batch = 0; batch < BATCHES_PER_RUN; batch++) {
      const claim = await ctx.runMutation(internal.dispatch.claim, { connectionId, runner });
      if (claim === null) return null;
      const outcome = await sendBatch(claim);
      const keepGoing = await ctx.runMutation(internal.dispatch.settle, {
        connectionId,
        runner,
        deliveryIds: claim.deliveryIds,
        outcome,
      });
      if (!keepGoing) return null;
    }
    await ctx.runMutation(internal.dispatch.handOff, { connectionId, runner });
    return null;
  },
});

/** `{"events":[]}`: the bytes of a batch's body around its envelopes (`lib/send.ts`). */
const EMPTY_BODY_BYTES = '{"events":[]}'.length;
const encoder = new TextEncoder();
const utf8Bytes = (text: string) => encoder.encode(text).length;

/**
 * Takes the lease and returns the next batch, or null when there is nothing this runner may
 * send: another run holds the lease, a backoff is in force, or the outbox is drained (then
 * the dispatcher goes idle, and the next synced write wakes it).
 */
export const claim = internalMutation({
  args: { connectionId: v.id("connections"), runner: v.string() },
  returns: v.union(vClaim, v.null()),
  handler: async (ctx, { connectionId, runner }) => {
    const connection = await ctx.db.get("connections", connectionId);
    const dispatcher = await dispatcherOf(ctx, connectionId);
    if (!connection || !dispatcher) return null;
    const now = Date.now();
    const heldByOther = dispatcher.runner !== undefined && dispatcher.runner !== runner;
    if (dispatcher.phase === "running" && heldByOther && (dispatcher.leaseUntil ?? 0) > now) return null;
    if (dispatcher.phase === "backoff" && (dispatcher.nextAttemptAt ?? 0) > now) return null;

    // No upper bound on the range: when it comes back short, this read covers where new
    // deliveries land, so a write committing meanwhile makes this mutation retry and see it.
    const pending = await ctx.db
      .query("deliveries")
      .withIndex("by_connection_status", (q) => q.eq("connectionId", connectionId).eq("status", "pending"))
      .take(dispatcher.batchLimit);
    const batch: { deliveryId: Id<"deliveries">; envelope: string }[] = [];
    let bodyBytes = EMPTY_BODY_BYTES;
    for (const delivery of pending) {
      const envelope = await ctx.db
        .query("envelopes")
        .withIndex("by_outbox", (q) => q.eq("outboxId", delivery.outboxId))
        .unique();
      if (envelope) {
        // The body must fit the relay's ingest limit: a batch over it is refused whole (413),
        // and splitting it one event at a time would then send the rest one by one.
        const bytes = utf8Bytes(envelope.json) + (batch.length > 0 ? 1 : 0);
        if (batch.length > 0 && bodyBytes + bytes > MAX_INGEST_BODY_BYTES) break;
        bodyBytes += bytes;
        batch.push({ deliveryId: delivery._id, envelope: envelope.json });
      } else {
        // Outbox rows and envelopes are written and deleted together; should one ever be
        // missing, its delivery fails visibly instead of stalling the queue behind it.
        await ctx.db.patch("deliveries", delivery._id, { status: "failed", lastError: "envelope missing" });
        await refreshOutboxStatus(ctx, delivery.outboxId);
      }
    }

    if (batch.length === 0) {
      await ctx.db.replace("dispatchers", dispatcher._id, {
        connectionId,
        phase: "idle",
        batchLimit: dispatcher.batchLimit,
      });
      return null;
    }
    const holdsFreshLease =
      dispatcher.phase === "running" && dispatcher.runner === runner && (dispatcher.leaseUntil ?? 0) - now > LEASE_MS / 2;
    if (!holdsFreshLease) {
      await ctx.db.replace("dispatchers", dispatcher._id, {
        connectionId,
        phase: "running",
        runner,
        leaseUntil: now + LEASE_MS,
        batchLimit: dispatcher.batchLimit,
      });
    }
    return {
      target: {
        kind: connection.kind,
        url: connection.url,
        workspace: connection.workspace,
        secret: connection.secret,
        secretEnvVar: connection.secretEnvVar,
      },
      // Stable while the batch is the same, so a retried batch keeps its message id.
      webhookId: `msg_${batch[0]!.deliveryId}_${batch.length}`,
      deliveryIds: batch.map((item) => item.deliveryId),
      envelopes: batch.map((item) => item.envelope),
    };
  },
});

/**
 * Records a batch's outcome and answers whether the run should go on. Delivery results are
 * recorded even when the lease was lost (they are facts); only the lease holder moves the
 * dispatcher.
 */
export const settle = internalMutation({
  args: {
    connectionId: v.id("connections"),
    runner: v.string(),
    deliveryIds: v.array(v.id("deliveries")),
    outcome: vOutcome,
  },
  returns: v.boolean(),
  handler: async (ctx, { connectionId, runner, deliveryIds, outcome }) => {
    const now = Date.now();
    const dispatcher = await dispatcherOf(ctx, connectionId);
    const health = await healthOf(ctx, connectionId);
    if (!dispatcher || !health) return false;
    const holdsLease = dispatcher.phase === "running" && dispatcher.runner === runner;

    if (outcome.kind === "accepted") {
      await markDeliveries(ctx, deliveryIds, outcome, now);
      await ctx.db.patch("connectionHealth", health._id, { status: "online", consecutiveFailures: 0, lastSuccessAt: now });
      if (holdsLease && dispatcher.batchLimit !== MAX_BATCH) {
        await ctx.db.patch("dispatchers", dispatcher._id, { batchLimit: MAX_BATCH });
      }
      return holdsLease;
    }

    const lastError = { at: now, status: outcome.status, message: outcome.message };
    if (outcome.kind === "rejected") {
      if (deliveryIds.length > 1) {
        // Some event in the batch is refused: resend one at a time to find it, and let the
        // others through. Nothing is dropped and nothing gets a new id.
        await markDeliveries(ctx, deliveryIds, { kind: "attempted", message: outcome.message }, now);
        if (holdsLease) await ctx.db.patch("dispatchers", dispatcher._id, { batchLimit: 1 });
      } else {
        await markDeliveries(ctx, deliveryIds, outcome, now);
      }
      await ctx.db.patch("connectionHealth", health._id, { status: "online", lastError });
      return holdsLease;
    }

    await markDeliveries(ctx, deliveryIds, { kind: "attempted", message: outcome.message }, now);
    const consecutiveFailures = health.consecutiveFailures + 1;
    await ctx.db.patch("connectionHealth", health._id, { status: "offline", consecutiveFailures, lastError });
    if (holdsLease) {
      const delay = outcome.retryAfterMs ?? backoffDelay(await retrySchedule(ctx), consecutiveFailures);
      await scheduleRun(ctx, dispatcher, delay, { phase: "backoff", nextAttemptAt: now + delay });
    }
    return false;
  },
});

type DeliveryUpdate = Extract<Outcome, { kind: "accepted" | "rejected" }> | { kind: "attempted"; message: string };

async function markDeliveries(ctx: MutationCtx, deliveryIds: Id<"deliveries">[], update: DeliveryUpdate, now: number) {
  const versions = new Map(update.kind === "accepted" ? update.versions.map((r) => [r.id, r.version]) : []);
  const touched = new Set<Id<"outbox">>();
  for (const deliveryId of deliveryIds) {
    const delivery = await ctx.db.get("deliveries", deliveryId);
    // Already settled by an earlier runner whose lease expired, or removed with its connection.
    if (!delivery || delivery.status !== "pending") continue;
    const attempts = delivery.attempts + 1;
    if (update.kind === "accepted") {
      const event = versions.size > 0 ? await ctx.db.get("outbox", delivery.outboxId) : null;
      const relayVersion = event ? versions.get(event.eventId) : undefined;
      await ctx.db.patch("deliveries", deliveryId, { status: "sent", attempts, sentAt: now, relayVersion });
    } else if (update.kind === "rejected") {
      const refusal = refusalOf(update.status) === "permanent" ? "permanent" : "transient";
      await ctx.db.patch("deliveries", deliveryId, {
        status: "failed",
        attempts,
        lastError: update.message,
        failedStatus: update.status,
        refusal,
      });
    } else {
      await ctx.db.patch("deliveries", deliveryId, { attempts, lastError: update.message });
      continue;
    }
    touched.add(delivery.outboxId);
  }
  for (const outboxId of touched) await refreshOutboxStatus(ctx, outboxId);
}

/** Ends a run that is not finished yet, and schedules the next one to carry on. */
export const handOff = internalMutation({
  args: { connectionId: v.id("connections"), runner: v.string() },
  returns: v.null(),
  handler: async (ctx, { connectionId, runner }) => {
    const dispatcher = await dispatcherOf(ctx, connectionId);
    if (!dispatcher || dispatcher.phase !== "running" || dispatcher.runner !== runner) return null;
    await scheduleRun(ctx, dispatcher, 0, { phase: "scheduled", leaseUntil: Date.now() + LEASE_MS });
    return null;
  },
});

/** Failed deliveries the cron looks at per run; the rest wait for the next run. */
const RETRY_SCAN = 500;

/**
 * The cron's job, every 5 minutes, and only a fallback: synced writes start dispatch
 * themselves, and a failing connection retries on its own schedule. It puts back in the
 * queue the events refused for now (not the ones refused for good; see `lib/refusals.ts`),
 * and wakes dispatchers whose run was lost: idle with pending events, a lease that ran out,
 * or a backoff retry that is long overdue.
 */
export const retryFailed = internalMutation({
  args: {},
  returns: v.object({ retried: v.number(), woken: v.number() }),
  handler: async (ctx) => {
    const now = Date.now();
    const refused = await ctx.db
      .query("deliveries")
      .withIndex("by_refusal", (q) => q.eq("status", "failed").eq("refusal", "transient"))
      .take(RETRY_SCAN);
    for (const delivery of refused) {
      await ctx.db.patch("deliveries", delivery._id, { status: "pending", refusal: undefined });
      await refreshOutboxStatus(ctx, delivery.outboxId);
    }
    let woken = 0;
    for (const connection of await ctx.db.query("connections").collect()) {
      const dispatcher = await dispatcherOf(ctx, connection._id);
      if (!dispatcher || !(await isStuck(ctx, dispatcher, now))) continue;
      if (await wake(ctx, dispatcher, { now, skipBackoff: true })) woken++;
    }
    return { retried: refused.length, woken };
  },
});

async function isStuck(ctx: MutationCtx, dispatcher: Doc<"dispatchers">, now: number): Promise<boolean> {
  switch (dispatcher.phase) {
    case "idle":
      return await hasPendingDeliveries(ctx, dispatcher.connectionId);
    case "backoff":
      return (dispatcher.nextAttemptAt ?? 0) + RECOVERY_GRACE_MS < now;
    default:
      return (dispatcher.leaseUntil ?? 0) <= now;
  }
}
