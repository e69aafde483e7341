import { v } from "convex/values";
import { z } from "zod";
import { EventEnvelope } from "../../src/contract/event";
import { EntityPayload, isEventOperation } from "../shared/payload";
import { beats, type WriteStamp } from "../shared/lww";
import type { Doc } from "./_generated/dataModel";
import { mutation, type MutationCtx } from "./_generated/server";
import { entityByName } from "./entities";
import { tombstoneOf } from "./outbox";
import { resolveOrigin } from "./lib/settings";

/**
 * Inbound events as the HTTP handler passes them on: relay deliveries carry the relay's
 * `version`, a direct peer's events do not.
 */
const InboundEvents = z.array(EventEnvelope.extend({ version: z.number().int().positive().optional() }));
type InboundEvent = z.infer<typeof InboundEvents>[number];

const vStampFields = { version: v.number(), updatedAt: v.number(), origin: v.string(), lamport: v.number() };

const vWrite = v.union(
  v.object({
    op: v.literal("upsert"),
    entityName: v.string(),
    entityId: v.string(),
    table: v.string(),
    localId: v.union(v.string(), v.null()),
    /** The document as JSON text (`convexToJson` form), so that `$`-keys survive. */
    dataJson: v.string(),
    ...vStampFields,
  }),
  v.object({
    op: v.literal("delete"),
    entityName: v.string(),
    entityId: v.string(),
    table: v.string(),
    localId: v.union(v.string(), v.null()),
  }),
);

const vCounts = v.object({
  received: v.number(),
  applied: v.number(),
  duplicate: v.number(),
  echo: v.number(),
  stale: v.number(),
  ignored: v.number(),
  invalid: v.number(),
});
export type InboundCounts = {
  received: number;
  applied: number;
  duplicate: number;
  echo: number;
  stale: number;
  ignored: number;
  invalid: number;
};

type EntityState = { map: Doc<"idMap"> | null; stamp: WriteStamp | null; deleted: boolean; lamport: number };

/**
 * Decides what a verified batch changes, inside the app mutation that applies it, so the
 * whole batch commits or none of it does. Records every event id in the inbox, writes
 * tombstones, and returns at most one write per entity (the winner, which carries the
 * entity's Lamport clock forward; nothing else moves any clock),
 * for the app to apply to its own tables. Rules, per event in batch order:
 * - our own origin: an echo, skipped;
 * - an id already in the inbox: a duplicate, skipped;
 * - an entity not registered here, disabled, or `push` only: ignored;
 * - a tombstoned entity: stale, whatever its version — a delete is final;
 * - a delete: applied (delete wins, so every order of arrival ends deleted);
 * - a create or update: applied only if its (version, updatedAt, origin) beats the local one.
 */
export const plan = mutation({
  args: { eventsJson: v.string() },
  returns: v.object({ writes: v.array(vWrite), counts: vCounts }),
  handler: async (ctx, { eventsJson }) => {
    const events = InboundEvents.parse(JSON.parse(eventsJson));
    const { origin: self } = await resolveOrigin(ctx);
    const now = Date.now();
    const counts: InboundCounts = {
      received: events.length,
      applied: 0,
      duplicate: 0,
      echo: 0,
      stale: 0,
      ignored: 0,
      invalid: 0,
    };
    const entities = new Map<string, Doc<"entities"> | null>();
    const states = new Map<string, EntityState>();
    const writes = new Map<string, typeof vWrite.type>();
    const seenIds = new Set<string>();

    for (const event of events) {
      if (event.source.origin === self) {
        counts.echo++;
        continue;
      }
      if (seenIds.has(event.id) || (await inboxHas(ctx, event.id))) {
        counts.duplicate++;
        continue;
      }
      seenIds.add(event.id);
      if (!entities.has(event.entityKind)) entities.set(event.entityKind, await entityByName(ctx, event.entityKind));
      const outcome = await decide(ctx, event, entities.get(event.entityKind) ?? null, states, writes, now);
      counts[outcome]++;
      await ctx.db.insert("inbox", {
        eventId: event.id,
        outcome,
        origin: event.source.origin,
        entityName: event.entityKind,
        entityId: event.entityId,
        receivedAt: now,
      });
    }
    return { writes: [...writes.values()], counts };
  },
});

