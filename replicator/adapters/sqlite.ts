import type { ReplicaAdapter, StoredEvent } from "../src/types.ts";
import { inTransaction, openDatabase, tableName, type SqliteTarget } from "../storage/database.ts";
import { defaultEventMapper, type EventMapper, type ReplicaEntity } from "./entity-mutation.ts";

export type SqliteAdapter = ReplicaAdapter & {
  /** The live entities (tombstones left out), ordered by kind and id. */
  entities(): ReplicaEntity[];
};

/**
 * Replicates entities into one SQLite table (`node:sqlite`): a row per entity with the version
 * of the last event applied to it. A batch is one transaction, and a row changes only when the
 * event is newer than the row — so replaying events, which at-least-once delivery does after a
 * crash, changes nothing. Deletes leave a tombstone row (`deleted = 1`) that keeps its version,
 * so an older event replayed later cannot bring the entity back.
 */
export function sqliteAdapter(options: SqliteTarget & { table?: string; mapEvent?: EventMapper }): SqliteAdapter {
  const { db, owned } = openDatabase(options);
  const table = tableName(options.table ?? "relay_entities");
  const mapEvent = options.mapEvent ?? defaultEventMapper;
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
    entity_kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    data TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (entity_kind, entity_id)
  ) WITHOUT ROWID`);
  const write = db.prepare(`INSERT INTO ${table} (entity_kind, entity_id, version, deleted, data, updated_at)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (entity_kind, entity_id) DO UPDATE SET
      version = excluded.version, deleted = excluded.deleted, data = excluded.data, updated_at = excluded.updated_at
    WHERE excluded.version > ${table}.version`);
  const live = db.prepare(`SELECT entity_kind, entity_id, version, data FROM ${table}
    WHERE deleted = 0 ORDER BY entity_kind, entity_id`);

  return {
    applyBatch(events: readonly StoredEvent[]) {
      const now = Date.now();
      inTransaction(db, () => {
        for (const event of events) {
          const mutation = mapEvent(event);
          if (mutation.op === "skip") continue;
          const data = mutation.op === "upsert" ? JSON.stringify(mutation.data) : null;
          write.run(event.entityKind, event.entityId, event.version, mutation.op === "delete" ? 1 : 0, data, now);
        }
      });
    },
    entities() {
      return (live.all() as { entity_kind: string; entity_id: string; version: number; data: string }[]).map((row) => ({
        entityKind: row.entity_kind,
        entityId: row.entity_id,
        version: row.version,
        data: JSON.parse(row.data) as unknown,
      }));
    },
    close() {
      if (owned) db.close();
    },
  };
}
