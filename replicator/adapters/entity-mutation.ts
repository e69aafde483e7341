import type { StoredEvent } from "../src/types.ts";

/** What one event does to the replica's copy of its entity. */
export type EntityMutation =
  | { op: "upsert"; data: unknown }
  | { op: "delete" }
  /** The event does not change entity state (e.g. an audit event). */
  | { op: "skip" };

export type EventMapper = (event: StoredEvent) => EntityMutation;

const DELETE_TYPES = new Set(["delete", "deleted"]);

/**
 * The default reading of an event: `eventType` "delete" (or "deleted") removes the entity,
 * anything else sets it to `payload` — events carry the entity's full new state, as the
 * relay's sources emit them. Pass your own mapper when your events say otherwise.
 */
export const defaultEventMapper: EventMapper = (event) =>
  DELETE_TYPES.has(event.eventType) ? { op: "delete" } : { op: "upsert", data: event.payload };

/** One entity as a replica holds it. Deleted entities stay as tombstones that remember their version. */
export type ReplicaEntity = { entityKind: string; entityId: string; version: number; data: unknown };

/** What a batch leaves behind for one entity: the mutation of its newest event in the batch. */
export type EntityChange = {
  entityKind: string;
  entityId: string;
  version: number;
  mutation: Exclude<EntityMutation, { op: "skip" }>;
};

/**
 * The batch reduced to one change per entity, its newest. Events come in version order and
 * a write happens only when it is newer than the stored version, so applying just the newest
 * change per entity ends in the same state as applying every event in turn; it lets an
 * adapter write a batch in one set-based statement (where a row may be touched only once).
 * Events the mapper skips change nothing, so they cannot hide an earlier change.
 */
export function latestChanges(events: readonly StoredEvent[], mapEvent: EventMapper): EntityChange[] {
  const latest = new Map<string, EntityChange>();
  for (const event of events) {
    const mutation = mapEvent(event);
    if (mutation.op === "skip") continue;
    const key = JSON.stringify([event.entityKind, event.entityId]);
    latest.delete(key); // keeps the map in order of each entity's newest event
    latest.set(key, { entityKind: event.entityKind, entityId: event.entityId, version: event.version, mutation });
  }
  return [...latest.values()];
}

/** Orders replica entities by kind, then id (code-unit order, as the other adapters do). */
export function byKindAndId(a: ReplicaEntity, b: ReplicaEntity): number {
  return a.entityKind === b.entityKind ? compare(a.entityId, b.entityId) : compare(a.entityKind, b.entityKind);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