async function inboxHas(ctx: MutationCtx, eventId: string): Promise<boolean> {
  const entry = await ctx.db
    .query("inbox")
    .withIndex("by_eventId", (q) => q.eq("eventId", eventId))
    .first();
  return entry !== null;
}

async function loadState(
  ctx: MutationCtx,
  states: Map<string, EntityState>,
  key: string,
  entityName: string,
  entityId: string,
): Promise<EntityState> {
  let state = states.get(key);
  if (!state) {
    const map = await ctx.db
      .query("idMap")
      .withIndex("by_entity", (q) => q.eq("entityName", entityName).eq("entityId", entityId))
      .unique();
    const deleted = (await tombstoneOf(ctx, entityName, entityId)) !== null;
    state = {
      map,
      stamp: map ? { version: map.version, updatedAt: map.updatedAt, origin: map.origin } : null,
      deleted,
      lamport: map?.lamport ?? 0,
    };
    states.set(key, state);
  }
  return state;
}

async function decide(
  ctx: MutationCtx,
  event: InboundEvent,
  entity: Doc<"entities"> | null,
  states: Map<string, EntityState>,
  writes: Map<string, typeof vWrite.type>,
  now: number,
): Promise<"applied" | "stale" | "ignored" | "invalid"> {
  if (!entity || !entity.enabled || entity.strategy === "push") return "ignored";
  if (!isEventOperation(event.eventType)) return "ignored";
  const payload = EntityPayload.safeParse(event.payload);
  if (!payload.success) return "invalid";
  if (event.eventType !== "delete" && payload.data.data === null) return "invalid";

  const key = JSON.stringify([entity.name, event.entityId]);
  const state = await loadState(ctx, states, key, entity.name, event.entityId);
  if (state.deleted) return "stale";
  const stamp: WriteStamp = {
    version: payload.data.version,
    updatedAt: payload.data.updatedAt,
    origin: event.source.origin,
  };
  const base = { entityName: entity.name, entityId: event.entityId, table: entity.table };
  // The entity's clock moves only when one of its events applies.
  const lamport = Math.max(state.lamport, event.lamport ?? 0);

  if (event.eventType === "delete") {
    state.deleted = true;
    await ctx.db.insert("tombstones", {
      entityName: entity.name,
      entityId: event.entityId,
      ...stamp,
      lamport,
      deletedAt: now,
    });
    if (state.map) await ctx.db.delete("idMap", state.map._id);
    // An upsert of an entity first seen in this same batch had no document yet: nothing to delete.
    writes.set(key, { op: "delete", ...base, localId: state.map?.localId ?? null });
    return "applied";
  }
  if (!beats(stamp, state.stamp)) return "stale";
  state.stamp = stamp;
  state.lamport = lamport;
  writes.set(key, {
    op: "upsert",
    ...base,
    localId: state.map?.localId ?? null,
    dataJson: JSON.stringify(payload.data.data),
    ...stamp,
    lamport,
  });
  return "applied";
}

/**
 * Records where the app put the documents of a batch's upserts (new local ids included), with
 * the stamp each now holds. Called by the app in the same mutation as `plan`.
 */
export const commit = mutation({
  args: {
    applied: v.array(
      v.object({
        entityName: v.string(),
        entityId: v.string(),
        table: v.string(),
        localId: v.string(),
        ...vStampFields,
      }),
    ),
  },
  returns: v.null(),
  handler: async (ctx, { applied }) => {
    for (const row of applied) {
      const existing = await ctx.db
        .query("idMap")
        .withIndex("by_entity", (q) => q.eq("entityName", row.entityName).eq("entityId", row.entityId))
        .unique();
      if (existing) await ctx.db.replace("idMap", existing._id, row);
      else await ctx.db.insert("idMap", row);
    }
    return null;
  },
});
