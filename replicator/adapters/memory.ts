import type { ReplicaAdapter, StoredEvent } from "../src/types.ts";
import { byKindAndId, defaultEventMapper, type EventMapper, type ReplicaEntity } from "./entity-mutation.ts";

type Row = { version: number; deleted: boolean; data: unknown };

export type MemoryAdapter = ReplicaAdapter & {
  /** The live entities (tombstones left out), ordered by kind and id. */
  entities(): ReplicaEntity[];
  get(entityKind: string, entityId: string): ReplicaEntity | undefined;
};

/**
 * An adapter that keeps entities in a Map: for tests, caches and as the smallest example of
 * the version-check rule every adapter follows.
 */
export function memoryAdapter(options: { mapEvent?: EventMapper } = {}): MemoryAdapter {
  const mapEvent = options.mapEvent ?? defaultEventMapper;
  const rows = new Map<string, Row & { entityKind: string; entityId: string }>();
  const keyOf = (kind: string, id: string) => JSON.stringify([kind, id]);
  const live = (row: (Row & { entityKind: string; entityId: string }) | undefined): ReplicaEntity | undefined =>
    row && !row.deleted
      ? { entityKind: row.entityKind, entityId: row.entityId, version: row.version, data: row.data }
      : undefined;

  return {
    applyBatch(events: readonly StoredEvent[]) {
      for (const event of events) {
        const mutation = mapEvent(event);
        if (mutation.op === "skip") continue;
        const key = keyOf(event.entityKind, event.entityId);
        const current = rows.get(key);
        // The version check: an event older than what we hold is a replay, and changes nothing.
        if (current && current.version >= event.version) continue;
        rows.set(key, {
          entityKind: event.entityKind,
          entityId: event.entityId,
          version: event.version,
          deleted: mutation.op === "delete",
          data: mutation.op === "upsert" ? structuredClone(mutation.data) : null,
        });
      }
    },
    entities() {
      return [...rows.values()]
        .map(live)
        .filter((e): e is ReplicaEntity => e !== undefined)
        .sort(byKindAndId);
    },
    get(entityKind, entityId) {
      return live(rows.get(keyOf(entityKind, entityId)));
    },
  };
}
