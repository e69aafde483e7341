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
