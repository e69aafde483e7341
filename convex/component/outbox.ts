import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { internalMutation, mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server";
import { entityByName } from "./entities";
import { dispatcherOf, wake } from "./lib/dispatcher";
import { buildEnvelope } from "./lib/envelope";
import { refreshOutboxStatus } from "./lib/outboxStatus";
import { nextEntityLamport } from "./lib/entityClock";
import { resolveOrigin } from "./lib/settings";
import { vEvent, vEventStats, vEventStatus, vOperation } from "./lib/validators";

const vClearResult = v.object({ deleted: v.number(), inboxDeleted: v.number(), hasMore: v.boolean() });

const DAY_MS = 86_400_000;
/** How long the daily clean-up keeps delivered events and inbox entries. */
const DEFAULT_RETENTION_DAYS = 30;
const MAX_LIST = 500;
/** Per status, `stats` counts at most this many events and then reports `truncated`. */
const STATS_CAP = 4_000;
/** Rows `clearOld` looks at per call, so one call stays well inside a transaction's limits. */
const CLEAR_SCAN = 500;

export async function mapByLocalId(ctx: QueryCtx, entityName: string, localId: string) {
  return await ctx.db
    .query("idMap")
    .withIndex("by_local", (q) => q.eq("entityName", entityName).eq("localId", localId))
    .unique();
}

export async function tombstoneOf(ctx: QueryCtx, entityName: string, entityId: string) {
  return await ctx.db
    .query("tombstones")
    .withIndex("by_entity", (q) => q.eq("entityName", entityName).eq("entityId", entityId))
    .unique();
}

function numberField(document: Record<string, unknown> | null, field: string): number | undefined {
  const value = document?.[field];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * Records the event of a synced write, inside the host mutation's transaction: the event
 * exists if and only if the write commits. Returns null when the entity does not send
 * (unregistered, disabled or `pull`).
 */
export const enqueue = mutation({
  args: {
    entityName: v.string(),
    operation: vOperation,
    localId: v.string(),
    /** The host document after the write; null for a delete. */
    document: v.union(v.record(v.string(), v.any()), v.null()),
    mutation: v.optional(v.string()),
    actorId: v.optional(v.union(v.string(), v.null())),
    /**
     * The entity's global id, when the caller knows it better than the id map: `syncNow`
     * resending the delete of an entity whose mapping went with it.
     */
    entityId: v.optional(v.string()),
  },
  returns: v.union(v.object({ eventId: v.string(), entityId: v.string(), lamport: v.number() }), v.null()),
  handler: async (ctx, args) => {
    const entity = await entityByName(ctx, args.entityName);
    if (!entity || !entity.enabled || entity.strategy === "pull") return null;
    if (args.operation !== "delete" && args.document === null) {
      throw new Error(`a ${args.operation} of ${args.entityName} needs the document`);
    }
    const now = Date.now();
    const { origin } = await resolveOrigin(ctx);
    const mapped = await mapByLocalId(ctx, args.entityName, args.localId);
    const entityId = mapped?.entityId ?? args.entityId ?? `${origin}:${args.localId}`;
    // The document's own version fields when it has them (the seed's schema requires them),
    // else one past the last write this deployment knows of.
    const version = numberField(args.document, "version") ?? (mapped?.version ?? 0) + 1;
    const updatedAt = numberField(args.document, "updatedAt") ?? now;
    const lamport = nextEntityLamport(mapped);
    const eventId = `evt_${crypto.randomUUID().replaceAll("-", "")}`;
    const { json } = buildEnvelope({
      eventId,
      entityName: args.entityName,
      entityId,
      operation: args.operation,
      table: entity.table,
      document: args.document,
      version,
      updatedAt,
      lamport,
      origin,
      mutation: args.mutation,
      actorId: args.actorId,
      emittedAt: now,
    });

    await recordLocalWrite(ctx, {
      entity,
      entityId,
      localId: args.localId,
      operation: args.operation,
      stamp: { version, updatedAt, origin },
      lamport,
      mapped,
      now,
    });

    const connections = await ctx.db.query("connections").collect();
    const outboxId = await ctx.db.insert("outbox", {
      eventId,
      commitTs: ctx.db.vars.commitTs,
      lamport,
      entityName: args.entityName,
      entityId,
      localId: args.localId,
      eventType: args.operation,
      status: connections.length > 0 ? "pending" : "skipped",
      createdAt: now,
    });
    await ctx.db.insert("envelopes", { outboxId, json });
    for (const connection of connections) {
      await ctx.db.insert("deliveries", {
        outboxId,
        connectionId: connection._id,
        commitTs: ctx.db.vars.commitTs,
        status: "pending",
        attempts: 0,
      });
      const dispatcher = await dispatcherOf(ctx, connection._id);
      if (dispatcher) await wake(ctx, dispatcher, { now });
    }
    return { eventId, entityId, lamport };
  },
});

/** Keeps the id map and tombstones in step with local writes, for LWW against later events. */
async function recordLocalWrite(
  ctx: MutationCtx,
  write: {
    entity: Doc<"entities">;
    entityId: string;
    localId: string;
    operation: "create" | "update" | "delete";
    stamp: { version: number; updatedAt: number; origin: string };
    lamport: number;
    mapped: Doc<"idMap"> | null;
    now: number;
  },
) {
  const { entity, entityId, mapped, lamport } = write;
  const stamp = { ...write.stamp, lamport };
  if (write.operation === "delete") {
    if (mapped) await ctx.db.delete("idMap", mapped._id);
    if (!(await tombstoneOf(ctx, entity.name, entityId))) {
      await ctx.db.insert("tombstones", { entityName: entity.name, entityId, ...stamp, deletedAt: write.now });
    }
    return;
  }
  if (mapped) await ctx.db.patch("idMap", mapped._id, { table: entity.table, ...stamp });
  else {
    await ctx.db.insert("idMap", {
      entityName: entity.name,
      entityId,
      table: entity.table,
      localId: write.localId,
      ...stamp,
    });
  }
}

async function describeEvent(ctx: QueryCtx, event: Doc<"outbox">, projects: Map<string, string | null>) {
  const deliveries = await ctx.db
    .query("deliveries")
    .withIndex("by_outbox", (q) => q.eq("outboxId", event._id))
    .collect();
  const described = [];
  for (const delivery of deliveries) {
    if (!projects.has(delivery.connectionId)) {
      projects.set(delivery.connectionId, (await ctx.db.get("connections", delivery.connectionId))?.projectId ?? null);
    }
    described.push({
      connectionId: delivery.connectionId as string,
      projectId: projects.get(delivery.connectionId) ?? null,
      status: delivery.status,
      attempts: delivery.attempts,
      relayVersion: delivery.relayVersion ?? null,
      sentAt: delivery.sentAt ?? null,
      lastError: delivery.lastError ?? null,
    });
  }
  return {
    eventId: event.eventId,
    entityName: event.entityName,
    entityId: event.entityId,
    localId: event.localId,
    eventType: event.eventType,
    status: event.status,
    lamport: event.lamport,
    createdAt: event.createdAt,
    deliveries: described,
  };
}

/** Newest first, optionally one status and/or one entity. */
export const list = query({
  args: { limit: v.optional(v.number()), status: v.optional(vEventStatus), entityName: v.optional(v.string()) },
  returns: v.array(vEvent),
  handler: async (ctx, { limit, status, entityName }) => {
    const take = Math.min(Math.max(Math.floor(limit ?? 50), 1), MAX_LIST);
    let events: Doc<"outbox">[];
    if (status !== undefined) {
      const byStatus = ctx.db
        .query("outbox")
        .withIndex("by_status", (q) => q.eq("status", status))
        .order("desc");
      events = await (entityName === undefined
        ? byStatus
        : byStatus.filter((q) => q.eq(q.field("entityName"), entityName))
      ).take(take);
    } else if (entityName !== undefined) {
      events = await ctx.db
        .query("outbox")
        .withIndex("by_entityName", (q) => q.eq("entityName", entityName))
        .order("desc")
        .take(take);
    } else {
      events = await ctx.db.query("outbox").order("desc").take(take);
    }
    const projects = new Map<string, string | null>();
    const described = [];
    for (const event of events) described.push(await describeEvent(ctx, event, projects));
    return described;
  },
});

export const stats = query({
  args: {},
  returns: vEventStats,
  handler: async (ctx) => {
    let truncated = false;
    const count = async (status: Doc<"outbox">["status"]) => {
      const rows = await ctx.db
        .query("outbox")
        .withIndex("by_status", (q) => q.eq("status", status))
        .take(STATS_CAP + 1);
      if (rows.length > STATS_CAP) truncated = true;
      return Math.min(rows.length, STATS_CAP);
    };
    const pending = await count("pending");
    const sent = await count("sent");
    const failed = await count("failed");
    const skipped = await count("skipped");
    return { total: pending + sent + failed + skipped, pending, sent, failed, skipped, truncated };
  },
});

/** Puts an event's failed deliveries back in the queue, under the same event id. */
export const retry = mutation({
  args: { eventId: v.string() },
  returns: v.object({ retried: v.number() }),
  handler: async (ctx, { eventId }) => {
    const event = await ctx.db
      .query("outbox")
      .withIndex("by_eventId", (q) => q.eq("eventId", eventId))
      .unique();
    if (!event) throw new Error(`no outbox event ${JSON.stringify(eventId)}`);
    return { retried: await retryDeliveries(ctx, event._id) };
  },
});

async function retryDeliveries(ctx: MutationCtx, outboxId: Id<"outbox">): Promise<number> {
  const now = Date.now();
  const deliveries = await ctx.db
    .query("deliveries")
    .withIndex("by_outbox", (q) => q.eq("outboxId", outboxId))
    .collect();
  let retried = 0;
  for (const delivery of deliveries) {
    if (delivery.status !== "failed") continue;
    await ctx.db.patch("deliveries", delivery._id, { status: "pending", lastError: undefined, refusal: undefined });
    const dispatcher = await dispatcherOf(ctx, delivery.connectionId);
    if (dispatcher) await wake(ctx, dispatcher, { now, skipBackoff: true });
    retried++;
  }
  if (retried > 0) await refreshOutboxStatus(ctx, outboxId);
  return retried;
}

/**
 * Deletes events older than `olderThanDays` that no connection is still waiting for, and the
 * inbox's record of events applied that long ago (redeliveries that old are still caught by
 * LWW and tombstones, which stay). A call looks at a bounded number of rows; `hasMore` says
 * to call again.
 */
export const clearOld = mutation({
  args: { olderThanDays: v.number() },
  returns: vClearResult,
  handler: async (ctx, { olderThanDays }) => {
    if (!(olderThanDays >= 0)) throw new Error("olderThanDays must be 0 or more");
    return await clearOlderThan(ctx, Date.now() - olderThanDays * DAY_MS);
  },
});

/**
 * The daily cron's clean-up with the default retention, so the outbox and inbox stay bounded
 * even if nobody calls `clearOldEvents`. Carries on in a new transaction while rows remain.
 */
export const clearExpired = internalMutation({
  args: {},
  returns: vClearResult,
  handler: async (ctx) => {
    const result = await clearOlderThan(ctx, Date.now() - DEFAULT_RETENTION_DAYS * DAY_MS);
    if (result.hasMore) await ctx.scheduler.runAfter(0, internal.outbox.clearExpired, {});
    return result;
  },
});

async function clearOlderThan(ctx: MutationCtx, cutoff: number) {
  let budget = CLEAR_SCAN;
  let deleted = 0;
  // Pending events are never cleared: a connection is still waiting for them.
  for (const status of ["sent", "failed", "skipped"] as const) {
    const old = await ctx.db
      .query("outbox")
      .withIndex("by_status", (q) => q.eq("status", status).lt("createdAt", cutoff))
      .take(budget);
    for (const event of old) await deleteEvent(ctx, event._id);
    deleted += old.length;
    budget -= old.length;
  }
  const inbox = await ctx.db
    .query("inbox")
    .withIndex("by_receivedAt", (q) => q.lt("receivedAt", cutoff))
    .take(CLEAR_SCAN);
  for (const entry of inbox) await ctx.db.delete("inbox", entry._id);
  return { deleted, inboxDeleted: inbox.length, hasMore: budget === 0 || inbox.length === CLEAR_SCAN };
}

async function deleteEvent(ctx: MutationCtx, outboxId: Id<"outbox">) {
  const deliveries = await ctx.db
    .query("deliveries")
    .withIndex("by_outbox", (q) => q.eq("outboxId", outboxId))
    .collect();
  for (const delivery of deliveries) await ctx.db.delete("deliveries", delivery._id);
  const envelope = await ctx.db
    .query("envelopes")
    .withIndex("by_outbox", (q) => q.eq("outboxId", outboxId))
    .unique();
  if (envelope) await ctx.db.delete("envelopes", envelope._id);
  await ctx.db.delete("outbox", outboxId);
}

/**
 * Manual sync: puts failed deliveries back in the queue (all of them, one entity's, or one
 * entity instance's) and wakes every dispatcher now, cutting any backoff short.
 */
export const syncNow = mutation({
  args: { entityName: v.optional(v.string()), entityId: v.optional(v.string()) },
  returns: v.object({ retried: v.number(), woken: v.number() }),
  handler: async (ctx, { entityName, entityId }) => {
    if (entityId !== undefined && entityName === undefined) throw new Error("entityId needs entityName");
    const now = Date.now();
    const failed = await ctx.db
      .query("outbox")
      .withIndex("by_status", (q) => q.eq("status", "failed"))
      .take(MAX_LIST);
    let retried = 0;
    for (const event of failed) {
      if (entityName !== undefined && event.entityName !== entityName) continue;
      if (entityId !== undefined && event.entityId !== entityId) continue;
      retried += await retryDeliveries(ctx, event._id);
    }
    let woken = 0;
    for (const connection of await ctx.db.query("connections").collect()) {
      const dispatcher = await dispatcherOf(ctx, connection._id);
      if (dispatcher && (await wake(ctx, dispatcher, { now, skipBackoff: true }))) woken++;
    }
    return { retried, woken };
  },
});
